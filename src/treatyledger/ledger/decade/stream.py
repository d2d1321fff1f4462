"""One party's notifications for the whole treaty: the baseline declaration, then per period
between data dates the structural changes to the next date's numbers (in the first third of
the period) and the routine operations (after them), and after the last data date routine
operations until the party stops (its suspension, or the treaty's expiry).

Records are emitted in effective-time order, so sequence order and effective order agree for
every item, and each is issued within its category's deadline (``IssuePolicy``). Replayed
under the New START rule set, the stream gives each planned point's numbers exactly on its
date.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from treatyledger.ledger.decade.databases import with_databases
from treatyledger.ledger.decade.routine import DAY, RoutineVolume, routine_chains
from treatyledger.ledger.decade.structure import STRUCTURES, ForceStructure
from treatyledger.ledger.decade.timeline import PartyCalendar
from treatyledger.ledger.decade.world import Step, World
from treatyledger.model.catalog import Catalog

#: (category, kind, effective time, random source) -> issued time.
IssuePolicy = Callable[[str, str, datetime, random.Random], datetime]


def within_days(days: int) -> IssuePolicy:
    """Every notification issued between one hour and ``days`` after the event (New START
    Protocol Part Four: changes in data within 5 days), never late."""

    def issued(_category: str, _kind: str, effective: datetime, rng: random.Random) -> datetime:
        return effective + timedelta(hours=1 + int(rng.random() * (days * 24 - 1)))

    return issued


@dataclass(frozen=True)
class Reservation:
    """Items the generator must leave alone from the period holding ``start`` to the one
    holding ``end``: ``what`` is ``deployed_missile`` (with room for one more reentry
    vehicle) or ``spare_missile`` (an ICBM in storage)."""

    name: str
    what: str
    count: int
    start: date
    end: date


@dataclass
class DecadeStream:
    party: str
    calendar: PartyCalendar
    structure: ForceStructure
    records: list[dict[str, Any]]
    #: per record, the catalogue category of ``world.Step``
    categories: list[str]
    #: reservation name -> the items reserved
    reserved: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _time_text(moment: datetime) -> str:
    return moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


class _Emitter:
    def __init__(
        self,
        party: str,
        first_sequence: int,
        issue: IssuePolicy,
        rng: random.Random,
        quiet: Sequence[tuple[datetime, datetime]] = (),
    ) -> None:
        self.quiet = sorted(quiet)
        self.quiet_starts = [start for start, _ in self.quiet]
        self.party = party
        self.sequence = first_sequence
        self.issue = issue
        self.rng = rng
        self.records: list[dict[str, Any]] = []
        self.categories: list[str] = []

    def emit(self, step: Step, effective: datetime) -> None:
        payload = step.payload
        # the canonical JSON form spells out defaults (Notification.to_json_dict)
        if step.kind in ("load", "unload"):
            payload = {"items": [], "warheads": 0, **payload}
        elif step.kind == "declare":
            payload = {"facilities": [], **payload}
        issued = self.issue(step.category, step.kind, effective, self.rng)
        self.records.append(
            {
                "party": self.party,
                "sequence": self.sequence,
                "kind": step.kind,
                "effective_time": _time_text(effective),
                "issued_time": _time_text(issued),
                "payload": payload,
            }
        )
        self.categories.append(step.category)
        self.sequence += 1

    def period(
        self, begin: datetime, end: datetime, structural: list[Step], chains: list[Any]
    ) -> None:
        """Structural steps in the first third, routine chains after; emitted in time order."""
        span = int((end - begin).total_seconds())
        timed: list[tuple[int, int, Step]] = []
        offsets = sorted(DAY + int(self.rng.random() * (span // 3 - DAY)) for _ in structural)
        for order, (offset, step) in enumerate(zip(offsets, structural, strict=True)):
            timed.append((offset, order, step))
        order = len(timed)
        first = span * 2 // 5
        for chain in chains:
            length = chain[-1][0]
            room = span - DAY - length - first
            if room <= 0:
                continue
            start = first + int(self.rng.random() * room)
            for offset, step in chain:
                timed.append((start + offset, order, step))
                order += 1
        timed.sort(key=lambda t: (t[0], t[1]))
        for offset, _order, step in timed:
            self.emit(step, self._outside_quiet(begin + timedelta(seconds=offset)))

    def _outside_quiet(self, moment: datetime) -> datetime:
        """A step due while the party keeps quiet (an inspection's restrictions) waits for
        the end of the window; order is kept, since the windows do not overlap."""
        index = bisect.bisect_right(self.quiet_starts, moment) - 1
        if index >= 0 and moment < self.quiet[index][1]:
            return self.quiet[index][1]
        return moment


def _reserve(world: World, reservation: Reservation) -> tuple[str, ...]:
    rng = world.rng
    if reservation.what == "deployed_missile":
        pool = sorted(
            m for m, rv in world.rvs.items() if m not in world.reserved and rv < world.capacity[m]
        )
    elif reservation.what == "spare_missile":
        pool = sorted(
            m
            for s in world.legs
            if s.leg.kind == "icbm"
            for m in s.spares
            if m not in world.reserved
        )
    else:
        raise ValueError(f"unknown reservation {reservation.what!r}")
    if len(pool) < reservation.count:
        raise ValueError(f"{reservation.name}: only {len(pool)} items to reserve")
    chosen = tuple(rng.sample(pool, reservation.count))
    world.reserved.update(chosen)
    return chosen


def decade_stream(
    calendar: PartyCalendar,
    catalog: Catalog,
    rng: random.Random,
    *,
    structure: ForceStructure | None = None,
    volume: RoutineVolume | None = None,
    reservations: Sequence[Reservation] = (),
    issue: IssuePolicy | None = None,
    first_sequence: int = 1,
    treaty: str = "new-start",
    quiet: Sequence[tuple[datetime, datetime]] = (),
    database_dates: Sequence[date] = (),
) -> DecadeStream:
    """The notifications (JSON dicts, unsigned) of ``calendar.party`` for its whole calendar;
    nothing takes effect inside the ``quiet`` windows (the exercise's inspections). A
    ``database`` notification is given with data as of each of ``database_dates`` that falls
    on or before the day the party stops (``decade.databases``)."""
    structure = structure or STRUCTURES[calendar.party]
    volume = volume or RoutineVolume()
    world = World(structure, catalog, rng)
    emitter = _Emitter(calendar.party, first_sequence, issue or within_days(5), rng, quiet)
    points = list(calendar.points)
    first = points[0].point
    emitter.emit(
        Step(
            "declare",
            {"items": world.baseline(first), "facilities": structure.facilities()},
            "structure",
        ),
        _midnight(first.date),
    )
    reserved: dict[str, tuple[str, ...]] = {}
    releases: list[tuple[date, tuple[str, ...]]] = []
    ends = [p.date for p in points[1:]] + [calendar.stops]
    for index, until in enumerate(ends):
        begin = _midnight(points[index].date) + timedelta(days=1)
        end = _midnight(until)
        for reservation in reservations:  # made in the first period ending after its start
            if reservation.name not in reserved and reservation.start < until:
                reserved[reservation.name] = _reserve(world, reservation)
                releases.append((reservation.end, reserved[reservation.name]))
        structural = world.reduce(points[index + 1].point) if index + 1 < len(points) else []
        emitter.period(begin, end, structural, routine_chains(world, volume))
        for when, uids in list(releases):
            if when < end.date():
                world.reserved.difference_update(uids)
                releases.remove((when, uids))
    records, categories = _with_regime_notes(emitter, calendar, treaty, first_sequence)
    records, categories = with_databases(
        records,
        categories,
        party=calendar.party,
        dates=[d for d in database_dates if first.date <= d <= calendar.stops],
        facilities=structure.facilities(),
        catalog=catalog,
        rng=rng,
        first_sequence=first_sequence,
    )
    return DecadeStream(
        party=calendar.party,
        calendar=calendar,
        structure=structure,
        records=records,
        categories=categories,
        reserved=reserved,
    )


def _with_regime_notes(
    emitter: _Emitter, calendar: PartyCalendar, treaty: str, first_sequence: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """The records with the calendar's regime notes in their place (at the start of their
    day, after everything effective before), sequences renumbered."""
    notes = sorted(calendar.regime_notes, key=lambda n: n.day)
    records: list[dict[str, Any]] = []
    categories: list[str] = []
    pending = list(notes)

    def note_record(note: Any) -> dict[str, Any]:
        moment = _midnight(note.day)
        return {
            "party": calendar.party,
            "sequence": 0,
            "kind": "regime_status",
            "effective_time": _time_text(moment),
            "issued_time": _time_text(moment + timedelta(hours=1)),
            "payload": note.payload(treaty),
        }

    for record, category in zip(emitter.records, emitter.categories, strict=True):
        while pending and _time_text(_midnight(pending[0].day)) <= record["effective_time"]:
            records.append(note_record(pending.pop(0)))
            categories.append("regime")
        records.append(record)
        categories.append(category)
    for note in pending:
        records.append(note_record(note))
        categories.append("regime")
    for sequence, record in enumerate(records, start=first_sequence):
        record["sequence"] = sequence
    return records, categories

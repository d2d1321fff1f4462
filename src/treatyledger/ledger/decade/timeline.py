"""The treaty's calendar for the decade exercise: every data date from the baseline to the
expiry, with the numbers each party's force is generated to, and where each number comes from.

A data date with an official row takes it (``official``). A date the reference set has no row
for takes the numbers halfway between the official rows around it (``interpolated``), or the
last official row once the rows end (``held``); neither is presented as an official figure. A
party that stops providing data (Russia after its suspension of February 2023) has no numbers
after ``provides_until``: its stream ends, and the dates after are gaps, not zeros.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from treatyledger.ledger.synthetic import AggregatePoint


class Provenance(StrEnum):
    OFFICIAL = "official"
    INTERPOLATED = "interpolated"
    HELD = "held"


@dataclass(frozen=True)
class PlannedPoint:
    """The three New START numbers a party's force is generated to on one data date."""

    point: AggregatePoint
    provenance: Provenance

    @property
    def date(self) -> date:
        return self.point.date


@dataclass(frozen=True)
class RegimeNote:
    """A ``regime_status`` notification a party logs (``model.notifications.RegimeEvent``):
    its own suspension, the other party's that it was notified of, the treaty's expiry."""

    day: date
    event: str
    party: str | None = None
    reference: str = ""

    def payload(self, treaty: str) -> dict[str, str]:
        body = {"treaty": treaty, "event": self.event, "reference": self.reference}
        if self.party is not None:
            body["party"] = self.party
        return body


@dataclass(frozen=True)
class PartyCalendar:
    """One party's part of the exercise: its planned points (in date order), the last day it
    notifies anything (``stops``) and, where it stops early, why; the regime events it logs."""

    party: str
    points: tuple[PlannedPoint, ...]
    stops: date
    stop_reason: str = ""
    regime_notes: tuple[RegimeNote, ...] = ()


@dataclass(frozen=True)
class Suspension:
    """A party stops providing data: its last data date, the day it stops notifying."""

    party: str
    provides_until: date
    stops: date
    reason: str


#: Russia's suspension (announced in the President's address of 2023-02-21, in force by the
#: Federal Law signed 2023-02-28): the exchange of data as of 2022-09-01 was its last (State
#: Dept., 2023 report to Congress on New START implementation).
RUSSIAN_SUSPENSION = Suspension(
    party="RU",
    provides_until=date(2022, 9, 1),
    stops=date(2023, 2, 28),
    reason="Russia suspended its participation (announced 2023-02-21, Federal Law of "
    "2023-02-28) and provided no data after that of 2022-09-01",
)


def _between(before: AggregatePoint, after: AggregatePoint, when: date) -> AggregatePoint:
    def mid(a: int, b: int) -> int:
        return round(a + (b - a) * (when - before.date).days / (after.date - before.date).days)

    return AggregatePoint(
        date=when,
        party=before.party,
        deployed_delivery_vehicles=mid(
            before.deployed_delivery_vehicles, after.deployed_delivery_vehicles
        ),
        deployed_warheads=mid(before.deployed_warheads, after.deployed_warheads),
        deployed_and_nondeployed_launchers=mid(
            before.deployed_and_nondeployed_launchers, after.deployed_and_nondeployed_launchers
        ),
        source=f"interpolated between the official rows of {before.date} and {after.date}",
    )


def _held(last: AggregatePoint, when: date) -> AggregatePoint:
    return AggregatePoint(
        date=when,
        party=last.party,
        deployed_delivery_vehicles=last.deployed_delivery_vehicles,
        deployed_warheads=last.deployed_warheads,
        deployed_and_nondeployed_launchers=last.deployed_and_nondeployed_launchers,
        source=f"held at the last official row ({last.date}): no later row in the reference set",
    )


def party_calendar(
    party: str,
    official: Sequence[AggregatePoint],
    data_dates: Sequence[date],
    expires: date,
    suspension: Suspension | None = None,
) -> PartyCalendar:
    """``party``'s planned points on ``data_dates`` (those before its suspension, if any)."""
    rows = sorted((p for p in official if p.party == party), key=lambda p: p.date)
    if not rows:
        raise ValueError(f"no official rows for {party}")
    by_date = {p.date: p for p in rows}
    last_date = suspension.provides_until if suspension else max(data_dates)
    planned: list[PlannedPoint] = []
    for when in sorted(d for d in data_dates if d <= last_date):
        if when in by_date:
            planned.append(PlannedPoint(by_date[when], Provenance.OFFICIAL))
            continue
        before = [p for p in rows if p.date < when]
        after = [p for p in rows if p.date > when]
        if not before:
            raise ValueError(f"{party}: no official row before {when} (the baseline is needed)")
        if after:
            planned.append(
                PlannedPoint(_between(before[-1], after[0], when), Provenance.INTERPOLATED)
            )
        else:
            planned.append(PlannedPoint(_held(before[-1], when), Provenance.HELD))
    if suspension:
        return PartyCalendar(party, tuple(planned), suspension.stops, suspension.reason)
    return PartyCalendar(party, tuple(planned), expires, "the treaty expired")


def _notes(party: str, suspensions: Sequence[Suspension], expires: date) -> tuple[RegimeNote, ...]:
    """A suspending party logs its suspension as its last notification; every other party
    logs the suspension it was notified of and, at the end, the treaty's expiry."""
    own = [s for s in suspensions if s.party == party]
    if own:
        return (RegimeNote(own[0].stops, "suspension", party, own[0].reason),)
    notes = [RegimeNote(s.stops, "suspension", s.party, s.reason) for s in suspensions]
    notes.append(
        RegimeNote(
            expires,
            "expiry",
            None,
            "New START Art. XIV.2: ten years from "
            "entry into force, extended once by five years (2021-02-03)",
        )
    )
    return tuple(notes)


def treaty_calendars(
    official: Sequence[AggregatePoint],
    data_dates: Sequence[date],
    expires: date,
    parties: Sequence[str] = ("US", "RU"),
    suspensions: Sequence[Suspension] = (RUSSIAN_SUSPENSION,),
) -> dict[str, PartyCalendar]:
    """Every party's calendar; ``data_dates`` from the rule set (New START: 2011-02-05, then
    every 1 March and 1 September) up to ``expires``, and every date an official row has
    (2018-02-05, the day the central limits bound, for which Russia published its figures)."""
    data_dates = sorted({*data_dates, *(p.date for p in official if p.date <= expires)})
    by_party = {s.party: s for s in suspensions}
    calendars = {}
    for party in parties:
        calendar = party_calendar(party, official, data_dates, expires, by_party.get(party))
        calendars[party] = replace(calendar, regime_notes=_notes(party, suspensions, expires))
    return calendars

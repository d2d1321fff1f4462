"""Incremental tally: the state of a growing log as of its latest effective time, and counts at
chosen dates, without replaying the whole log for each new notification.

``ledger.replay.state_at`` and ``time_series`` replay every record in dated order
((effective time, party, sequence), corrections in effect). A :class:`Tally` keeps the result
of such a replay (its *frontier*: the state after every record taken in) and applies later
records in the same dated order, which gives the same state as a full replay exactly when

- none of them is a ``correction`` (a correction changes an earlier notification: the states
  already counted would change), and
- each comes after the last record applied in dated order (a record effective earlier than
  the frontier could change the totals at a date already counted).

Otherwise ``advance`` refuses and the caller builds again (``Tally.build``). Counts at the
watched dates are taken as the frontier passes them, before the first record effective after
the date is applied, so they are final; a date at or after the frontier is counted on demand
from the frontier, which then holds every record effective by that date. A date before the
frontier that was not watched cannot be counted here (``count_at`` answers None).
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Generic, TypeVar

from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.records import Record, parse_time
from treatyledger.ledger.replay import _dated_order, as_datetime
from treatyledger.ledger.state import LedgerState, RecordSource

T = TypeVar("T")
When = date | datetime
#: a record's place in dated order: (effective time, party, sequence)
Place = tuple[datetime, str, int]
#: what a tally counts at a date: the state as of that date and the date
Counter = Callable[[LedgerState, When], T]


class Tally(Generic[T]):
    """A frontier state with counts at watched dates (see the module doc)."""

    def __init__(self, policy: LedgerPolicy, count: Counter[T], state: LedgerState):
        self.policy = policy
        self._count = count
        self.state = state
        #: the highest sequence taken in per party (corrections included)
        self.last_sequence: dict[str, int] = {}
        #: records taken in, corrections included: what a view of this tally counted
        self.records = 0
        #: the earliest effective date of any record taken in (``node.views.data_dates``)
        self.first_day: date | None = None
        self._last: Place | None = None
        self._pending: list[tuple[datetime, When]] = []
        self._counted: dict[When, T] = {}
        self._latest: tuple[int, When, T] | None = None
        #: the records are read back from a source, not held by the state
        self._stored = False

    @classmethod
    def build(
        cls,
        records: Sequence[Record],
        policy: LedgerPolicy,
        count: Counter[T],
        watch: Iterable[When] = (),
        source: RecordSource | None = None,
    ) -> Tally[T]:
        """The tally of ``records`` (a party's log in sequence order), by one full replay.
        ``source``: where the records are stored; the state then keeps none of them in
        memory (a node keeps a tally per view: each would otherwise hold the whole log)."""
        dated, corrected = _dated_order(records)
        state = LedgerState.with_corrections(policy, corrected)
        if source is not None:
            state.attach_source(source)
        tally = cls(policy, count, state)
        tally._stored = source is not None
        tally.watch(watch)
        for effective, record in dated:
            tally._apply(effective, record)
        tally._take_in(records)
        return tally

    @property
    def frontier(self) -> datetime | None:
        """The latest (corrected) effective time applied; None before any."""
        return None if self._last is None else self._last[0]

    def watch(self, whens: Iterable[When]) -> bool:
        """Count at each of ``whens`` when the frontier passes it. False (nothing changed) if
        one of them is already behind the frontier uncounted: build again to count it."""
        fresh = [w for w in set(whens) if w not in self._counted]
        fresh = [w for w in fresh if all(w != p for _, p in self._pending)]
        if any(not self.covers(w) for w in fresh):
            return False
        for when in fresh:
            insort(self._pending, (as_datetime(when), when), key=lambda pair: pair[0])
        return True

    def covers(self, when: When) -> bool:
        """Whether the frontier holds every record effective by ``when``."""
        return self._last is None or as_datetime(when) >= self._last[0]

    def advance(self, records: Sequence[Record]) -> bool:
        """Take in ``records`` (sequence order, the ones after ``last_sequence``; others are
        ignored). False, with nothing changed, if one of them is a correction or comes before
        the frontier in dated order: the caller must build again."""
        new = [r for r in records if r["sequence"] > self.last_sequence.get(r["party"], 0)]
        if any(r["kind"] == "correction" for r in new):
            return False
        placed = sorted(
            ((parse_time(r["effective_time"]), r["party"], r["sequence"]), r) for r in new
        )
        if placed and self._last is not None and placed[0][0] <= self._last:
            return False
        for (effective, _party, _sequence), record in placed:
            self._apply(effective, record)
        self._take_in(new)
        return True

    def count_at(self, when: When) -> T | None:
        """The count as of ``when``, identical to counting ``state_at`` of every record taken
        in; None if ``when`` is behind the frontier and was not watched."""
        if when in self._counted:
            return self._counted[when]
        if not self.covers(when):
            return None
        latest = self._latest
        if latest is not None and latest[0] == self.records and latest[1] == when:
            return latest[2]
        value = self._count(self.state, when)
        self._latest = (self.records, when, value)
        return value

    def _apply(self, effective: datetime, record: Record) -> None:
        # the watched dates passed are final: nothing effective by them is still to come
        while self._pending and self._pending[0][0] < effective:
            _limit, when = self._pending.pop(0)
            self._counted[when] = self._count(self.state, when)
        self.state.apply_out_of_order(record)
        self._last = (effective, record["party"], record["sequence"])

    def _take_in(self, records: Iterable[Record]) -> None:
        self._take_in_counts(records)
        if self._stored:
            self.state.forget_stored(through=self.last_sequence)

    def _take_in_counts(self, records: Iterable[Record]) -> None:
        for record in records:
            party = record["party"]
            self.last_sequence[party] = max(self.last_sequence.get(party, 0), record["sequence"])
            self.records += 1
            day = datetime.fromisoformat(record["effective_time"]).date()
            if self.first_day is None or day < self.first_day:
                self.first_day = day

"""Replay: the inventory at any sequence number or date is a replay of the notifications.

Records are notifications in JSON form (``Notification.to_json_dict()``, or the decoded
canonical bytes the store keeps), already accepted, in sequence order per party.

Corrections. A ``correction`` (sequence c) names an earlier notification t of the same party
and gives its corrected version: the same kind, an effective time and a payload. It may change
anything in t's payload and t's effective time, never t's kind, party or sequence, and it may
not correct a ``correction``, ``database`` or randomness notification (those are re-issued).
Both notifications stay in the log. Replay puts the corrected version in t's place in sequence
order (the latest correction of t wins) and treats the correction record itself as bookkeeping
that changes nothing at c. "Which corrections are in effect" depends on what is replayed:
``until_sequence=s`` uses only corrections with sequence <= s (the ledger as the party had
declared it at s); a replay as of a date uses every correction in the records given (today's
best knowledge of that date). A correction is accepted only if the whole log stays valid with it
(``LedgerState`` re-validates), so replay with corrections never fails on accepted records.

Dates. The state as of a datetime D holds every notification whose (corrected) effective time
is at or before D; a ``date`` means the end of that day (UTC). This is sound because the ledger
rejects a notification that would take effect before one already accepted for any item it
touches: per item, sequence order and effective-time order agree, so applying the notifications
effective by D, in (effective time, sequence) order, gives every item the history it had.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.records import Record, parse_time
from treatyledger.ledger.state import Corrections, LedgerState
from treatyledger.model.catalog import Catalog


def corrections_in_effect(
    records: Iterable[Record], until_sequence: int | None = None
) -> Corrections:
    """(party, corrected sequence) -> (effective time, payload) of the latest correction."""
    corrected: Corrections = {}
    for record in records:
        if record["kind"] != "correction":
            continue
        if until_sequence is not None and record["sequence"] > until_sequence:
            continue
        target = record["corrects"]
        payload = record["payload"]
        corrected[(target["party"], target["sequence"])] = (
            payload["effective_time"],
            payload["payload"],
        )
    return corrected


def replay(
    records: Sequence[Record],
    policy: LedgerPolicy,
    *,
    until_sequence: int | None = None,
) -> LedgerState:
    """The state after every record with sequence <= ``until_sequence`` (all if None), with the
    corrections known at that point in effect."""
    corrected = corrections_in_effect(records, until_sequence)
    state = LedgerState.with_corrections(policy, corrected)
    if until_sequence is None:
        state.replay_records(records)
    else:
        state.replay_records(r for r in records if r["sequence"] <= until_sequence)
    return state


def as_datetime(when: date | datetime) -> datetime:
    """A date means the end of that day, UTC; a datetime must be timezone-aware."""
    if isinstance(when, datetime):
        if when.tzinfo is None:
            raise ValueError(f"{when.isoformat()} has no time zone")
        return when.astimezone(UTC)
    # the last microsecond of the day (no day after 9999-12-31 to count back from)
    return datetime.combine(when, time.max, tzinfo=UTC)


def _dated_order(records: Sequence[Record]) -> tuple[list[tuple[datetime, Record]], Corrections]:
    """Records that change state, with their corrected effective time, in (time, sequence)
    order; plus the corrections in effect."""
    corrected = corrections_in_effect(records)
    dated: list[tuple[datetime, Record]] = []
    for record in records:
        if record["kind"] == "correction":
            continue
        override = corrected.get((record["party"], record["sequence"]))
        effective = parse_time(override[0] if override else record["effective_time"])
        dated.append((effective, record))
    dated.sort(key=lambda pair: (pair[0], pair[1]["party"], pair[1]["sequence"]))
    return dated, corrected


def state_at(records: Sequence[Record], policy: LedgerPolicy, when: date | datetime) -> LedgerState:
    """The state as of ``when`` (see the module doc). Its ``log`` holds the records applied."""
    limit = as_datetime(when)
    dated, corrected = _dated_order(records)
    state = LedgerState.with_corrections(policy, corrected)
    for effective, record in dated:
        if effective > limit:
            break
        state.apply_out_of_order(record)
    return state


def states_at(
    records: Sequence[Record], policy: LedgerPolicy, whens: Iterable[date | datetime]
) -> Iterator[tuple[date | datetime, LedgerState]]:
    """``(when, state_at(records, policy, when))`` for each of ``whens`` in time order, in ONE
    pass over the records: the state yielded is the same object, advanced, so read it before
    asking for the next."""
    dated, corrected = _dated_order(records)
    state = LedgerState.with_corrections(policy, corrected)
    position = 0
    for when in sorted(whens, key=as_datetime):
        limit = as_datetime(when)
        while position < len(dated) and dated[position][0] <= limit:
            state.apply_out_of_order(dated[position][1])
            position += 1
        yield when, state


@dataclass(frozen=True)
class SeriesPoint:
    when: date | datetime
    #: party -> category id -> total
    totals: dict[str, dict[str, int]]


def time_series(
    records: Sequence[Record],
    policy: LedgerPolicy,
    rule_set: Any,
    dates: Iterable[date | datetime],
    catalog: Catalog | None = None,
) -> list[SeriesPoint]:
    """Totals of every category of ``rule_set`` at each date, in ONE pass over the records
    (sorted once by effective time), counting the state each time a date is passed."""
    from treatyledger.rules import count  # the counting engine (rules layer)

    catalog = catalog or policy.catalog
    wanted = sorted(dates, key=as_datetime)
    dated, corrected = _dated_order(records)
    state = LedgerState.with_corrections(policy, corrected)
    points: list[SeriesPoint] = []
    position = 0
    for when in wanted:
        limit = as_datetime(when)
        while position < len(dated) and dated[position][0] <= limit:
            state.apply_out_of_order(dated[position][1])
            position += 1
        result = count(state.inventory(), rule_set, catalog, as_of=_as_date(when))
        totals = {
            party: {cid: c.total for cid, c in party_count.categories.items()}
            for party, party_count in result.parties.items()
        }
        points.append(SeriesPoint(when, totals))
    return points


def counts_at(
    records: Sequence[Record],
    policy: LedgerPolicy,
    rule_set: Any,
    when: date | datetime,
    catalog: Catalog | None = None,
) -> Any:
    """``treatyledger.rules.count`` of the state as of ``when``."""
    from treatyledger.rules import count

    state = state_at(records, policy, when)
    return count(state.inventory(), rule_set, catalog or policy.catalog, as_of=_as_date(when))


def _as_date(when: date | datetime) -> date:
    return when.date() if isinstance(when, datetime) else when

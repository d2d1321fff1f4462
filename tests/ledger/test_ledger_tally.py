"""The incremental tally gives what a full replay gives (``state_at``, ``time_series``), at
every step of a growing log, and refuses to advance where it could not (corrections,
back-dated notifications): the oracle is the full replay of the same records."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from ledger_helpers import Ledger, catalog, item

from treatyledger.files import load_rule_set
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger import LedgerState, policy_from_rule_set, state_at, time_series
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.synthetic import synthetic_stream
from treatyledger.ledger.tally import Tally, When
from treatyledger.rules import count

RULES = load_rule_set("new-start")
POLICY = policy_from_rule_set(RULES, catalog(), require_signatures=False)


def totals(state: LedgerState, when: When) -> dict[str, dict[str, int]]:
    day = when.date() if isinstance(when, datetime) else when
    result = count(state.inventory(), RULES, catalog(), as_of=day)
    return {p: {c: v.total for c, v in pc.categories.items()} for p, pc in result.parties.items()}


def seen(state: LedgerState, when: When) -> Any:
    """Totals and every item: a tally of the small logs below differs wherever the state does."""
    return totals(state, when), list(state.inventory().items)


def replayed(records: list[dict[str, Any]], policy: LedgerPolicy, when: When) -> Any:
    """The oracle: a full replay of ``records`` as of ``when``, counted as ``seen``."""
    return seen(state_at(records, policy, when), when)


def inventory(state: LedgerState, _when: When) -> list[Any]:
    return list(state.inventory().items)


@pytest.fixture(scope="module")
def points() -> list[Any]:
    return [p for p in read_new_start_aggregates(party="US") if p.date <= date(2013, 3, 1)]


@pytest.fixture(scope="module")
def us_stream(points: list[Any]) -> list[dict[str, Any]]:
    return synthetic_stream(
        "US", points, catalog(), random.Random(5), churn_pairs_per_period=15, late_fraction=0.1
    )


@pytest.mark.parametrize("seed", range(4))
def test_a_growing_log_tallied_in_random_steps_counts_as_a_full_replay(
    us_stream: list[dict[str, Any]], points: list[Any], seed: int
) -> None:
    rng = random.Random(seed)
    watched = [p.date for p in points]
    tally = Tally.build([], POLICY, totals, watched)
    taken, advanced, rebuilt = 0, 0, 0
    while taken < len(us_stream):
        step = us_stream[taken : taken + rng.randint(1, 60)]
        taken += len(step)
        prefix = us_stream[:taken]
        if tally.advance(step):
            advanced += 1
        else:
            tally, rebuilt = Tally.build(prefix, POLICY, totals, watched), rebuilt + 1
        assert tally.records == taken
        assert tally.last_sequence == {"US": prefix[-1]["sequence"]}
        series = time_series(prefix, POLICY, RULES, watched)
        assert {p.when: p.totals for p in series} == {d: tally.count_at(d) for d in watched}
        # the latest state, at a moment after the frontier (what "today" asks)
        assert tally.frontier is not None
        later = tally.frontier + timedelta(hours=rng.randint(0, 48))
        assert tally.count_at(later) == totals(state_at(prefix, POLICY, later), later)
    assert advanced > 2 * rebuilt  # the incremental path did most of the work


def test_the_inventory_at_the_frontier_is_the_full_replays(us_stream: list[dict[str, Any]]) -> None:
    half = len(us_stream) // 2
    tally = Tally.build(us_stream[:half], POLICY, inventory)
    assert tally.advance(us_stream[half:])
    day = date(2014, 1, 1)
    assert tally.count_at(day) == list(state_at(us_stream, POLICY, day).inventory().items)


def test_a_date_behind_the_frontier_not_watched_is_not_counted(
    us_stream: list[dict[str, Any]],
) -> None:
    tally = Tally.build(us_stream, POLICY, totals, [date(2012, 1, 1)])
    assert tally.count_at(date(2011, 6, 1)) is None
    assert not tally.watch([date(2011, 6, 1)])  # cannot count it now: build again
    day = date(2012, 1, 1)
    assert tally.count_at(day) == totals(state_at(us_stream, POLICY, day), day)


@pytest.fixture
def ledger() -> Ledger:
    ledger = Ledger(require_signatures=False)
    ledger.declare(item("W1", "warhead", "stored"), item("W2", "warhead", "stored"))
    ledger.send("retire", {"uid": "W1"})  # T0 + 2 days
    return ledger


def test_a_correction_forces_a_rebuild(ledger: Ledger) -> None:
    records = ledger.records()
    tally = Tally.build(records, ledger.state.policy, seen)
    outcome = ledger.send(
        "correction",
        {
            "kind": "retire",
            "effective_time": "2011-02-20T00:00:00Z",  # retired later than notified
            "payload": {"uid": "W1"},
            "reason": "wrong date",
        },
        corrects={"party": "US", "sequence": 2},
    )
    assert outcome.status == "accepted"
    grown = ledger.records()
    assert not tally.advance(grown[len(records) :])
    assert tally.records == len(records)  # unchanged
    day = date(2011, 2, 10)
    rebuilt = Tally.build(grown, ledger.state.policy, seen, [day])
    assert rebuilt.count_at(day) == replayed(grown, ledger.state.policy, day)
    assert rebuilt.count_at(day) != tally.count_at(day)  # the correction counted


def test_a_back_dated_notification_forces_a_rebuild(ledger: Ledger) -> None:
    records = ledger.records()
    watched = [date(2011, 2, 6), date(2011, 2, 8)]
    tally = Tally.build(records, ledger.state.policy, seen, watched)
    late = datetime(2011, 2, 6, 12, tzinfo=UTC)  # before the frontier (the retirement)
    assert ledger.send("retire", {"uid": "W2"}, effective=late).status == "accepted"
    grown = ledger.records()
    assert not tally.advance(grown[len(records) :])
    rebuilt = Tally.build(grown, ledger.state.policy, seen, watched)
    for day in watched:
        assert rebuilt.count_at(day) == replayed(grown, ledger.state.policy, day)
    assert rebuilt.count_at(watched[1]) != tally.count_at(watched[1])


def test_a_notification_effective_after_today_is_not_counted_today(ledger: Ledger) -> None:
    records = ledger.records()
    today = date(2011, 3, 1)
    tally = Tally.build(records, ledger.state.policy, seen, [today])
    before = tally.count_at(today)
    future = datetime(2011, 3, 5, tzinfo=UTC)
    assert ledger.send("retire", {"uid": "W2"}, effective=future).status == "accepted"
    grown = ledger.records()
    assert tally.advance(grown[len(records) :])
    assert tally.count_at(today) == replayed(grown, ledger.state.policy, today) == before
    later = date(2011, 3, 6)
    assert tally.count_at(later) == replayed(grown, ledger.state.policy, later) != before
    # an unwatched today, once passed, is for a full replay to count
    assert tally.count_at(date(2011, 3, 2)) is None


@pytest.mark.parametrize("seed", range(3))
def test_random_retirements_back_dated_and_corrected_count_as_a_full_replay(seed: int) -> None:
    rng = random.Random(seed)
    ledger = Ledger(require_signatures=False)
    uids = [f"W{i}" for i in range(12)]
    ledger.declare(*(item(uid, "warhead", "stored") for uid in uids))  # effective T0 + 1 day
    start = datetime(2011, 2, 7, tzinfo=UTC)
    watched = [(start + timedelta(days=d)).date() for d in range(0, 40, 4)]
    tally = Tally.build(ledger.records(), ledger.state.policy, seen, watched)
    retired: dict[str, tuple[int, datetime]] = {}
    refused = 0
    for _ in range(30):
        taken = len(ledger.records())
        if retired and rng.random() < 0.25:  # move an earlier retirement in time
            uid = rng.choice(sorted(retired))
            moved = start + timedelta(hours=rng.randint(0, 900))
            ledger.send(
                "correction",
                {
                    "kind": "retire",
                    "effective_time": moved.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "payload": {"uid": uid},
                    "reason": "date",
                },
                corrects={"party": "US", "sequence": retired[uid][0]},
            )
        elif len(retired) < len(uids):
            uid = rng.choice([u for u in uids if u not in retired])
            when = start + timedelta(hours=rng.randint(0, 900))  # often before the frontier
            if ledger.send("retire", {"uid": uid}, effective=when).status == "accepted":
                retired[uid] = (ledger.sequence, when)
        records = ledger.records()
        if not tally.advance(records[taken:]):
            refused += 1
            tally = Tally.build(records, ledger.state.policy, seen, watched)
        for day in watched:
            assert tally.count_at(day) == replayed(records, ledger.state.policy, day)
        latest = tally.frontier + timedelta(days=rng.randint(0, 3))  # type: ignore[operator]
        assert tally.count_at(latest) == replayed(records, ledger.state.policy, latest)
    assert refused > 0  # back-dated and corrected notifications were among them


def test_a_tally_with_a_record_source_holds_no_record_and_counts_as_a_full_replay(
    us_stream: list[dict[str, Any]], points: list[Any]
) -> None:
    # a node keeps one tally per view: each holding the whole log would be a copy of it each
    asked: list[tuple[str, int, int]] = []

    def stored(party: str, first: int, last: int) -> list[dict[str, Any]]:
        asked.append((party, first, last))
        return [r for r in us_stream if r["party"] == party and first <= r["sequence"] <= last]

    watched = [p.date for p in points]
    half = len(us_stream) // 2
    tally = Tally.build(us_stream[:half], POLICY, totals, watched, source=stored)
    assert tally.state._log == {}  # nothing held after the build
    assert tally.advance(us_stream[half:])
    assert tally.state._log == {}  # nor after an advance
    series = time_series(us_stream, POLICY, RULES, watched)
    assert {p.when: p.totals for p in series} == {d: tally.count_at(d) for d in watched}
    # the records are read back from the source, every one of them, in sequence order
    assert tally.state.log("US") == us_stream
    assert asked == [("US", 1, us_stream[-1]["sequence"])]

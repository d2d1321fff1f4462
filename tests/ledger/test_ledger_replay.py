"""Replay by sequence and by date, counts and the one-pass time series."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from ledger_helpers import Ledger, catalog, item, policy

from treatyledger.files import load_rule_set
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger import (
    LedgerState,
    counts_at,
    policy_from_rule_set,
    replay,
    state_at,
    time_series,
)
from treatyledger.ledger.replay import as_datetime
from treatyledger.ledger.synthetic import synthetic_stream

CATEGORIES = (
    "deployed_delivery_vehicles",
    "deployed_warheads",
    "deployed_and_nondeployed_launchers",
)


@pytest.fixture(scope="module")
def us_points():  # type: ignore[no-untyped-def]
    return [p for p in read_new_start_aggregates(party="US") if p.date <= date(2013, 3, 1)]


@pytest.fixture(scope="module")
def us_stream(us_points):  # type: ignore[no-untyped-def]
    return synthetic_stream(
        "US", us_points, catalog(), random.Random(3), churn_pairs_per_period=40, late_fraction=0.1
    )


def unsigned_policy():  # type: ignore[no-untyped-def]
    return policy(require_signatures=False)


def test_replay_equals_applying_one_by_one(us_stream) -> None:  # type: ignore[no-untyped-def]
    live = LedgerState(unsigned_policy())
    for record in us_stream:
        live.apply_record(record)
    assert replay(us_stream, unsigned_policy()).snapshot() == live.snapshot()


def test_replay_until_a_sequence_equals_the_prefix(us_stream) -> None:  # type: ignore[no-untyped-def]
    prefix = LedgerState(unsigned_policy())
    prefix.replay_records(us_stream[:200])
    assert replay(us_stream, unsigned_policy(), until_sequence=200).snapshot() == prefix.snapshot()


def test_late_flags_survive_replay(us_stream) -> None:  # type: ignore[no-untyped-def]
    state = replay(us_stream, unsigned_policy())
    late = {
        (r["party"], r["sequence"])
        for r in us_stream
        if r["kind"] != "database"
        and datetime.fromisoformat(r["issued_time"]) - datetime.fromisoformat(r["effective_time"])
        > timedelta(days=5)
    }
    assert late and state.late == late


def test_state_at_a_date_is_the_state_after_the_last_notification_effective_by_then(
    us_stream,  # type: ignore[no-untyped-def]
) -> None:
    probe = date(2012, 1, 15)
    limit = as_datetime(probe)
    last = max(
        r["sequence"] for r in us_stream if datetime.fromisoformat(r["effective_time"]) <= limit
    )
    # the synthetic stream is in effective-time order, so the prefix is the dated state
    expected = replay(us_stream, unsigned_policy(), until_sequence=last).snapshot()["items"]
    assert state_at(us_stream, unsigned_policy(), probe).snapshot()["items"] == expected


def test_a_date_means_the_end_of_that_day() -> None:
    assert as_datetime(date(2015, 3, 1)) == datetime(2015, 3, 1, 23, 59, 59, 999999, tzinfo=UTC)


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        as_datetime(datetime(2015, 3, 1))


def test_state_at_orders_out_of_order_notifications_by_effective_time() -> None:
    ledger = Ledger()
    ledger.declare(item("W1", "warhead", "stored"), item("W2", "warhead", "stored"))
    ledger.send("retire", {"uid": "W1"}, effective=datetime(2011, 3, 10, tzinfo=UTC))
    ledger.send("retire", {"uid": "W2"}, effective=datetime(2011, 3, 1, tzinfo=UTC))  # late news
    state = state_at(ledger.records(), ledger.state.policy, date(2011, 3, 5))
    assert state.item("W1").status == "stored"
    assert state.item("W2").status == "retired"


def test_time_series_equals_counting_each_date_separately(us_stream, us_points) -> None:  # type: ignore[no-untyped-def]
    rule_set = load_rule_set("new-start")
    pol = policy_from_rule_set(rule_set, catalog(), require_signatures=False)
    dates = [p.date for p in us_points] + [date(2012, 7, 4)]
    series = time_series(us_stream, pol, rule_set, dates)
    assert [point.when for point in series] == sorted(dates)
    for point in series:
        single = counts_at(us_stream, pol, rule_set, point.when)
        expected = {c: single.parties["US"].categories[c].total for c in CATEGORIES}
        assert {c: point.totals["US"][c] for c in CATEGORIES} == expected


def test_policy_from_rule_set_reads_deadline_and_transfer_rule() -> None:
    pol = policy_from_rule_set(load_rule_set("new-start"), catalog())
    assert pol.deadline_days == 5
    assert pol.third_state_transfer_forbidden is True


def test_inventory_feeds_the_counting_engine() -> None:
    ledger = Ledger()
    ledger.declare(
        item("L1", "icbm_launcher", "non_deployed"),
        item("M1", "icbm", "non_deployed", warheads=0),
        item("B1", "heavy_bomber", "deployed"),
    )
    ledger.send("load", {"container": "L1", "items": ["M1"]})
    ledger.send("load", {"container": "M1", "warheads": 3})
    from treatyledger.rules import count

    result = count(ledger.state.inventory(), load_rule_set("new-start"), catalog())
    totals = {c: result.parties["US"].categories[c].total for c in CATEGORIES}
    assert totals == {
        "deployed_delivery_vehicles": 2,
        "deployed_warheads": 4,
        "deployed_and_nondeployed_launchers": 2,
    }


def test_a_warhead_item_on_a_missile_is_counted_once_in_the_total_stockpile() -> None:
    from treatyledger.rules import count

    ledger = Ledger()
    ledger.declare(
        item("L1", "icbm_launcher", "non_deployed"),
        item("M1", "icbm", "non_deployed", warheads=0),
        item("W1", "warhead", "stored"),
        item("W2", "warhead", "stored"),
    )
    ledger.send("load", {"container": "L1", "items": ["M1"]})
    ledger.send("load", {"container": "M1", "items": ["W1"], "warheads": 1})
    result = count(ledger.state.inventory(), load_rule_set("total-stockpile"), catalog())
    # W1 and one anonymous RV on M1 (its warheads field), plus W2 in storage
    assert result.parties["US"].categories["total_warheads"].total == 3

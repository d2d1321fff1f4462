"""Scenario: the US force declared at its New START baseline (2011-02-05: 882 deployed delivery
vehicles, 1,800 deployed warheads, 1,124 launchers) and reduced by signed notifications to its
2018 figures. At every data date the replay, counted under the built-in New START rule set,
gives the official aggregate numbers exactly.

Oracle: the State Department aggregate figures bundled as
treatyledger/data/reference/new_start_aggregates.csv (copied from
shared/reference/new_start_aggregates.csv; each row cites its source). The per-type split of the
force is an assumption of treatyledger.ledger.synthetic (US_FORCE_MIX); the totals are not.
"""

from __future__ import annotations

import random
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from treatyledger.files import load_catalog, load_rule_set
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger import LedgerState, policy_from_rule_set, replay, sign, time_series
from treatyledger.ledger.synthetic import synthetic_stream
from treatyledger.model.notifications import parse_notification

TEST_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))  # TEST KEY, tests only

US_POINTS = [p for p in read_new_start_aggregates(party="US") if p.date <= date(2018, 12, 31)]


@pytest.fixture(scope="module")
def scenario():  # type: ignore[no-untyped-def]
    catalog = load_catalog()
    rule_set = load_rule_set("new-start")
    policy = policy_from_rule_set(rule_set, catalog)
    records = [
        sign(parse_notification(r), TEST_KEY)
        for r in synthetic_stream("US", US_POINTS, catalog, random.Random(2011))
    ]
    state = LedgerState(policy, keys={"US": [TEST_KEY.public_key()]})
    outcomes = [state.apply(n) for n in records]
    return policy, rule_set, state, outcomes


def test_the_scenario_spans_baseline_to_2018() -> None:
    assert US_POINTS[0].date == date(2011, 2, 5)
    assert (
        US_POINTS[0].deployed_delivery_vehicles,
        US_POINTS[0].deployed_warheads,
        US_POINTS[0].deployed_and_nondeployed_launchers,
    ) == (882, 1800, 1124)
    assert US_POINTS[-1].date == date(2018, 9, 1)
    assert len(US_POINTS) == 13


def test_every_signed_notification_is_accepted_on_time(scenario) -> None:  # type: ignore[no-untyped-def]
    _, _, _, outcomes = scenario
    assert all(o.status == "accepted" and not o.late for o in outcomes)
    kinds = {r["kind"] for r in scenario[2].log("US")}
    assert {"declare", "load", "unload", "eliminate", "convert", "retire", "dismantle"} <= kinds


@pytest.mark.parametrize("point", US_POINTS, ids=lambda p: p.date.isoformat())
def test_replay_at_each_data_date_matches_the_official_aggregates(scenario, point) -> None:  # type: ignore[no-untyped-def]
    policy, rule_set, state, _ = scenario
    (series,) = time_series(state.log("US"), policy, rule_set, [point.date])
    assert series.totals["US"] == {
        "deployed_delivery_vehicles": point.deployed_delivery_vehicles,
        "deployed_warheads": point.deployed_warheads,
        "deployed_and_nondeployed_launchers": point.deployed_and_nondeployed_launchers,
    }


def test_the_time_series_in_one_pass_gives_every_date(scenario) -> None:  # type: ignore[no-untyped-def]
    policy, rule_set, state, _ = scenario
    series = time_series(state.log("US"), policy, rule_set, [p.date for p in US_POINTS])
    got = [
        (
            s.totals["US"]["deployed_delivery_vehicles"],
            s.totals["US"]["deployed_warheads"],
            s.totals["US"]["deployed_and_nondeployed_launchers"],
        )
        for s in series
    ]
    expected = [
        (p.deployed_delivery_vehicles, p.deployed_warheads, p.deployed_and_nondeployed_launchers)
        for p in US_POINTS
    ]
    assert got == expected


def test_the_2018_force_is_within_the_central_limits(scenario) -> None:  # type: ignore[no-untyped-def]
    from treatyledger.rules import count

    policy, rule_set, state, _ = scenario
    result = count(state.inventory("US"), rule_set, policy.catalog, as_of=date(2018, 9, 1))
    assert all(c.within_limit for c in result.parties["US"].categories.values())


def test_a_fresh_replay_of_the_log_equals_the_live_state(scenario) -> None:  # type: ignore[no-untyped-def]
    policy, _, state, _ = scenario
    assert replay(state.log("US"), policy).snapshot() == state.snapshot()

"""Trajectory: counts over time from notifications, limits, official aggregates."""

from __future__ import annotations

import random
from datetime import date

import pytest

from treatyledger.analysis.trajectory import Trajectory, trajectory
from treatyledger.files import load_rule_set
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger import LedgerPolicy, time_series
from treatyledger.ledger.synthetic import synthetic_stream
from treatyledger.model import Catalog

LAST = date(2018, 9, 1)


@pytest.fixture(scope="module")
def us_trajectory(catalog: Catalog) -> Trajectory:
    figures = [a for a in read_new_start_aggregates(party="US") if a.date <= LAST]
    records = synthetic_stream("US", figures, catalog, random.Random(7))
    rule_set = load_rule_set("new-start")
    policy = LedgerPolicy(catalog=catalog, require_signatures=False)
    dates = rule_set.series_dates(figures[0].date, LAST)
    points = time_series(records, policy, rule_set, dates)
    return trajectory(points, rule_set, "US", read_new_start_aggregates())


def test_counted_series_meets_the_official_aggregates(us_trajectory: Trajectory) -> None:
    differences = us_trajectory.differences_from_official()
    assert set(differences) == {
        "deployed_delivery_vehicles",
        "deployed_warheads",
        "deployed_and_nondeployed_launchers",
    }
    for rows in differences.values():
        assert len(rows) >= 10
        assert all(counted == official for _, counted, official in rows)


def test_only_the_matching_party_is_overlaid(us_trajectory: Trajectory) -> None:
    # Russia's 2011-02-05 figure is 1,537 warheads; the US one 1,800
    assert dict(us_trajectory.official["deployed_warheads"])[date(2011, 2, 5)] == 1800


def test_limits_bind_from_their_dates(us_trajectory: Trajectory) -> None:
    assert us_trajectory.limit_on("deployed_warheads", date(2017, 9, 1)) is None
    assert us_trajectory.limit_on("deployed_warheads", date(2018, 3, 1)) == 1550
    assert [p.binding_from for p in us_trajectory.limits["deployed_warheads"]] == [date(2018, 2, 5)]


def test_no_exceedance_after_the_limits_bind(us_trajectory: Trajectory) -> None:
    # the US met the central limits by 2018-02-05 (State fact sheets); before, none applied
    assert us_trajectory.exceedances() == []


def test_exceedance_is_reported_with_its_date_and_limit() -> None:
    rule_set = load_rule_set("new-start")

    class Point:
        def __init__(self, when: date, warheads: int) -> None:
            self.when = when
            self.totals = {"US": {"deployed_warheads": warheads}}

    result = trajectory([Point(date(2018, 3, 1), 1600)], rule_set, "US")
    found = result.exceedances()
    assert [(e.when, e.category, e.total, e.limit) for e in found] == [
        (date(2018, 3, 1), "deployed_warheads", 1600, 1550)
    ]


def test_series_dates_are_the_data_dates_within_the_span_and_its_ends() -> None:
    assert load_rule_set("new-start").series_dates(date(2011, 2, 5), date(2012, 6, 1)) == [
        date(2011, 2, 5),
        date(2011, 3, 1),
        date(2011, 9, 1),
        date(2012, 3, 1),
        date(2012, 6, 1),
    ]


def test_next_data_date_rounds_up_to_march_or_september() -> None:
    exchange = load_rule_set("new-start").data_exchange
    assert exchange is not None
    assert exchange.next_on_or_after(date(2011, 8, 20)) == date(2011, 9, 1)
    assert exchange.next_on_or_after(date(2011, 9, 1)) == date(2011, 9, 1)
    assert exchange.next_on_or_after(date(2011, 9, 2)) == date(2012, 3, 1)


def test_official_figures_outside_the_counted_span_are_left_out(
    us_trajectory: Trajectory,
) -> None:
    shown = [d for d, _ in us_trajectory.official["deployed_warheads"]]
    assert min(shown) == date(2011, 2, 5)
    assert max(shown) == LAST

"""The synthetic stream generator and the bundled aggregate figures."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
from ledger_helpers import catalog, policy

from treatyledger.files import load_rule_set
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.files.errors import InputFileError
from treatyledger.ledger import policy_from_rule_set, replay, time_series
from treatyledger.ledger.synthetic import AggregatePoint, split, synthetic_stream
from treatyledger.model.notifications import parse_notification


def short_points(party: str) -> list[AggregatePoint]:
    return [p for p in read_new_start_aggregates(party=party) if p.date <= date(2012, 3, 1)]


def test_the_bundled_aggregates_hold_the_2011_us_baseline() -> None:
    first = read_new_start_aggregates(party="US")[0]
    assert (first.date, first.deployed_delivery_vehicles, first.deployed_warheads) == (
        date(2011, 2, 5),
        882,
        1800,
    )
    assert first.deployed_and_nondeployed_launchers == 1124
    assert "State Dept" in first.source


def test_the_bundled_aggregates_have_both_parties_in_date_order() -> None:
    points = read_new_start_aggregates()
    assert {p.party for p in points} == {"US", "RU"}
    assert [p.date for p in points] == sorted(p.date for p in points)
    assert len(points) == 42


def test_a_malformed_aggregates_file_names_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "agg.csv"
    bad.write_text(
        "date,party,deployed_delivery_vehicles,deployed_warheads,"
        "deployed_and_nondeployed_launchers,source\n2011-02-05,US,882,many,1124,x\n"
    )
    with pytest.raises(InputFileError) as info:
        read_new_start_aggregates(bad)
    assert (info.value.line, info.value.column) == (2, "deployed_warheads")


def test_split_keeps_the_total() -> None:
    assert split(882, [0.51, 0.28, 0.15, 0.06]) == [450, 247, 132, 53]
    assert sum(split(7, [1, 1, 1])) == 7


@pytest.mark.parametrize("party", ["US", "RU"])
def test_every_record_is_in_canonical_json_form(party: str) -> None:
    records = synthetic_stream(
        party, short_points(party), catalog(), random.Random(5), churn_pairs_per_period=10
    )
    for record in records:
        assert parse_notification(record).to_json_dict() == record


def test_the_stream_is_deterministic_for_a_seed() -> None:
    points = short_points("US")
    first = synthetic_stream("US", points, catalog(), random.Random(9))
    assert synthetic_stream("US", points, catalog(), random.Random(9)) == first
    assert synthetic_stream("US", points, catalog(), random.Random(10)) != first


def test_sequences_are_gapless_from_the_first() -> None:
    records = synthetic_stream(
        "US", short_points("US"), catalog(), random.Random(1), first_sequence=1
    )
    assert [r["sequence"] for r in records] == list(range(1, len(records) + 1))


def test_churn_adds_notifications_but_not_counts() -> None:
    rule_set = load_rule_set("new-start")
    pol = policy_from_rule_set(rule_set, catalog(), require_signatures=False)
    points = short_points("RU")
    plain = synthetic_stream("RU", points, catalog(), random.Random(2))
    churned = synthetic_stream(
        "RU", points, catalog(), random.Random(2), churn_pairs_per_period=300
    )
    assert len(churned) == len(plain) + 2 * 300 * (len(points) - 1)
    dates = [p.date for p in points]
    assert [s.totals for s in time_series(churned, pol, rule_set, dates)] == [
        s.totals for s in time_series(plain, pol, rule_set, dates)
    ]


def test_late_fraction_makes_late_notifications() -> None:
    records = synthetic_stream(
        "US", short_points("US"), catalog(), random.Random(4), late_fraction=0.5
    )
    state = replay(records, policy(require_signatures=False))
    assert 0.3 * len(records) < len(state.late) < 0.7 * len(records)


def test_an_unreachable_aggregate_is_an_error() -> None:
    impossible = [
        AggregatePoint(date(2011, 2, 5), "US", 10, 10, 20),
        AggregatePoint(date(2011, 9, 1), "US", 10, 500, 20),
    ]
    with pytest.raises(ValueError, match="do not fit"):
        synthetic_stream("US", impossible, catalog(), random.Random(1))


def test_the_russian_stream_reaches_the_official_figures_at_every_date() -> None:
    rule_set = load_rule_set("new-start")
    pol = policy_from_rule_set(rule_set, catalog(), require_signatures=False)
    points = [p for p in read_new_start_aggregates(party="RU") if p.date <= date(2018, 12, 31)]
    records = synthetic_stream("RU", points, catalog(), random.Random(7))
    series = time_series(records, pol, rule_set, [p.date for p in points])
    got = [tuple(s.totals["RU"].values()) for s in series]
    expected = [
        (p.deployed_delivery_vehicles, p.deployed_warheads, p.deployed_and_nondeployed_launchers)
        for p in points
    ]
    assert got == expected

"""Stockpile or destroy: the same force, its hedge and breakout under each."""

from __future__ import annotations

import pytest
from analysis_helpers import force, missiles, params, port_system, rate_system, stored
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from treatyledger.analysis.scenarios import apply_scenario, compare
from treatyledger.files import load_rule_set, read_bundled_inventory
from treatyledger.files.analysis_params import load_upload_parameters
from treatyledger.model import Catalog, Status

RULES = ("sort-us-2002", "sort-ru-2002", "new-start", "total-stockpile")


def test_destroy_dismantles_rate_times_years_in_proportion(catalog: Catalog) -> None:
    inventory = force(stored("A", 300), stored("B", 100))
    upload_params = params([], {}, dismantle_per_year=100, years=2)
    changed, done = apply_scenario(inventory, "US", "destroy", upload_params.destroy)
    assert done == 200
    by_status: dict[tuple[str | None, Status], int] = {}
    for item in changed.items:
        key = (item.warhead_type, item.status)
        by_status[key] = by_status.get(key, 0) + item.quantity
    assert by_status == {
        ("A", Status.RETIRED): 150,
        ("A", Status.DISMANTLED): 150,
        ("B", Status.RETIRED): 50,
        ("B", Status.DISMANTLED): 50,
    }


def test_stockpile_stores_every_removed_warhead(catalog: Catalog) -> None:
    inventory = force(stored("A", 3, "retired"), stored("B", 2))
    changed, done = apply_scenario(inventory, "US", "stockpile", params([], {}).destroy)
    assert done == 0
    assert {(i.warhead_type, i.status) for i in changed.items} == {
        ("A", Status.STORED),
        ("B", Status.STORED),
    }


def test_us_comparison_shows_smaller_hedge_and_slower_breakout_when_destroying(
    catalog: Catalog,
) -> None:
    inventory = read_bundled_inventory("us-2020-hedge", catalog)
    result = compare(
        inventory, catalog, load_upload_parameters(), [load_rule_set(r) for r in RULES]
    )
    stockpile, destroy = result.scenario("stockpile"), result.scenario("destroy")
    # 3 years x 300 a year dismantled out of 1,864 stored
    assert destroy.dismantled == 900
    assert (stockpile.hedge, destroy.hedge) == (1864, 964)
    level = result.levels[0]
    stockpile_days = stockpile.timeline.days_to_reach(level)
    destroy_days = destroy.timeline.days_to_reach(level)
    assert stockpile_days is not None and destroy_days is not None
    assert stockpile_days < destroy_days
    # the rules that count deployed warheads only cannot see the difference; the others can
    assert stockpile.counts["new-start"] == destroy.counts["new-start"]
    assert stockpile.counts["sort-us-2002"] == destroy.counts["sort-us-2002"]
    assert stockpile.counts["total-stockpile"]["total_warheads"][0] == 3573
    assert destroy.counts["total-stockpile"]["total_warheads"][0] == 3573 - 900
    assert stockpile.counts["sort-ru-2002"]["warheads_awaiting_elimination"][0] == 1864


small_forces = st.fixed_dictionaries(
    {
        "icbms": st.integers(0, 20),
        "icbm_load": st.integers(0, 3),
        "slbms": st.integers(0, 12),
        "slbm_load": st.integers(0, 8),
        "stored_a": st.integers(0, 60),
        "retired_a": st.integers(0, 60),
        "stored_x": st.integers(0, 60),
        "stored_d": st.integers(0, 60),
        "per_year": st.integers(0, 80),
        "years": st.floats(0, 3),
        "retired_usable": st.booleans(),
        "stored_return": st.integers(0, 30),
        "retired_extra": st.integers(0, 200),
        "lead": st.integers(0, 20),
    }
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=small_forces)
def test_destroying_never_increases_hedge_or_breakout_speed(catalog: Catalog, case: dict) -> None:  # type: ignore[type-arg]
    rows = [
        missiles("MM III", case["icbms"], case["icbm_load"]),
        missiles("Trident II", case["slbms"], case["slbm_load"], kind="slbm"),
        stored("A", case["stored_a"]),
        stored("A", case["retired_a"], "retired"),
        stored("X", case["stored_x"]),
        stored("D", case["stored_d"]),
    ]
    inventory = force(*rows)
    upload_params = params(
        [
            rate_system("MM III", lead_days=case["lead"], vehicles_per_base_per_week=3),
            port_system("Trident II", submarines=3),
        ],
        {"A": ["MM III"], "X": ["MM III", "Trident II"], "D": ["Trident II"]},
        retired_usable=case["retired_usable"],
        stored_return_days=case["stored_return"],
        retired_return_days=case["stored_return"] + case["retired_extra"],
        dismantle_per_year=case["per_year"],
        years=case["years"],
    )
    result = compare(inventory, catalog, upload_params, [], party="US")
    stockpile, destroy = result.scenario("stockpile"), result.scenario("destroy")
    assert destroy.hedge <= stockpile.hedge
    assert destroy.upload.max_deployed_warheads <= stockpile.upload.max_deployed_warheads
    days = sorted(set(stockpile.timeline.days) | set(destroy.timeline.days))
    for day in days:
        assert destroy.timeline.deployed_at(day) <= stockpile.timeline.deployed_at(day) + 1e-6
    top = stockpile.upload.max_deployed_warheads
    low = stockpile.upload.currently_deployed_warheads
    for level in {low, (low + top) // 2, top, destroy.upload.max_deployed_warheads}:
        fast = stockpile.timeline.days_to_reach(level)
        slow = destroy.timeline.days_to_reach(level)
        if slow is not None:
            assert fast is not None and fast <= slow + 1e-6


def test_unknown_scenario_is_an_error(catalog: Catalog) -> None:
    from treatyledger.analysis.errors import AnalysisParameterError

    with pytest.raises(AnalysisParameterError, match="unknown scenario 'burn'"):
        apply_scenario(force(stored("A", 1)), "US", "burn", params([], {}).destroy)


def test_after_full_upload_each_rule_set_sees_a_different_breakout(catalog: Catalog) -> None:
    # the 2002 argument in numbers: counting only deployed warheads, an upload shows up as a
    # jump (SORT-US 1,709 -> 3,571; New START 1,457 -> 2,779, bombers count 1 each); counting
    # stored warheads too (SORT-RU, total stockpile), the hedge was in the count all along
    inventory = read_bundled_inventory("us-2020-hedge", catalog)
    result = compare(
        inventory, catalog, load_upload_parameters(), [load_rule_set(r) for r in RULES]
    )
    after = result.scenario("stockpile").counts_after_upload
    assert after["sort-us-2002"]["operationally_deployed_warheads"] == 3571
    assert after["new-start"]["deployed_warheads"] == 2779
    assert after["sort-ru-2002"]["operationally_deployed_warheads"] == 3573
    assert after["total-stockpile"]["total_warheads"] == 3573

"""New START, SORT (both 2002 positions) and total-stockpile clauses (treaties.md)."""

from __future__ import annotations

from datetime import date

from rules_support import catalog, inventory, item, rule_set, totals

from treatyledger.model.parties import Facility
from treatyledger.rules import count


def test_new_start_counts_actual_reentry_vehicles() -> None:
    inv = inventory(
        item("US", "slbm", "deployed", "Trident II", quantity=10, warheads=4),
        item("US", "slbm", "deployed", "Trident II", quantity=2, warheads=8),
    )
    assert totals(inv, "new-start", "US")["deployed_warheads"] == 56


def test_new_start_counts_one_warhead_per_deployed_nuclear_bomber_whatever_it_carries() -> None:
    inv = inventory(
        item("US", "heavy_bomber", "deployed", "B-52H", quantity=3, armament="lrna", warheads=20),
        item("US", "heavy_bomber", "deployed", "B-2A", quantity=2, armament="nuclear"),
    )
    assert totals(inv, "new-start", "US")["deployed_warheads"] == 5


def test_new_start_launcher_total_counts_non_deployed_but_not_converted() -> None:
    inv = inventory(
        item("US", "slbm_launcher", "deployed", "Trident II", quantity=230),
        item("US", "slbm_launcher", "non_deployed", "Trident II", quantity=50),
        item("US", "slbm_launcher", "converted", "Trident II", quantity=56),
        item("US", "heavy_bomber", "non_deployed", "B-52H", quantity=10, armament="lrna"),
        item("US", "heavy_bomber", "converted_non_nuclear", "B-52H", quantity=41),
    )
    assert totals(inv, "new-start", "US")["deployed_and_nondeployed_launchers"] == 290


def test_new_start_limits_bind_from_2018_02_05() -> None:
    inv = inventory(item("US", "icbm", "deployed", "MM III", quantity=1, warheads=1))
    early = count(inv, rule_set("new-start"), catalog(), as_of=date(2018, 2, 4))
    late = count(inv, rule_set("new-start"), catalog(), as_of=date(2018, 2, 5))
    assert early.parties["US"].categories["deployed_warheads"].limit is None
    assert late.parties["US"].categories["deployed_warheads"].limit == 1550


AIR_BASE = Facility(id="minot", party="US", type="air_base")
REPAIR = Facility(id="yard", party="US", type="repair")
STORE = Facility(id="kirtland", party="US", type="storage")


def hedge_force():
    return inventory(
        item("US", "icbm", "deployed", "MM III", quantity=400, warheads=1),
        item("US", "slbm", "deployed", "Trident II", quantity=20, warheads=4, facility="yard"),
        item("US", "heavy_bomber", "deployed", "B-52H", quantity=2, warheads=12, armament="lrna"),
        item("US", "warhead", "deployed", quantity=100, facility="minot"),
        item("US", "warhead", "stored", quantity=2000, facility="kirtland"),
        item("US", "warhead", "retired", quantity=500, facility="kirtland"),
        item("US", "warhead", "dismantled", quantity=300, facility="kirtland"),
        facilities=(AIR_BASE, REPAIR, STORE),
    )


def test_sort_us_counts_operationally_deployed_warheads_only() -> None:
    # RVs on missiles (not those in overhaul) + bomber weapons + warheads at bomber bases
    assert totals(hedge_force(), "sort-us-2002", "US") == {
        "operationally_deployed_warheads": 400 + 24 + 100
    }


def test_sort_ru_counts_removed_warheads_until_dismantled() -> None:
    # Russia's position also counts the RVs on missiles in overhaul (no SSBN exemption), and
    # delivery vehicles START-like (the two deployed bombers here)
    assert totals(hedge_force(), "sort-ru-2002", "US") == {
        "operationally_deployed_warheads": 400 + 80 + 24 + 100 + 2000 + 500,
        "warheads_awaiting_elimination": 2500,
        "delivery_vehicles": 2,
    }


def test_sort_limit_of_2200_binds_on_2012_12_31() -> None:
    result = count(hedge_force(), rule_set("sort-ru-2002"), catalog(), as_of=date(2012, 12, 31))
    category = result.parties["US"].categories["operationally_deployed_warheads"]
    assert (category.limit, category.within_limit) == (2200, False)


def test_sort_limit_lapses_after_2012_12_31() -> None:
    result = count(hedge_force(), rule_set("sort-us-2002"), catalog(), as_of=date(2013, 1, 1))
    assert result.parties["US"].categories["operationally_deployed_warheads"].limit is None


def test_total_stockpile_counts_every_warhead_not_dismantled() -> None:
    assert totals(hedge_force(), "total-stockpile", "US") == {
        "total_warheads": 400 + 80 + 24 + 100 + 2000 + 500
    }


def test_warhead_items_inside_a_carrier_are_not_counted_twice() -> None:
    inv = inventory(
        item("US", "icbm_launcher", "deployed", "MM III", uid="LF-01"),
        item("US", "icbm", "deployed", "MM III", uid="MM3-0001", warheads=2, contained_in="LF-01"),
        item("US", "warhead", "deployed", uid="W87-0001", contained_in="MM3-0001"),
        item("US", "warhead", "deployed", uid="W87-0002", contained_in="MM3-0001"),
    )
    assert totals(inv, "total-stockpile", "US") == {"total_warheads": 2}
    assert totals(inv, "new-start", "US")["deployed_warheads"] == 2


def test_eliminated_vehicles_leave_the_total_stockpile() -> None:
    inv = inventory(item("US", "icbm", "eliminated", "Peacekeeper", quantity=50, warheads=10))
    assert totals(inv, "total-stockpile", "US") == {"total_warheads": 0}

"""Each treaty definition the built-in rule sets encode, on both paths: the inventory file and
the ledger (the same items declared by notifications and replayed). Each test names the
article or Part it encodes; the expected totals are read off the definition, not computed by
the code under test.

Columns: party,kind,status,system_type,quantity,warheads,armament,uid,facility,
facility_type,contained_in,role (definitions_support.HEADER).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from definitions_support import (
    both_paths,
    catalog,
    ledger_inventory,
    overriding,
    rule_set,
    same_totals,
    totals,
    write_csv,
)

from treatyledger.files import read_inventory
from treatyledger.files.errors import InputFileError
from treatyledger.ledger import NotificationRejected
from treatyledger.rules import CountingError, count, explain

# ------------------------------------------------------------------ New START

MM3_AT_BASE = (
    "US,icbm_launcher,deployed,MM III,1,,,LF-1,MALMSTROM,icbm_base,,",
    "US,icbm,deployed,MM III,1,1,,MM3-1,,,LF-1,",
)


def test_new_start_a_loaded_launcher_at_an_icbm_base_is_deployed(tmp_path: Path) -> None:
    # Protocol Part One: a deployed ICBM launcher contains an ICBM; a deployed ICBM is in one
    found, result = same_totals(tmp_path, "new-start", *MM3_AT_BASE)
    assert found == {
        "deployed_delivery_vehicles": 1,
        "deployed_warheads": 1,
        "deployed_and_nondeployed_launchers": 1,
    }
    assert result.overridden == ()


def test_new_start_a_missile_in_a_test_range_launcher_is_not_deployed(tmp_path: Path) -> None:
    # Part One: a test launcher is not a deployed launcher, so the missile in it is not
    # deployed either; the launcher still counts toward the 800 (Art. II.1(c))
    found, result = same_totals(
        tmp_path,
        "new-start",
        "US,icbm_launcher,deployed,MM III,1,,,LF-T1,VANDENBERG,test_range,,",
        "US,icbm,deployed,MM III,1,1,,MM3-T1,,,LF-T1,",
    )
    assert found == {
        "deployed_delivery_vehicles": 0,
        "deployed_warheads": 0,
        "deployed_and_nondeployed_launchers": 1,
    }
    assert overriding(result) == {"ns.def.launcher.test-site", "ns.def.missile.in-other-launcher"}


@pytest.mark.parametrize("role", ["test", "training", "space_launch"])
def test_new_start_a_launcher_declared_test_or_training_is_not_deployed(
    tmp_path: Path, role: str
) -> None:
    # Part One: test and training launchers and launchers at space launch facilities
    found, result = same_totals(
        tmp_path,
        "new-start",
        f"US,icbm_launcher,deployed,MM III,1,,,LF-R,MALMSTROM,icbm_base,,{role}",
        "US,icbm,deployed,MM III,1,1,,MM3-R,,,LF-R,",
    )
    assert found["deployed_delivery_vehicles"] == 0
    assert found["deployed_and_nondeployed_launchers"] == 1
    assert "ns.def.launcher.test-role" in overriding(result)


def test_new_start_an_empty_launcher_is_non_deployed_and_still_counts(tmp_path: Path) -> None:
    # Part One: a deployed launcher contains a missile; an empty one is non-deployed (800)
    found, result = same_totals(
        tmp_path, "new-start", "US,icbm_launcher,deployed,MM III,1,,,LF-E,MALMSTROM,icbm_base,,"
    )
    assert found["deployed_and_nondeployed_launchers"] == 1
    [note] = result.overridden
    assert note.definition_id == "ns.def.launcher.empty" and note.examples == ("LF-E",)
    [row] = explain(
        read_inventory(
            write_csv(tmp_path, "US,icbm_launcher,deployed,MM III,1,,,LF-E,,,,"), catalog()
        ),
        rule_set("new-start"),
        catalog(),
        "deployed_and_nondeployed_launchers",
    ).contributions
    assert (row.row.declared_status, row.row.treaty_status) == ("deployed", "non_deployed")


def test_new_start_a_deployed_missile_outside_any_launcher_is_not_counted(tmp_path: Path) -> None:
    # Part One: deployed ICBMs are those contained in deployed launchers
    found, result = same_totals(tmp_path, "new-start", "US,icbm,deployed,MM III,1,3,,MM3-X,,,,")
    assert found["deployed_delivery_vehicles"] == 0 and found["deployed_warheads"] == 0
    assert overriding(result) == {"ns.def.missile.outside-launcher"}


def test_new_start_missiles_in_launchers_under_maintenance_are_not_deployed(
    tmp_path: Path,
) -> None:
    # launchers under maintenance are non-deployed (EPRS 2021; State fact sheet 145556): SLBM
    # tubes of a submarine in a repair yard are where the submarine is
    found, _ = same_totals(
        tmp_path,
        "new-start",
        "US,submarine,deployed,Trident II,1,,,SSBN-1,PUGET,repair,,",
        "US,slbm_launcher,deployed,Trident II,1,,,T-1,,,SSBN-1,",
        "US,slbm,deployed,Trident II,1,4,,D5-1,,,T-1,",
    )
    assert found == {
        "deployed_delivery_vehicles": 0,
        "deployed_warheads": 0,
        "deployed_and_nondeployed_launchers": 1,
    }


@pytest.mark.parametrize(
    ("facility", "facility_type", "role"),
    [("TINKER", "repair", ""), ("PALMDALE", "production", ""), ("WHITEMAN", "air_base", "test")],
)
def test_new_start_bombers_in_repair_production_or_test_are_not_deployed(
    tmp_path: Path, facility: str, facility_type: str, role: str
) -> None:
    # Part One, "deployed heavy bomber": other than a test heavy bomber or one at a repair or
    # production facility; it still counts toward the 800
    found, result = same_totals(
        tmp_path,
        "new-start",
        f"US,heavy_bomber,deployed,B-2A,1,,nuclear,B2-1,{facility},{facility_type},,{role}",
    )
    assert found == {
        "deployed_delivery_vehicles": 0,
        "deployed_warheads": 0,
        "deployed_and_nondeployed_launchers": 1,
    }
    assert len(result.overridden) == 1


def test_new_start_a_nuclear_bomber_at_its_air_base_is_deployed_whatever_declared(
    tmp_path: Path,
) -> None:
    # Part One: any nuclear-equipped heavy bomber other than test/repair/production is deployed
    found, result = same_totals(
        tmp_path, "new-start", "US,heavy_bomber,non_deployed,B-52H,1,,lrna,B52-1,MINOT,air_base,,"
    )
    assert found["deployed_delivery_vehicles"] == 1 and found["deployed_warheads"] == 1
    assert overriding(result) == {"ns.def.bomber.air-base"}


def test_new_start_a_bomber_leaves_only_by_completed_conversion(tmp_path: Path) -> None:
    # Art. III and Protocol Part Three: declared armament alone changes nothing
    found, result = same_totals(
        tmp_path,
        "new-start",
        "US,heavy_bomber,deployed,B-52H,1,,non_nuclear,B52-N,,,,",
        "US,heavy_bomber,converted_non_nuclear,B-52H,1,,non_nuclear,B52-C,,,,",
    )
    assert found == {
        "deployed_delivery_vehicles": 1,
        "deployed_warheads": 1,
        "deployed_and_nondeployed_launchers": 1,
    }
    assert overriding(result) == {"ns.def.bomber.unconverted"}


def test_new_start_a_launcher_in_conversion_stays_accountable(tmp_path: Path) -> None:
    # Protocol Part Three; CRS R41219: accountable until the conversion is complete
    found, _ = same_totals(
        tmp_path,
        "new-start",
        "US,slbm_launcher,in_conversion,Trident II,1,,,T-C1,,,,",
        "US,slbm_launcher,converted,Trident II,1,,,T-C2,,,,",
    )
    assert found["deployed_and_nondeployed_launchers"] == 1


def test_more_rvs_than_the_type_carries_is_refused_on_both_paths(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "US,icbm,deployed,MM III,1,99,,MM3-99,,,,")
    with pytest.raises(InputFileError, match="99 warheads on one MM III") as refused:
        read_inventory(path, catalog())
    assert (refused.value.line, refused.value.column) == (2, "warheads")
    # the ledger refuses the declaration that would carry them
    too_many = write_csv(tmp_path, "US,icbm,deployed,MM III,1,3,,MM3-3,,,,")
    inventory = read_inventory(too_many, catalog())
    fat = inventory.model_copy(
        update={"items": (inventory.items[0].model_copy(update={"warheads": 4}),)}
    )
    with pytest.raises(NotificationRejected, match=r"containment\.capacity"):
        ledger_inventory(fat, "new-start")


# ------------------------------------------------------------------ START I


def test_start1_a_launcher_is_considered_to_contain_a_missile_even_if_removed(
    tmp_path: Path,
) -> None:
    # START Art. III.2(a): an empty silo at an ICBM base is still a deployed launcher
    found, result = same_totals(
        tmp_path, "start1", "US,icbm_launcher,non_deployed,MM III,1,,,LF-PK,WARREN,icbm_base,,"
    )
    assert found["delivery_vehicles"] == 1 and found["accountable_warheads"] == 3
    assert overriding(result) == {"start1.def.launcher.considered-to-contain"}


def test_start1_slbm_launchers_on_a_submarine_in_overhaul_count(tmp_path: Path) -> None:
    # State fact sheet 145556: all SLBM launchers on submarines were considered to contain one
    found, _ = same_totals(
        tmp_path,
        "start1",
        "US,submarine,non_deployed,Trident I,1,,,SSBN-9,NORFOLK,repair,,",
        "US,slbm_launcher,non_deployed,Trident I,1,,,C4-T1,,,SSBN-9,",
        "US,slbm_launcher,non_deployed,Trident I,1,,,C4-T2,,,SSBN-9,",
    )
    assert found["delivery_vehicles"] == 2 and found["accountable_warheads"] == 16


def test_start1_test_launchers_are_outside_the_1600_and_counted_apart(tmp_path: Path) -> None:
    # START Art. IV: test launchers are limited separately, not within the 1,600
    path = write_csv(tmp_path, "US,icbm_launcher,deployed,Peacekeeper,4,,,,VANDENBERG,test_range,,")
    inventory = read_inventory(path, catalog())
    found, _ = same_totals(
        tmp_path, "start1", "US,icbm_launcher,deployed,Peacekeeper,4,,,,VANDENBERG,test_range,,"
    )
    assert found["delivery_vehicles"] == 0 and found["test_training_space_launchers"] == 4
    [left] = explain(inventory, rule_set("start1"), catalog(), "delivery_vehicles").left_out
    assert "outside the 1,600" in left.reason and "ART-IV" in left.reason
    assert left.row.facility == "VANDENBERG" and left.row.facility_type == "test_range"


def test_start1_heavy_icbm_sublimit_is_154(tmp_path: Path) -> None:
    # START Art. II.1(a): within the 1,600, 154 deployed heavy ICBMs and their launchers
    found, _ = same_totals(tmp_path, "start1", "US,icbm_launcher,deployed,SS-18,155,,,,,,,")
    assert found["heavy_icbms"] == 155
    heavy = (
        count(
            read_inventory(
                write_csv(tmp_path, "US,icbm_launcher,deployed,SS-18,155,,,,,,,"), catalog()
            ),
            rule_set("start1"),
            catalog(),
            as_of=date(2002, 1, 1),
        )
        .parties["US"]
        .categories["heavy_icbms"]
    )
    assert (heavy.limit, heavy.within_limit) == (154, False)


def test_start1_non_deployed_limits_of_article_iv(tmp_path: Path) -> None:
    # Art. IV.1(a): 250 non-deployed ICBMs for mobile launchers (125 rail); IV.1(d): 35 then 25
    # ICBMs and SLBMs at test ranges
    rows = (
        "RU,icbm,non_deployed,SS-25,251,,,,,,,",
        "RU,icbm,non_deployed,SS-24,10,,,,,,,",  # silo-based type: not limited by IV.1(a)
        "RU,icbm,non_deployed,SS-18,30,,,,PLESETSK,test_range,,",
    )
    result = count(
        read_inventory(write_csv(tmp_path, *rows), catalog()),
        rule_set("start1"),
        catalog(),
        as_of=date(2002, 1, 1),
    )
    categories = result.parties["RU"].categories
    assert categories["non_deployed_mobile_icbms"].total == 251
    assert categories["non_deployed_mobile_icbms"].within_limit is False
    assert categories["missiles_at_test_ranges"].total == 30
    assert categories["missiles_at_test_ranges"].limit == 25  # 35 only until 2001-12-05


# ------------------------------------------------------------------ SORT


def test_sort_us_counts_weapons_in_bomber_base_storage(tmp_path: Path) -> None:
    # CRS RL31448: weapons loaded on heavy bombers or held at heavy-bomber bases count; an
    # unloaded bomber weapon stored at its base still counts
    found, result = same_totals(
        tmp_path,
        "sort-us-2002",
        "US,heavy_bomber,deployed,B-52H,1,2,lrna,B52-7,MINOT,air_base,,",
        "US,warhead,stored,,3,,,,MINOT,,,",
        "US,warhead,stored,,5,,,,KIRTLAND,storage,,",
    )
    assert found == {"operationally_deployed_warheads": 2 + 3}
    assert overriding(result) == {"sort-us.def.bomber-base-weapons"}


def test_sort_us_warns_of_a_bomber_that_declares_no_weapons(tmp_path: Path) -> None:
    # a rule set that counts loaded weapons cannot count a blank: a warning, not a silent 0
    by_file, _ = both_paths(
        tmp_path, "sort-us-2002", "US,heavy_bomber,deployed,B-2A,12,,nuclear,,,,,"
    )
    [warning] = by_file.warnings
    assert "sort-us.bombers" in warning and "12 item(s)" in warning


def test_sort_positions_differ_on_ssbns_in_overhaul(tmp_path: Path) -> None:
    # US: warheads on SSBNs in overhaul do not count; Russia: no such exemption (CRS RL31448)
    rows = (
        "US,submarine,deployed,Trident II,1,,,SSBN-2,BANGOR-YARD,repair,,",
        "US,slbm_launcher,deployed,Trident II,1,,,T-21,,,SSBN-2,",
        "US,slbm,deployed,Trident II,1,4,,D5-21,,,T-21,",
    )
    us, _ = same_totals(tmp_path, "sort-us-2002", *rows)
    ru, _ = same_totals(tmp_path, "sort-ru-2002", *rows)
    assert us["operationally_deployed_warheads"] == 0
    assert ru["operationally_deployed_warheads"] == 4
    assert ru["delivery_vehicles"] == 1  # START-like: the tube counts


# ------------------------------------------------------------------ bad data


def test_a_party_the_treaty_does_not_bind_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path, *MM3_AT_BASE, "XX,icbm,deployed,MM III,1,1,,,,,,")
    with pytest.raises(InputFileError, match="party 'XX' is not a party") as refused:
        read_inventory(path, catalog(), rule_set("new-start").treaty.parties)
    assert refused.value.line == 4
    # counted without the file reader's check, the engine refuses it too, naming the row
    inventory = read_inventory(path, catalog())
    with pytest.raises(CountingError, match=r"XX 1 x MM III icbm deployed: party 'XX'"):
        count(inventory, rule_set("new-start"), catalog())


def test_start1_binds_the_lisbon_protocol_successor_states(tmp_path: Path) -> None:
    result = count(
        read_inventory(write_csv(tmp_path, "UA,icbm_launcher,deployed,SS-24,46,,,,,,,"), catalog()),
        rule_set("start1"),
        catalog(),
    )
    assert totals(result, "UA")["accountable_warheads"] == 460


@pytest.mark.parametrize("text", ["", "party,kind,status\n", "# only a comment\n"])
def test_an_inventory_with_no_rows_is_an_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(text)
    with pytest.raises(InputFileError, match=r"no header row|no items"):
        read_inventory(path, catalog())


def test_an_empty_json_inventory_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("[]")
    with pytest.raises(InputFileError, match="no items"):
        read_inventory(path, catalog())

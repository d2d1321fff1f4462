"""START I, clause by clause (treaties.md "START I": attribution, bomber tiers, sub-limits,
phase limits)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from rules_support import catalog, inventory, item, rule_set, totals

from treatyledger.model import Catalog, Inventory
from treatyledger.rules import count

MOU = Path(__file__).parents[1] / "fixtures" / "rules" / "start1_mou_attributions.csv"
with MOU.open(newline="") as _handle:
    MOU_ATTRIBUTIONS = [
        (row["system_type"], int(row["attributed_warheads"])) for row in csv.DictReader(_handle)
    ]


@pytest.mark.parametrize(("system_type", "attributed"), MOU_ATTRIBUTIONS)
def test_each_deployed_launcher_carries_its_types_mou_attribution(
    system_type: str, attributed: int
) -> None:
    kind = catalog().resolve(system_type).kind
    launcher = "icbm_launcher" if kind == "icbm" else "slbm_launcher"
    inv = inventory(item("RU", launcher, "deployed", system_type, quantity=7))
    result = totals(inv, "start1", "RU")
    assert result["accountable_warheads"] == 7 * attributed
    assert result["ballistic_missile_warheads"] == 7 * attributed


def test_attribution_ignores_the_warheads_actually_emplaced() -> None:
    inv = inventory(
        item("US", "icbm_launcher", "deployed", "MM III", quantity=10),
        item("US", "icbm", "deployed", "MM III", quantity=10, warheads=1),
    )
    assert totals(inv, "start1", "US")["accountable_warheads"] == 30


def test_delivery_vehicles_are_deployed_launchers_and_nuclear_bombers() -> None:
    inv = inventory(
        item("US", "icbm_launcher", "deployed", "MM III", quantity=5),
        item("US", "icbm_launcher", "non_deployed", "MM III", quantity=4),
        item("US", "icbm_launcher", "eliminated", "MM III", quantity=3),
        item("US", "slbm_launcher", "deployed", "Trident II", quantity=24),
        item("US", "icbm", "deployed", "MM III", quantity=5, warheads=1),  # counted via launcher
        item("US", "heavy_bomber", "deployed", "B-52H", quantity=2, armament="lrna"),
        item("US", "heavy_bomber", "converted_non_nuclear", "B-1", quantity=1),
    )
    assert totals(inv, "start1", "US")["delivery_vehicles"] == 5 + 24 + 2


def test_launcher_in_conversion_stays_accountable() -> None:
    inv = inventory(item("US", "slbm_launcher", "in_conversion", "Trident I", quantity=2))
    assert totals(inv, "start1", "US")["accountable_warheads"] == 16


def test_first_150_us_alcm_bombers_count_10_each() -> None:
    inv = inventory(item("US", "heavy_bomber", "deployed", "B-52H", quantity=150, armament="lrna"))
    assert totals(inv, "start1", "US")["accountable_warheads"] == 1500


def test_us_alcm_bombers_beyond_150_count_the_alcms_they_are_equipped_for() -> None:
    inv = inventory(
        item("US", "heavy_bomber", "deployed", "B-52H", quantity=150, armament="lrna"),
        item(
            "US", "heavy_bomber", "deployed", "B-52", quantity=5, armament="lrna", lrna_capacity=12
        ),
    )
    assert totals(inv, "start1", "US")["accountable_warheads"] == 1500 + 5 * 12


def test_a_row_straddling_the_150_boundary_is_split_at_it() -> None:
    inv = inventory(
        item("US", "heavy_bomber", "deployed", "B-52H", quantity=140, armament="lrna"),
        item("US", "heavy_bomber", "deployed", "B-52H", quantity=20, armament="lrna"),
    )
    # 140 + 10 inside the first 150 count 10 each; the other 10 count 20 (equipped for)
    assert totals(inv, "start1", "US")["accountable_warheads"] == 150 * 10 + 10 * 20


#: A bomber type able to carry more ALCMs than START I attributes beyond the tiers (no real
#: type does: B-52H carries 20, Bear-H 16), to show the cap.
BIG_BOMBERS = Catalog.from_mapping(
    {
        "system_types": [
            {
                "id": f"{party}-X",
                "kind": "heavy_bomber",
                "basing": "air",
                "max_warheads": 24,
                "lrna_capacity": 24,
                "source": "test: a type beyond the START I caps",
            }
            for party in ("US", "RU")
        ]
    }
)


def big_bomber_totals(inv: Inventory, party: str) -> dict[str, int]:
    result = count(inv, rule_set("start1"), catalog().merged(BIG_BOMBERS))
    return {c: v.total for c, v in result.parties[party].categories.items()}


def test_us_capacity_beyond_150_is_capped_at_20() -> None:
    inv = inventory(item("US", "heavy_bomber", "deployed", "US-X", quantity=151, armament="lrna"))
    assert big_bomber_totals(inv, "US")["accountable_warheads"] == 1500 + 20


def test_first_180_russian_alcm_bombers_count_8_each_then_capacity_capped_at_16() -> None:
    inv = inventory(
        item("RU", "heavy_bomber", "deployed", "Blackjack", quantity=100, armament="lrna"),
        item("RU", "heavy_bomber", "deployed", "Bear", quantity=90, armament="lrna"),
        item("RU", "heavy_bomber", "deployed", "RU-X", quantity=1, armament="lrna"),
    )
    # 100 + 80 inside the first 180 count 8; the remaining 10 Bears 16; the last one 24 -> 16
    assert big_bomber_totals(inv, "RU")["accountable_warheads"] == 180 * 8 + 10 * 16 + 16


def test_tiers_are_counted_per_party() -> None:
    inv = inventory(
        item("US", "heavy_bomber", "deployed", "B-52H", quantity=100, armament="lrna"),
        item("RU", "heavy_bomber", "deployed", "Bear", quantity=100, armament="lrna"),
    )
    result = count(inv, rule_set("start1"), catalog())
    assert result.parties["US"].categories["accountable_warheads"].total == 1000
    assert result.parties["RU"].categories["accountable_warheads"].total == 800


def test_bomber_with_other_nuclear_armaments_counts_one() -> None:
    inv = inventory(
        item("US", "heavy_bomber", "deployed", "B-2A", quantity=20, armament="nuclear"),
        item("US", "heavy_bomber", "deployed", "B-1", quantity=3),  # no ALCMs: nuclear by default
    )
    assert totals(inv, "start1", "US")["accountable_warheads"] == 23


def test_converted_and_non_deployed_bombers_count_nothing() -> None:
    inv = inventory(
        item("US", "heavy_bomber", "converted_non_nuclear", "B-52H", quantity=41),
        item("US", "heavy_bomber", "non_deployed", "B-52H", quantity=10, armament="lrna"),
    )
    assert totals(inv, "start1", "US")["accountable_warheads"] == 0


def test_a_non_nuclear_declaration_without_conversion_changes_nothing() -> None:
    # START Art. III and the Conversion or Elimination Protocol: accountable until converted
    inv = inventory(
        item("US", "heavy_bomber", "deployed", "B-1", quantity=60, armament="non_nuclear"),
        item("US", "heavy_bomber", "deployed", "B-52H", quantity=2, armament="non_nuclear"),
    )
    result = totals(inv, "start1", "US")
    assert result["delivery_vehicles"] == 62
    # B-1: no long-range ALCMs, 1 each; B-52H: equipped for ALCMs, 10 each in the first 150
    assert result["accountable_warheads"] == 60 + 2 * 10


def test_mobile_sublimit_counts_road_and_rail_mobile_launchers_only() -> None:
    inv = inventory(
        item("RU", "icbm_launcher", "deployed", "SS-25", quantity=100),  # road-mobile type
        item("RU", "icbm_launcher", "deployed", "SS-24", quantity=30, basing="rail_mobile"),
        item("RU", "icbm_launcher", "deployed", "SS-24", quantity=50),  # silo by default
    )
    result = totals(inv, "start1", "RU")
    assert result["mobile_icbm_warheads"] == 100 * 1 + 30 * 10
    assert result["ballistic_missile_warheads"] == 100 + 30 * 10 + 50 * 10


def test_heavy_sublimit_counts_heavy_icbms_only() -> None:
    inv = inventory(
        item("RU", "icbm_launcher", "deployed", "SS-18", quantity=154),
        item("RU", "icbm_launcher", "deployed", "SS-19", quantity=10),
    )
    assert totals(inv, "start1", "RU")["heavy_icbm_warheads"] == 1540


def test_heavy_sublimit_is_breached_above_1540() -> None:
    inv = inventory(item("RU", "icbm_launcher", "deployed", "SS-18", quantity=155))
    result = count(inv, rule_set("start1"), catalog(), as_of=date(2002, 1, 1))
    heavy = result.parties["RU"].categories["heavy_icbm_warheads"]
    assert (heavy.total, heavy.limit, heavy.within_limit) == (1550, 1540, False)


def test_mobile_sublimit_is_breached_above_1100() -> None:
    inv = inventory(item("RU", "icbm_launcher", "deployed", "SS-25", quantity=1101))
    mobile = (
        count(inv, rule_set("start1"), catalog()).parties["RU"].categories["mobile_icbm_warheads"]
    )
    assert (mobile.limit, mobile.within_limit) == (1100, False)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(1996, 1, 1), (None, None, None)),  # before the first phase: no limit in force
        (date(1997, 12, 5), (2100, 9150, 8050)),  # 36 months after entry into force
        (date(1999, 12, 4), (2100, 9150, 8050)),
        (date(1999, 12, 5), (1900, 7950, 6750)),  # 60 months
        (date(2001, 12, 5), (1600, 6000, 4900)),  # 84 months: final limits
        (date(2009, 12, 5), (1600, 6000, 4900)),  # the day START I expired
        (date(2009, 12, 6), (None, None, None)),  # expired: nothing in force
        (None, (1600, 6000, 4900)),  # no date: the final limits
    ],
)
def test_limit_shown_is_the_phase_in_force_on_the_date(
    as_of: date | None, expected: tuple[int | None, ...]
) -> None:
    inv = inventory(item("US", "icbm_launcher", "deployed", "MM III", quantity=1))
    categories = count(inv, rule_set("start1"), catalog(), as_of=as_of).parties["US"].categories
    limits = tuple(
        categories[c].limit
        for c in ("delivery_vehicles", "accountable_warheads", "ballistic_missile_warheads")
    )
    assert limits == expected


def test_sublimits_bind_only_from_the_final_phase() -> None:
    inv = inventory(item("RU", "icbm_launcher", "deployed", "SS-18", quantity=1))
    categories = count(inv, rule_set("start1"), catalog(), as_of=date(2000, 1, 1)).parties["RU"]
    assert categories.categories["heavy_icbm_warheads"].limit is None
    assert categories.categories["mobile_icbm_warheads"].limit is None

"""Official figures as oracles: the bundled 2020-09-01 inventories must reproduce the State
Department's New START aggregates exactly (fixtures/rules/new_start_aggregates.csv)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rules_support import catalog, rule_set

from treatyledger.files import read_bundled_inventory
from treatyledger.rules import count

AGGREGATES = Path(__file__).parents[1] / "fixtures" / "rules" / "new_start_aggregates.csv"


def official(date: str, party: str) -> dict[str, int]:
    with AGGREGATES.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["date"] == date and row["party"] == party:
                return {
                    key: int(row[key])
                    for key in (
                        "deployed_delivery_vehicles",
                        "deployed_warheads",
                        "deployed_and_nondeployed_launchers",
                    )
                }
    raise LookupError(f"no official row for {party} {date}")


@pytest.mark.parametrize(
    ("inventory_name", "party"), [("us-2020-09-01", "US"), ("ru-2020-09-01", "RU")]
)
def test_bundled_inventory_reproduces_the_official_new_start_aggregates(
    inventory_name: str, party: str
) -> None:
    inventory = read_bundled_inventory(inventory_name, catalog())
    result = count(inventory, rule_set("new-start"), catalog())
    totals = {c: v.total for c, v in result.parties[party].categories.items()}
    assert totals == official("2020-09-01", party)


def test_us_2020_figures_are_675_1457_800_within_the_limits() -> None:
    inventory = read_bundled_inventory("us-2020-09-01", catalog())
    result = count(inventory, rule_set("new-start"), catalog()).to_json_dict()
    assert result["parties"]["US"]["categories"] == {
        "deployed_delivery_vehicles": {"total": 675, "limit": 700, "within_limit": True},
        "deployed_warheads": {"total": 1457, "limit": 1550, "within_limit": True},
        "deployed_and_nondeployed_launchers": {"total": 800, "limit": 800, "within_limit": True},
    }


def test_us_2020_force_under_start1_attribution() -> None:
    # 397 MM III launchers x 3 + 230 Trident II launchers x 8 + 36 B-52H x 10 (first 150)
    # + 12 B-2A x 1 (nuclear, no long-range ALCMs); MOU attributions from treaties.md
    inventory = read_bundled_inventory("us-2020-09-01", catalog())
    totals = {
        c: v.total
        for c, v in count(inventory, rule_set("start1"), catalog()).parties["US"].categories.items()
    }
    assert totals == {
        "delivery_vehicles": 397 + 230 + 48,
        "accountable_warheads": 397 * 3 + 230 * 8 + 36 * 10 + 12,
        "ballistic_missile_warheads": 397 * 3 + 230 * 8,
        "mobile_icbm_warheads": 0,
        "heavy_icbm_warheads": 0,
        "heavy_icbms": 0,
        "non_deployed_mobile_icbms": 0,
        "non_deployed_rail_mobile_icbms": 0,
        "missiles_at_test_ranges": 0,
        "test_training_space_launchers": 0,
    }

"""Upload potential on forces small enough to work by hand."""

from __future__ import annotations

import pytest
from analysis_helpers import force, missiles, params, rate_system, stored

from treatyledger.analysis.errors import AnalysisParameterError
from treatyledger.analysis.parameters import UploadParameters
from treatyledger.analysis.upload import upload_potential
from treatyledger.model import Catalog

MM3 = {"W78": ["MM III"]}


def test_headroom_is_capacity_times_vehicles_minus_current_loading(catalog: Catalog) -> None:
    # 10 MM III with 1 RV each, capacity 3 (catalog): 10 x 3 - 10 = 20 free slots
    inventory = force(missiles("MM III", 10, 1), stored("W78", 100))
    result = upload_potential(inventory, catalog, params([rate_system("MM III")], MM3))
    system = result.systems["MM III"]
    assert system.force.deployed_headroom == 20
    assert result.upload_potential == 20
    assert system.binding == "capacity"


def test_stored_warheads_bind_when_fewer_than_free_slots(catalog: Catalog) -> None:
    inventory = force(missiles("MM III", 10, 1), stored("W78", 15))
    result = upload_potential(inventory, catalog, params([rate_system("MM III")], MM3))
    assert result.upload_potential == 15
    assert result.systems["MM III"].binding == "warheads"
    assert result.currently_deployed_warheads == 10
    assert result.max_deployed_warheads == 25


def test_upload_capacity_parameter_overrides_catalog_maximum(catalog: Catalog) -> None:
    inventory = force(missiles("MM III", 10, 1), stored("W78", 100))
    system = rate_system("MM III", upload_capacity=2)
    result = upload_potential(inventory, catalog, params([system], MM3))
    assert result.upload_potential == 10


def test_warhead_fits_only_the_systems_the_table_names(catalog: Catalog) -> None:
    # W76 fits Trident II only: no slot on the MM III takes it
    inventory = force(missiles("MM III", 10, 1), stored("W76", 50))
    table = {"W78": ["MM III"], "W76": ["Trident II"]}
    result = upload_potential(inventory, catalog, params([rate_system("MM III")], table))
    assert result.upload_potential == 0
    assert result.force.unplaceable == {"W76": 50}


def test_warhead_type_missing_from_table_is_unplaceable(catalog: Catalog) -> None:
    inventory = force(missiles("MM III", 10, 1), stored("W99", 5))
    result = upload_potential(inventory, catalog, params([rate_system("MM III")], MM3))
    assert result.force.unplaceable == {"W99": 5}
    assert result.to_json_dict()["unplaceable_warheads"] == {"W99": 5}


def test_shared_warhead_type_is_placed_where_only_it_fits(catalog: Catalog) -> None:
    # X fits both systems, Y only MM III. 4 MM III x 2 free = 8 slots, 2 Trident II x 4 = 8.
    # 8 Y and 8 X: the best placement puts Y on MM III and X on Trident II: 16 in all.
    inventory = force(
        missiles("MM III", 4, 1),
        missiles("Trident II", 2, 4, kind="slbm"),
        stored("X", 8),
        stored("Y", 8),
    )
    table = {"X": ["MM III", "Trident II"], "Y": ["MM III"]}
    systems = [rate_system("MM III"), rate_system("Trident II")]
    result = upload_potential(inventory, catalog, params(systems, table))
    assert result.upload_potential == 16
    assert result.systems["MM III"].uploaded == 8
    assert result.systems["Trident II"].uploaded == 8


def test_empty_launchers_are_refilled_only_with_spare_missiles(catalog: Catalog) -> None:
    # 5 empty silos, 2 spare missiles: 2 restored vehicles x 3 = 6 slots beyond the deployed
    inventory = force(
        missiles("MM III", 1, 3),
        {"kind": "icbm_launcher", "system_type": "MM III", "status": "non_deployed", "quantity": 5},
        {"kind": "icbm", "system_type": "MM III", "status": "non_deployed", "quantity": 2},
        stored("W78", 100),
    )
    system = rate_system(
        "MM III", restore_nondeployed=True, nondeployed_ready_days=10, nondeployed_per_week=7
    )
    result = upload_potential(inventory, catalog, params([system], MM3))
    assert result.systems["MM III"].force.restorable_nondeployed == 2
    assert result.upload_potential == 6


def test_nondeployed_launchers_ignored_unless_enabled(catalog: Catalog) -> None:
    inventory = force(
        missiles("MM III", 1, 3),
        {"kind": "icbm_launcher", "system_type": "MM III", "status": "non_deployed", "quantity": 5},
        {"kind": "icbm", "system_type": "MM III", "status": "non_deployed", "quantity": 5},
        stored("W78", 100),
    )
    result = upload_potential(inventory, catalog, params([rate_system("MM III")], MM3))
    assert result.upload_potential == 0


def test_converted_bombers_add_capacity_when_conversion_is_reversed(catalog: Catalog) -> None:
    inventory = force(
        {
            "kind": "heavy_bomber",
            "system_type": "B-52H",
            "status": "deployed",
            "quantity": 2,
            "armament": "lrna",
            "warheads": 10,
        },
        {
            "kind": "heavy_bomber",
            "system_type": "B-52H",
            "status": "converted_non_nuclear",
            "quantity": 3,
            "armament": "non_nuclear",
        },
        stored("W80-1", 1000),
    )
    table = {"W80-1": ["B-52H"]}
    kept = upload_potential(inventory, catalog, params([rate_system("B-52H")], table))
    reversed_ = upload_potential(
        inventory,
        catalog,
        params(
            [
                rate_system(
                    "B-52H",
                    reconvert_converted=True,
                    reconversion_ready_days=90,
                    reconversions_per_week=1,
                )
            ],
            table,
        ),
    )
    assert kept.upload_potential == 2 * 20 - 20
    assert reversed_.upload_potential == 2 * 20 - 20 + 3 * 20


def test_retired_warheads_excluded_when_not_usable(catalog: Catalog) -> None:
    inventory = force(missiles("MM III", 10, 1), stored("W78", 5), stored("W78", 7, "retired"))
    usable = upload_potential(inventory, catalog, params([rate_system("MM III")], MM3))
    unusable = upload_potential(
        inventory, catalog, params([rate_system("MM III")], MM3, retired_usable=False)
    )
    assert usable.upload_potential == 12
    assert unusable.upload_potential == 5


def test_json_report_has_the_documented_keys(catalog: Catalog) -> None:
    inventory = force(missiles("MM III", 10, 1), stored("W78", 15))
    report = upload_potential(
        inventory, catalog, params([rate_system("MM III")], MM3)
    ).to_json_dict()
    assert report["currently_deployed_warheads"] == 10
    assert report["max_deployed_warheads"] == 25
    assert report["by_system"]["MM III"]["uploaded"] == 15
    assert report["by_leg"]["icbm"]["binding"] == "warheads"
    assert report["placement"] == [{"warhead_types": ["W78"], "system_type": "MM III", "count": 15}]


def test_parameter_without_source_or_assumption_is_rejected() -> None:
    with pytest.raises(AnalysisParameterError, match=r"source.*assumption"):
        UploadParameters.from_mapping(
            {
                "hedge": {
                    "stored_return_days": {"value": 0},
                    "retired_usable": {"value": True, "assumption": True},
                    "retired_return_days": {"value": 1, "assumption": True},
                },
                "destroy": {
                    "dismantle_per_year": {"value": 1, "assumption": True},
                    "years": {"value": 1, "assumption": True},
                },
                "systems": [],
                "warheads": [],
            }
        )


def test_port_cycle_system_without_patrol_figures_is_rejected() -> None:
    system = {
        "system_type": "Trident II",
        "schedule": "port_cycle",
        "lead_days": {"value": 0, "assumption": True},
    }
    with pytest.raises(AnalysisParameterError, match="needs submarines"):
        params([system], {})


def test_unknown_system_in_parameters_is_an_error(catalog: Catalog) -> None:
    inventory = force(missiles("MM III", 1, 1))
    with pytest.raises(AnalysisParameterError, match="unknown system type 'Nope'"):
        upload_potential(inventory, catalog, params([rate_system("Nope")], MM3))


def test_inventory_with_two_parties_needs_a_party(catalog: Catalog) -> None:
    from treatyledger.model import inventory_of, make_item

    inventory = inventory_of(
        [
            make_item({"party": "US", **missiles("MM III", 1, 1)}),
            make_item({"party": "RU", **missiles("Yars", 1, 1)}),
        ]
    )
    with pytest.raises(AnalysisParameterError, match="expected one party"):
        upload_potential(inventory, catalog, params([rate_system("MM III")], MM3))
    result = upload_potential(inventory, catalog, params([rate_system("MM III")], MM3), party="US")
    assert result.party == "US"

"""The force after its full upload, counted under each rule set."""

from __future__ import annotations

from analysis_helpers import force, missiles, params, rate_system, stored
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from treatyledger.analysis.hypothetical import after_upload
from treatyledger.analysis.upload import upload_potential
from treatyledger.files import load_rule_set
from treatyledger.model import Catalog, Inventory, ItemKind, Status
from treatyledger.rules import count

MM3 = {"W78": ["MM III"]}


def total(inventory: Inventory, rule_set: str, category: str, catalog: Catalog) -> int:
    result = count(inventory, load_rule_set(rule_set), catalog).parties.get("US")
    return 0 if result is None else result.categories[category].total


def test_missile_rows_split_into_full_partial_and_unchanged_vehicles(catalog: Catalog) -> None:
    # 15 more RVs on 10 MM III of 1 RV (room 2 each): 7 full, 1 with 2, 2 left at 1
    inventory = force(missiles("MM III", 10, 1), stored("W78", 15))
    result = upload_potential(inventory, catalog, params([rate_system("MM III")], MM3))
    after = after_upload(inventory, catalog, result)
    loads = sorted((i.warheads, i.quantity) for i in after.items if i.kind is ItemKind.ICBM)
    assert loads == [(1, 2), (2, 1), (3, 7)]
    assert not [i for i in after.items if i.kind is ItemKind.WARHEAD]


def test_new_start_sees_the_uploaded_reentry_vehicles(catalog: Catalog) -> None:
    inventory = force(missiles("MM III", 10, 1), stored("W78", 15))
    result = upload_potential(inventory, catalog, params([rate_system("MM III")], MM3))
    after = after_upload(inventory, catalog, result)
    assert total(inventory, "new-start", "deployed_warheads", catalog) == 10
    assert total(after, "new-start", "deployed_warheads", catalog) == 25


def test_restored_bombers_are_deployed_and_loaded(catalog: Catalog) -> None:
    inventory = force(
        {
            "kind": "heavy_bomber",
            "system_type": "B-2A",
            "status": "deployed",
            "quantity": 1,
            "armament": "nuclear",
            "warheads": 16,
        },
        {
            "kind": "heavy_bomber",
            "system_type": "B-2A",
            "status": "non_deployed",
            "quantity": 3,
            "armament": "nuclear",
        },
        stored("B61", 20),
    )
    system = rate_system(
        "B-2A", restore_nondeployed=True, nondeployed_ready_days=30, nondeployed_per_week=2
    )
    result = upload_potential(inventory, catalog, params([system], {"B61": ["B-2A"]}))
    after = after_upload(inventory, catalog, result)
    deployed = sorted(
        (i.warheads, i.quantity)
        for i in after.items
        if i.kind is ItemKind.HEAVY_BOMBER and i.status is Status.DEPLOYED
    )
    assert deployed == [(4, 1), (16, 1), (16, 1)]
    # New START counts each deployed nuclear bomber once, whatever it carries
    assert total(after, "new-start", "deployed_warheads", catalog) == 3
    assert total(after, "sort-us-2002", "operationally_deployed_warheads", catalog) == 36


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    deployed=st.integers(0, 20),
    load=st.integers(0, 3),
    empty_silos=st.integers(0, 10),
    spares=st.integers(0, 10),
    stored_w78=st.integers(0, 100),
    retired_w78=st.integers(0, 30),
    other=st.integers(0, 10),
)
def test_after_upload_nothing_more_fits_and_no_warhead_is_lost(
    catalog: Catalog,
    deployed: int,
    load: int,
    empty_silos: int,
    spares: int,
    stored_w78: int,
    retired_w78: int,
    other: int,
) -> None:
    inventory = force(
        missiles("MM III", deployed, load),
        {
            "kind": "icbm_launcher",
            "system_type": "MM III",
            "status": "non_deployed",
            "quantity": empty_silos,
        },
        {"kind": "icbm", "system_type": "MM III", "status": "non_deployed", "quantity": spares},
        stored("W78", stored_w78),
        stored("W78", retired_w78, "retired"),
        stored("W99", other),
    )
    system = rate_system(
        "MM III", restore_nondeployed=True, nondeployed_ready_days=1, nondeployed_per_week=7
    )
    upload_params = params([system], MM3)
    before = upload_potential(inventory, catalog, upload_params)
    after = after_upload(inventory, catalog, before)
    again = upload_potential(after, catalog, upload_params)
    assert again.upload_potential == 0
    assert again.currently_deployed_warheads == before.max_deployed_warheads
    assert total(after, "total-stockpile", "total_warheads", catalog) == total(
        inventory, "total-stockpile", "total_warheads", catalog
    )

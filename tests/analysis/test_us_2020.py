"""The bundled US force of about 2020 (src/treatyledger/data/inventories/us-2020-hedge.csv)
against the published upload figures (shared/reference/treaties.md, "Hedge and upload
capacity"): from 1,550 to more than 3,500 deployed strategic warheads [Gottemoeller, Forbes
2020]; up to 4,220 existing warheads placeable on existing delivery systems [CBO 56475]."""

from __future__ import annotations

import pytest

from treatyledger.analysis.parameters import UploadParameters
from treatyledger.analysis.upload import UploadResult, upload_potential
from treatyledger.files import load_rule_set, read_bundled_inventory
from treatyledger.files.analysis_params import load_upload_parameters
from treatyledger.model import Catalog, Inventory
from treatyledger.rules import count

PUBLISHED_LOW, PUBLISHED_HIGH = 3_500, 4_300


@pytest.fixture(scope="module")
def us_force(catalog: Catalog) -> Inventory:
    return read_bundled_inventory("us-2020-hedge", catalog)


@pytest.fixture(scope="module")
def us_params() -> UploadParameters:
    return load_upload_parameters()


@pytest.fixture(scope="module")
def us_upload(us_force: Inventory, catalog: Catalog, us_params: UploadParameters) -> UploadResult:
    return upload_potential(us_force, catalog, us_params)


def test_bundled_force_matches_the_official_new_start_figures(
    us_force: Inventory, catalog: Catalog
) -> None:
    totals = count(us_force, load_rule_set("new-start"), catalog).parties["US"].categories
    assert (totals["deployed_delivery_vehicles"].total, totals["deployed_warheads"].total) == (
        675,
        1457,
    )
    assert totals["deployed_and_nondeployed_launchers"].total == 800


def test_upload_potential_lands_in_the_published_range(us_upload: UploadResult) -> None:
    assert PUBLISHED_LOW <= us_upload.max_deployed_warheads <= PUBLISHED_HIGH
    assert us_upload.currently_deployed_warheads == 1709  # 1,409 RVs + 300 at bomber bases


def test_stored_warheads_drive_the_us_upload_potential(us_upload: UploadResult) -> None:
    # What drives the figure: on every leg the stored warheads (FAS 2020 totals minus the
    # deployed ones) run out before the slots do, except on the B-2A, whose 20 bombers x 16
    # bombs leave 220 slots for 222 stored bombs. So max = 1,709 deployed + 403 W78
    # + 911 SLBM warheads + 328 W80-1 + 220 bombs.
    legs = us_upload.legs()
    assert {leg: entry.binding for leg, entry in legs.items()} == {
        "icbm": "warheads",
        "slbm": "warheads",
        "bomber": "warheads",
    }
    assert us_upload.systems["B-2"].binding == "capacity"
    assert {leg: entry.uploaded for leg, entry in legs.items()} == {
        "icbm": 403,
        "slbm": 911,
        "bomber": 548,
    }


def test_without_restored_and_reconverted_tubes_slbm_capacity_binds(
    us_force: Inventory, catalog: Catalog, us_params: UploadParameters
) -> None:
    # The second driver: the 50 non-deployed and 56 converted Trident II tubes. Without them
    # the 230 deployed missiles hold 230 x 8 - 1,012 = 828 more RVs, fewer than the 911 stored,
    # and the total falls just under the published 3,500.
    trident = us_params.system("Trident II")
    assert trident is not None
    off = {"value": False, "assumption": True}
    changed = trident.model_copy(
        update={
            "restore_nondeployed": trident.restore_nondeployed.model_copy(update=off),  # type: ignore[union-attr]
            "reconvert_converted": trident.reconvert_converted.model_copy(update=off),  # type: ignore[union-attr]
        }
    )
    systems = tuple(changed if s.system_type == "Trident II" else s for s in us_params.systems)
    result = upload_potential(us_force, catalog, us_params.model_copy(update={"systems": systems}))
    assert result.legs()["slbm"].uploaded == 828
    assert result.legs()["slbm"].binding == "capacity"
    assert result.max_deployed_warheads == 1709 + 403 + 828 + 548

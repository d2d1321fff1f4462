"""The domain model: validation errors name the item and the field."""

from __future__ import annotations

import pytest

from treatyledger.model import (
    STATUSES_BY_KIND,
    Catalog,
    ItemKind,
    Status,
    SystemType,
    inventory_of,
    make_item,
)
from treatyledger.model.errors import CatalogError, ModelValidationError


def fields(**overrides: object) -> dict[str, object]:
    return {
        "party": "US",
        "kind": "icbm",
        "status": "deployed",
        "system_type": "MM III",
        **overrides,
    }


def test_valid_item_keeps_its_fields() -> None:
    item = make_item(fields(uid="MM3-1", warheads=3))
    assert (item.uid, item.quantity, item.warheads) == ("MM3-1", 1, 3)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": -1}, "quantity"),
        ({"kind": "laser"}, "kind"),
        ({"uid": "bad uid"}, "uid"),
        ({"extra": 1}, "extra"),
    ],
)
def test_field_error_names_item_and_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        make_item(fields(**overrides), label="row 7")
    assert (caught.value.item, caught.value.field) == ("row 7", field)


def test_status_must_belong_to_the_kind() -> None:
    with pytest.raises(ModelValidationError, match="status stored is not a status of a icbm"):
        make_item(fields(status="stored"))


def test_every_kind_has_statuses_and_warheads_can_be_dismantled() -> None:
    assert set(STATUSES_BY_KIND) == set(ItemKind)
    assert Status.DISMANTLED in STATUSES_BY_KIND[ItemKind.WARHEAD]


def test_item_with_uid_has_quantity_one() -> None:
    with pytest.raises(ModelValidationError, match="quantity 1"):
        make_item(fields(uid="MM3-1", quantity=2))


def test_duplicate_uid_in_an_inventory_is_an_error() -> None:
    item = make_item(fields(uid="MM3-1"))
    with pytest.raises(ModelValidationError, match="duplicate uid MM3-1"):
        inventory_of([item, item])


def test_inventory_check_names_unknown_system_type() -> None:
    inventory = inventory_of([make_item(fields(system_type="MM IV"))])
    with pytest.raises(ModelValidationError) as caught:
        inventory.check_against(Catalog([]))
    assert caught.value.field == "system_type"


def test_catalog_refuses_an_alias_used_by_another_type() -> None:
    common = {"kind": "icbm", "basing": "silo", "max_warheads": 1, "source": "test"}
    first = SystemType(id="A", aliases=("X",), **common)
    second = SystemType(id="B", aliases=("X",), **common)
    with pytest.raises(CatalogError, match="'X' of 'B' is already used by 'A'"):
        Catalog([first, second])


def test_heavy_icbm_flag_is_for_icbms_only() -> None:
    with pytest.raises(ValueError, match="heavy_icbm applies to ICBM types only"):
        SystemType(
            id="S", kind="slbm", basing="submarine", heavy_icbm=True, max_warheads=1, source="t"
        )

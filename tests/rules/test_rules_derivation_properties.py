"""Properties of derived treaty status over random item-level forces (UIDs, containment,
facilities, roles): the vectorised derivation agrees with the naive recursive one written from
the definition semantics (the oracle), counts agree with the reference evaluator, and moving an
item to a test range or a repair facility never increases a deployed total."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rules_support import all_rule_sets, catalog

from treatyledger.model import (
    STATUSES_BY_KIND,
    Armament,
    FacilityType,
    Inventory,
    ItemKind,
    Role,
    inventory_of,
    make_item,
)
from treatyledger.model.parties import Facility
from treatyledger.rules import InventoryTable, count, derive
from treatyledger.rules.reference import reference_count, reference_derive, rows_of
from treatyledger.rules.table import STATUSES

FACILITIES = tuple(Facility(id=f"f-{t.value}", party="US", type=t) for t in FacilityType)
TEST_RANGE = "f-test_range"
REPAIR = "f-repair"

#: The totals of deployed forces per rule set: what moving to a test range or a repair yard
#: must never raise.
DEPLOYED_TOTALS = {
    "new-start": ("deployed_delivery_vehicles", "deployed_warheads"),
    "start1": (
        "delivery_vehicles",
        "accountable_warheads",
        "ballistic_missile_warheads",
        "mobile_icbm_warheads",
        "heavy_icbm_warheads",
        "heavy_icbms",
    ),
    "sort-us-2002": ("operationally_deployed_warheads",),
    "sort-ru-2002": ("operationally_deployed_warheads", "delivery_vehicles"),
    "total-stockpile": ("total_warheads",),
}

MISSILE_TYPES = {ItemKind.ICBM: ("MM III", "SS-18", "SS-25"), ItemKind.SLBM: ("Trident II",)}
BOMBER_TYPES = ("B-52H", "B-2A", "Tu-95MS")


def _place(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "facility": draw(st.none() | st.sampled_from([f.id for f in FACILITIES])),
        "role": draw(st.none() | st.sampled_from(list(Role))),
    }


def _status(draw: st.DrawFn, kind: ItemKind) -> str:
    return draw(st.sampled_from(sorted(STATUSES_BY_KIND[kind])))


@st.composite
def forces(draw: st.DrawFn) -> list[dict[str, Any]]:
    """One US force with UIDs: launchers (some on submarines), missiles (some in launchers),
    bombers and warheads (some on vehicles)."""
    items: list[dict[str, Any]] = []

    def add(kind: ItemKind, uid: str, **fields: Any) -> dict[str, Any]:
        item = {"party": "US", "kind": kind, "uid": uid, "status": _status(draw, kind), **fields}
        items.append(item)
        return item

    subs = [
        add(ItemKind.SUBMARINE, f"S{i}", system_type="Trident II", **_place(draw))
        for i in range(draw(st.integers(0, 2)))
    ]
    free_launchers: dict[ItemKind, list[str]] = {ItemKind.ICBM: [], ItemKind.SLBM: []}
    for i in range(draw(st.integers(0, 6))):
        missile_kind = draw(st.sampled_from([ItemKind.ICBM, ItemKind.SLBM]))
        launcher_kind = (
            ItemKind.ICBM_LAUNCHER if missile_kind is ItemKind.ICBM else ItemKind.SLBM_LAUNCHER
        )
        system_type = draw(st.sampled_from(MISSILE_TYPES[missile_kind]))
        on_sub = subs and launcher_kind is ItemKind.SLBM_LAUNCHER and draw(st.booleans())
        where = {"contained_in": draw(st.sampled_from([s["uid"] for s in subs]))} if on_sub else {}
        if not on_sub:
            where = _place(draw)
        add(launcher_kind, f"L{i}", system_type=system_type, **where)
        free_launchers[missile_kind].append((f"L{i}", system_type))  # type: ignore[arg-type]
    carriers = []
    for i in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from([ItemKind.ICBM, ItemKind.SLBM]))
        pool = free_launchers[kind]
        if pool and draw(st.booleans()):
            launcher, system_type = pool.pop(0)  # type: ignore[misc]
            where: dict[str, Any] = {"contained_in": launcher}
        else:
            system_type = draw(st.sampled_from(MISSILE_TYPES[kind]))
            where = _place(draw)
        capacity = catalog().resolve(system_type).max_warheads
        warheads = draw(st.none() | st.integers(0, capacity))
        carriers.append(add(kind, f"M{i}", system_type=system_type, warheads=warheads, **where))
    for i in range(draw(st.integers(0, 4))):
        system_type = draw(st.sampled_from(BOMBER_TYPES))
        capacity = catalog().resolve(system_type).max_warheads
        carriers.append(
            add(
                ItemKind.HEAVY_BOMBER,
                f"B{i}",
                system_type=system_type,
                armament=draw(st.none() | st.sampled_from(list(Armament))),
                warheads=draw(st.none() | st.integers(0, capacity)),
                **_place(draw),
            )
        )
    for i in range(draw(st.integers(0, 4))):
        inside = [c for c in carriers if c.get("warheads")]
        if inside and draw(st.booleans()):
            add(ItemKind.WARHEAD, f"W{i}", contained_in=draw(st.sampled_from(inside))["uid"])
        else:
            add(ItemKind.WARHEAD, f"W{i}", facility=_place(draw)["facility"])
    return items


def build(fields_list: list[dict[str, Any]]) -> Inventory:
    return inventory_of([make_item(f) for f in fields_list], FACILITIES)


@settings(max_examples=60, deadline=None)
@given(forces())
def test_derived_status_agrees_with_the_definitions_read_naively(
    force: list[dict[str, Any]],
) -> None:
    inventory = build(force)
    table = InventoryTable.from_inventory(inventory, catalog())
    rows = rows_of(inventory, catalog())
    for rule_set in all_rule_sets():
        derived = derive(table, rule_set).table
        expected = reference_derive(rows, rule_set)
        assert [STATUSES[c] for c in derived.status] == [r.status for r in expected]
        assert count(inventory, rule_set, catalog()) == reference_count(rows, rule_set)


@settings(max_examples=60, deadline=None)
@given(forces(), st.data())
def test_moving_to_a_test_range_or_repair_never_increases_deployed_totals(
    force: list[dict[str, Any]], data: st.DataObject
) -> None:
    # From where the items serve or are stored: a move from a test range to a repair facility
    # may rightly raise a total (START's SLBM launcher on a submarine counts again there).
    operational = {None, "f-icbm_base", "f-submarine_base", "f-air_base", "f-storage"}
    movable = [
        i
        for i, item in enumerate(force)
        if "contained_in" not in item and item.get("facility") in operational
    ]
    if not movable:
        return
    index = data.draw(st.sampled_from(movable))
    destination = data.draw(st.sampled_from([TEST_RANGE, REPAIR]))
    moved = [dict(item) for item in force]
    moved[index]["facility"] = destination
    before, after = build(force), build(moved)
    for rule_set in all_rule_sets():
        was = count(before, rule_set, catalog()).parties["US"].categories
        now = count(after, rule_set, catalog()).parties["US"].categories
        for category in DEPLOYED_TOTALS[rule_set.id]:
            assert now[category].total <= was[category].total, (rule_set.id, category)


@settings(max_examples=40, deadline=None)
@given(forces())
def test_the_lookup_and_the_mask_derivations_agree(force: list[dict[str, Any]]) -> None:
    # rule sets whose key space is too large are derived one mask per definition instead
    table = InventoryTable.from_inventory(build(force), catalog())
    for rule_set in all_rule_sets():
        by_keys = derive(table, rule_set)
        by_masks = derive(table, rule_set, max_keys=0)
        assert (by_keys.table.status == by_masks.table.status).all()
        assert (by_keys.table.armament == by_masks.table.armament).all()
        assert (by_keys.status_rule == by_masks.status_rule).all()
        assert (by_keys.armament_rule == by_masks.armament_rule).all()

"""The force as it would stand after a full upload (``after_upload``): a hypothetical
inventory built from an ``UploadResult``, for counting under each rule set."""

from __future__ import annotations

from collections.abc import Callable

from treatyledger.analysis.upload import (
    UNSPECIFIED_WARHEAD,
    SystemUpload,
    UploadResult,
    group_key,
)
from treatyledger.model import Armament, Catalog, Inventory, Item, ItemKind, Status


def after_upload(inventory: Inventory, catalog: Catalog, result: UploadResult) -> Inventory:
    """The force as it would stand after the full upload ``result`` describes: stored warheads
    placed on vehicles (deployed first, then restored, then reconverted ones), those vehicles
    deployed. A hypothetical inventory, for counting under each rule set (what would each
    treaty have shown?); containment links are not rewritten."""
    items: list[Item | None] = list(inventory.items)
    added: list[Item] = []
    _release_placed_warheads(items, catalog, result)
    for type_id, upload in result.systems.items():
        left = _fill_deployed(items, added, catalog, result.party, type_id, upload)
        # then restored, then reconverted vehicles, as many as the remaining warheads need
        for available, launcher_status, bomber_status in (
            (upload.force.restorable_nondeployed, Status.NON_DEPLOYED, Status.NON_DEPLOYED),
            (upload.force.restorable_converted, Status.CONVERTED, Status.CONVERTED_NON_NUCLEAR),
        ):
            capacity = upload.force.capacity_per_vehicle
            vehicles = min(available, -(-left // capacity)) if capacity else 0
            if vehicles <= 0:
                continue
            if catalog.resolve(type_id).kind is ItemKind.HEAVY_BOMBER:
                rows = _restore_bombers(
                    items, catalog, result.party, type_id, vehicles, bomber_status
                )
            else:
                rows = _restore_missiles(
                    items, added, catalog, result.party, type_id, vehicles, launcher_status
                )
            for row in rows:
                fill = min(left, capacity * row.quantity)
                left -= fill
                added.extend(_split_load(row, fill, capacity))
    kept = tuple(i for i in items if i is not None)
    return Inventory(items=kept + tuple(added), facilities=inventory.facilities)


def _release_placed_warheads(
    items: list[Item | None], catalog: Catalog, result: UploadResult
) -> None:
    """The warheads placed leave storage: per group, stored ones before retired ones."""
    for (group, _), amount in sorted(result.placement.items()):
        types = frozenset(e.warhead_type for e in result.force.stock if group_key(e.fits) == group)
        for status in (Status.STORED, Status.RETIRED):
            match = _matcher(catalog, result.party, ItemKind.WARHEAD, status, warhead_types=types)
            amount -= sum(i.quantity for i in _take(items, amount, match))


def _fill_deployed(
    items: list[Item | None],
    added: list[Item],
    catalog: Catalog,
    party: str,
    type_id: str,
    upload: SystemUpload,
) -> int:
    """Fill the deployed vehicles of ``type_id`` up to capacity; the warheads left over."""
    left = upload.uploaded
    capacity = upload.force.capacity_per_vehicle
    kind = catalog.resolve(type_id).kind
    deployed = _matcher(
        catalog, party, kind, Status.DEPLOYED, system_type=type_id, nuclear_only=True
    )
    for index, item in enumerate(items):
        if left <= 0:
            break
        if item is None or not deployed(item):
            continue
        fill = min(left, max(0, capacity - (item.warheads or 0)) * item.quantity)
        left -= fill
        rows = _split_load(item, fill, capacity)
        items[index] = rows[0]
        added.extend(rows[1:])
    return left


def _restore_bombers(
    items: list[Item | None],
    catalog: Catalog,
    party: str,
    type_id: str,
    vehicles: int,
    status: Status,
) -> list[Item]:
    """``vehicles`` bombers of ``status`` back to deployed, armed as their type allows."""
    idle = _matcher(
        catalog,
        party,
        ItemKind.HEAVY_BOMBER,
        status,
        system_type=type_id,
        nuclear_only=status is Status.NON_DEPLOYED,
    )
    lrna = bool(catalog.resolve(type_id).lrna_capacity)
    update = {
        "status": Status.DEPLOYED,
        "armament": Armament.LRNA if lrna else Armament.NUCLEAR,
        "warheads": 0,
    }
    return [b.model_copy(update=update) for b in _take(items, vehicles, idle)]


def _restore_missiles(
    items: list[Item | None],
    added: list[Item],
    catalog: Catalog,
    party: str,
    type_id: str,
    vehicles: int,
    launcher_status: Status,
) -> list[Item]:
    """``vehicles`` launchers of ``launcher_status`` deployed, each with a spare missile."""
    kind = catalog.resolve(type_id).kind
    launcher_kind = ItemKind.ICBM_LAUNCHER if kind is ItemKind.ICBM else ItemKind.SLBM_LAUNCHER
    empty = _matcher(catalog, party, launcher_kind, launcher_status, system_type=type_id)
    launchers = _take(items, vehicles, empty)
    added.extend(r.model_copy(update={"status": Status.DEPLOYED}) for r in launchers)
    spare = _matcher(catalog, party, kind, Status.NON_DEPLOYED, system_type=type_id)
    missiles = _take(items, sum(r.quantity for r in launchers), spare)
    return [m.model_copy(update={"status": Status.DEPLOYED, "warheads": 0}) for m in missiles]


def _split_load(item: Item, fill: int, capacity: int) -> list[Item]:
    """``item`` (``quantity`` vehicles of ``warheads`` each) with ``fill`` more warheads,
    vehicle by vehicle up to ``capacity``: full ones, at most one partial, the rest as were."""
    load = item.warheads or 0
    room = capacity - load
    if fill <= 0 or room <= 0:
        return [item]
    full, partial = divmod(fill, room)
    rows = []
    if full:
        rows.append(item.model_copy(update={"quantity": full, "warheads": capacity}))
    if partial:
        rows.append(item.model_copy(update={"quantity": 1, "warheads": load + partial}))
    rest = item.quantity - full - (1 if partial else 0)
    if rest:
        rows.append(item.model_copy(update={"quantity": rest}))
    return rows


def _take(items: list[Item | None], wanted: int, match: Callable[[Item], bool]) -> list[Item]:
    """Remove up to ``wanted`` units from the rows that ``match`` (splitting a row where
    needed); the units taken, as rows."""
    taken: list[Item] = []
    for index, item in enumerate(items):
        if wanted <= 0:
            break
        if item is None or not match(item):
            continue
        share = min(wanted, item.quantity)
        wanted -= share
        taken.append(item.model_copy(update={"quantity": share}))
        left = item.quantity - share
        items[index] = item.model_copy(update={"quantity": left}) if left else None
    return taken


def _matcher(
    catalog: Catalog,
    party: str,
    kind: ItemKind,
    status: Status,
    *,
    system_type: str | None = None,
    warhead_types: frozenset[str] | None = None,
    nuclear_only: bool = False,
) -> Callable[[Item], bool]:
    """A predicate selecting ``party``'s rows of one kind, status and system (or warhead) type."""

    def match(item: Item) -> bool:
        if item.party != party or item.kind is not kind or item.status is not status:
            return False
        if nuclear_only and item.armament is Armament.NON_NUCLEAR:
            return False
        if warhead_types is not None:
            return (item.warhead_type or item.system_type or UNSPECIFIED_WARHEAD) in warhead_types
        if system_type is not None:
            return (
                item.system_type is not None and catalog.resolve(item.system_type).id == system_type
            )
        return True

    return match

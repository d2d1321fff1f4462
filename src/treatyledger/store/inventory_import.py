"""Turning an inventory (the foundation issue's file format) into notifications.

``inventory_notifications`` gives the unsigned notifications (JSON form) that declare every
item of one party's inventory and load each deployed missile into a deployed launcher of its
system type, so that replaying them gives an inventory that counts exactly like the file.

Rows without UIDs (public data is published per type: ``quantity`` identical items) get
generated UIDs that are stable: the same file gives the same UIDs on every run. A UID is
``<party>-<kind>-<8 hex digits>-<n>``, where the hex digits are SHA-256 of the row's fields
(without quantity) plus the number of identical rows before it, and n counts 1..quantity.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from treatyledger.model.items import Inventory
from treatyledger.model.kinds import ItemKind, Status
from treatyledger.store.errors import InventoryImportError

#: Items per declare notification: well under the schema bound, and a leaf a log keeps whole
#: or by digest either way.
DECLARE_CHUNK = 5_000

_KIND_TAGS = {
    ItemKind.ICBM: "ICBM",
    ItemKind.SLBM: "SLBM",
    ItemKind.ICBM_LAUNCHER: "ICBML",
    ItemKind.SLBM_LAUNCHER: "SLBML",
    ItemKind.HEAVY_BOMBER: "HB",
    ItemKind.SUBMARINE: "SUB",
    ItemKind.WARHEAD: "WH",
}
_MISSILE_LAUNCHER = {ItemKind.ICBM: ItemKind.ICBM_LAUNCHER, ItemKind.SLBM: ItemKind.SLBM_LAUNCHER}


def expand_items(inventory: Inventory, party: str) -> list[dict[str, Any]]:
    """One JSON item (quantity 1, with a UID) per accountable item of ``party``; rows of any
    other party are an error."""
    expanded: list[dict[str, Any]] = []
    seen_rows: dict[str, int] = {}
    for position, item in enumerate(inventory.items, start=1):
        if item.party != party:
            raise InventoryImportError(
                f"item {position} ({item.label}) belongs to {item.party}; this workspace "
                f"declares only {party}'s items"
            )
        fields = item.model_dump(mode="json", exclude_none=True)
        if item.uid is not None:
            expanded.append(fields)
            continue
        fields.pop("quantity", None)
        key = json.dumps(fields, sort_keys=True)
        occurrence = seen_rows.get(key, 0)
        seen_rows[key] = occurrence + 1
        digest = hashlib.sha256(f"{key}\n{occurrence}".encode()).hexdigest()[:8]
        prefix = f"{party}-{_KIND_TAGS[item.kind]}-{digest}"
        for n in range(1, item.quantity + 1):
            expanded.append({**fields, "uid": f"{prefix}-{n}"})
    return _containers_first(expanded)


def _containers_first(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order items so that every container comes before what it contains."""
    by_uid = {item["uid"]: item for item in items}

    def depth(item: dict[str, Any]) -> int:
        level, seen = 0, set()
        container = item.get("contained_in")
        while container is not None and container in by_uid and container not in seen:
            seen.add(container)
            level += 1
            container = by_uid[container].get("contained_in")
        return level

    return sorted(items, key=depth)  # stable: file order within a level


def _pairs(items: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """(launcher, missile) pairs: each deployed missile outside a launcher, with a deployed,
    empty launcher of its system type, in file order."""
    holding = {item["contained_in"] for item in items if item.get("contained_in")}
    launchers: dict[tuple[str, str | None], list[str]] = {}
    for item in items:
        if (
            item["kind"] in (ItemKind.ICBM_LAUNCHER.value, ItemKind.SLBM_LAUNCHER.value)
            and item["status"] == Status.DEPLOYED.value
            and item["uid"] not in holding
        ):
            launchers.setdefault((item["kind"], item.get("system_type")), []).append(item["uid"])
    pairs = []
    for item in items:
        kind = ItemKind(item["kind"])
        if (
            kind in _MISSILE_LAUNCHER
            and item["status"] == Status.DEPLOYED.value
            and not item.get("contained_in")
        ):
            free = launchers.get((_MISSILE_LAUNCHER[kind].value, item.get("system_type")))
            if free:
                pairs.append((free.pop(0), item["uid"]))
    return pairs


def inventory_notifications(
    inventory: Inventory,
    party: str,
    *,
    first_sequence: int,
    effective: datetime,
    issued: datetime,
) -> list[dict[str, Any]]:
    """Unsigned notifications (JSON form) declaring ``party``'s items of ``inventory`` as of
    ``effective`` and loading deployed missiles into deployed launchers."""
    items = expand_items(inventory, party)
    if not items:
        raise InventoryImportError(f"the inventory holds no items of {party} to declare")
    facilities = [
        f.model_dump(mode="json", exclude_none=True)
        for f in inventory.facilities.values()
        if f.party == party
    ]
    when = _time_text(effective)
    issued_text = _time_text(issued)
    notifications: list[dict[str, Any]] = []

    def emit(kind: str, payload: dict[str, Any]) -> None:
        notifications.append(
            {
                "party": party,
                "sequence": first_sequence + len(notifications),
                "kind": kind,
                "effective_time": when,
                "issued_time": issued_text,
                "payload": payload,
            }
        )

    for start in range(0, len(items), DECLARE_CHUNK):
        payload: dict[str, Any] = {"items": items[start : start + DECLARE_CHUNK]}
        if start == 0 and facilities:
            payload["facilities"] = facilities
        emit("declare", payload)
    for launcher, missile in _pairs(items):
        emit("load", {"container": launcher, "items": [missile]})
    return notifications


def _time_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["expand_items", "inventory_notifications"]

"""Shared builders for the escrow tests: a deterministic random source and small inventories."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from treatyledger.escrow.categories import Category
from treatyledger.escrow.commitment import Secret, commit
from treatyledger.model.items import Inventory, Item, inventory_of, make_item


def counter_random(seed: str = "escrow-tests") -> Callable[[int], bytes]:
    """SHA-256 in counter mode: deterministic bytes, so test commitments are reproducible."""
    state = {"n": 0}

    def random_bytes(size: int) -> bytes:
        out = b""
        while len(out) < size:
            state["n"] += 1
            out += hashlib.sha256(f"{seed}/{state['n']}".encode()).digest()
        return out[:size]

    return random_bytes


DEPLOYED_WARHEADS_AT_BASE = Category(
    name="deployed-warheads-at-F-E-Warren",
    where={"kind": ("warhead",), "status": ("deployed",), "facility": ("F-E-Warren",)},
)
DEPLOYED_RVS = Category(
    name="deployed-rvs",
    where={"kind": ("icbm", "slbm"), "status": ("deployed",)},
    measure="warheads",
)
CATEGORIES = (DEPLOYED_WARHEADS_AT_BASE, DEPLOYED_RVS)


def small_inventory() -> Inventory:
    """Eleven US items: missiles with UIDs, warheads at two bases, one eliminated launcher and
    one row without a UID."""
    rows: list[dict[str, object]] = [
        {
            "uid": "MM3-0001",
            "kind": "icbm",
            "system_type": "MM III",
            "status": "deployed",
            "warheads": 1,
            "facility": "F-E-Warren",
        },
        {
            "uid": "MM3-0002",
            "kind": "icbm",
            "system_type": "MM III",
            "status": "deployed",
            "warheads": 1,
            "facility": "F-E-Warren",
        },
        {"uid": "MM3-0003", "kind": "icbm", "system_type": "MM III", "status": "non_deployed"},
        {
            "uid": "D5-0001",
            "kind": "slbm",
            "system_type": "Trident II",
            "status": "deployed",
            "warheads": 4,
        },
        {
            "uid": "W87-0001",
            "kind": "warhead",
            "status": "deployed",
            "facility": "F-E-Warren",
            "contained_in": "MM3-0001",
        },
        {
            "uid": "W87-0002",
            "kind": "warhead",
            "status": "deployed",
            "facility": "F-E-Warren",
            "contained_in": "MM3-0002",
        },
        {"uid": "W78-0001", "kind": "warhead", "status": "deployed", "facility": "Malmstrom"},
        {"uid": "W78-0002", "kind": "warhead", "status": "stored", "facility": "F-E-Warren"},
        {"uid": "W78-0003", "kind": "warhead", "status": "dismantled"},
        {
            "uid": "SL-0001",
            "kind": "icbm_launcher",
            "system_type": "MM III",
            "status": "eliminated",
        },
        {"kind": "warhead", "status": "stored", "quantity": 40, "facility": "Kirtland"},
    ]
    return inventory_of(make_item({"party": "US", **row}) for row in rows)


def small_secret(seed: str = "escrow-tests") -> Secret:
    return commit(
        small_inventory(),
        party="US",
        exchange="2026-03-01",
        categories=CATEGORIES,
        random_bytes=counter_random(seed),
    )


def with_item(inventory: Inventory, item: Item) -> Inventory:
    return inventory_of([*inventory.items, item])

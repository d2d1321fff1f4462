"""A columnar view of an inventory: one numpy array per field the rule sets select on, so
every clause is a handful of vectorised masks instead of a loop over items.

Enumerations are stored as small integer codes (the member's position in its enum; one extra
code for "none"). Values that fall back to the system type are resolved once, here:
``basing`` (the row's override, else the type's), ``armament`` (see ``effective_armament``)
and ``lrna_capacity`` (the row's value, else the type's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from treatyledger.errors import ModelValidationError
from treatyledger.model.catalog import Catalog, SystemType
from treatyledger.model.items import Inventory, Item
from treatyledger.model.kinds import Armament, Basing, FacilityType, ItemKind, Status

KINDS: tuple[ItemKind, ...] = tuple(ItemKind)
STATUSES: tuple[Status, ...] = tuple(Status)
ARMAMENTS: tuple[Armament, ...] = tuple(Armament)
BASINGS: tuple[Basing, ...] = tuple(Basing)
FACILITY_TYPES: tuple[FacilityType, ...] = tuple(FacilityType)
#: The "none" code of each optional enumeration column.
NO_ARMAMENT = len(ARMAMENTS)
NO_BASING = len(BASINGS)
NO_FACILITY_TYPE = len(FACILITY_TYPES)
NO_TYPE = -1
NO_CAPACITY = -1

#: Bounds that keep int64 arithmetic exact (quantity x warheads x rows).
MAX_QUANTITY = 2**31 - 1
MAX_WARHEADS = 2**16

IntArray = npt.NDArray[np.int64]


def row_label(item: Item) -> str:
    """How explanations name a row: its UID, else what it groups (kind included, since a
    type's missiles and launchers share the system type)."""
    if item.uid:
        return item.uid
    what = f"{item.system_type} {item.kind}" if item.system_type else str(item.kind)
    return f"{item.party} {item.quantity} x {what} {item.status}"


def effective_basing(item: Item, system_type: SystemType | None) -> Basing | None:
    if item.basing is not None:
        return item.basing
    return system_type.basing if system_type is not None else None


def effective_armament(item: Item, system_type: SystemType | None) -> Armament | None:
    """A heavy bomber's declared armament; when the row declares none, ``lrna`` if its type is
    equipped for long-range ALCMs and ``nuclear`` otherwise (a heavy bomber is nuclear-capable
    until declared converted). Other kinds have no armament."""
    if item.kind is not ItemKind.HEAVY_BOMBER:
        return None
    if item.armament is not None:
        return item.armament
    if system_type is not None and system_type.lrna_capacity:
        return Armament.LRNA
    return Armament.NUCLEAR


def effective_lrna_capacity(item: Item, system_type: SystemType | None) -> int | None:
    if item.lrna_capacity is not None:
        return item.lrna_capacity
    if item.kind is ItemKind.HEAVY_BOMBER and system_type is not None:
        return system_type.lrna_capacity
    return None


@dataclass(frozen=True, eq=False)
class InventoryTable:
    """Parallel arrays, one entry per inventory row (a row may stand for ``quantity`` items).

    ``party`` indexes ``party_ids``; ``type_index`` indexes ``system_types`` (-1: none);
    ``kind``/``status``/``armament``/``basing``/``facility_type`` are enum codes (see the
    module constants); ``warheads`` is 0 where none is declared; ``lrna_capacity`` is -1
    where none is known. ``labels`` name rows in explanations (default ``row N``).
    """

    party_ids: tuple[str, ...]
    system_types: tuple[SystemType, ...]
    party: npt.NDArray[np.int32]
    kind: npt.NDArray[np.int8]
    status: npt.NDArray[np.int8]
    armament: npt.NDArray[np.int8]
    basing: npt.NDArray[np.int8]
    facility_type: npt.NDArray[np.int8]
    contained: npt.NDArray[np.bool_]
    type_index: npt.NDArray[np.int32]
    quantity: IntArray
    warheads: IntArray
    lrna_capacity: IntArray
    labels: Sequence[str] | None = None
    _attribute_cache: dict[str, IntArray] = field(default_factory=dict, repr=False, init=False)

    def __post_init__(self) -> None:
        n = len(self.party)
        for name in (
            "kind",
            "status",
            "armament",
            "basing",
            "facility_type",
            "contained",
            "type_index",
            "quantity",
            "warheads",
            "lrna_capacity",
        ):
            if len(getattr(self, name)) != n:
                raise ValueError(f"column {name} has {len(getattr(self, name))} rows, want {n}")
        if self.labels is not None and len(self.labels) != n:
            raise ValueError(f"labels has {len(self.labels)} rows, want {n}")
        if n and (self.quantity.min() < 0 or self.warheads.min() < 0):
            raise ValueError("quantity and warheads must not be negative")

    def __len__(self) -> int:
        return len(self.party)

    def label(self, row: int) -> str:
        return self.labels[row] if self.labels is not None else f"row {row}"

    def type_attribute(self, name: str) -> IntArray:
        """Per row, the named system-type attribute; -1 where the row has no type or the type
        has no value."""
        cached = self._attribute_cache.get(name)
        if cached is None:
            values = [_int_or_missing(getattr(t, name)) for t in self.system_types]
            # the extra last entry is what type_index -1 picks: "no value"
            by_type = np.array([*values, NO_CAPACITY], dtype=np.int64)
            cached = by_type[self.type_index]
            self._attribute_cache[name] = cached
        return cached

    @classmethod
    def from_inventory(cls, inventory: Inventory, catalog: Catalog) -> InventoryTable:
        """Resolve every row's system type and fallbacks once; unknown types are errors."""
        items = inventory.items
        party_ids = tuple(sorted({item.party for item in items}))
        party_code = {p: i for i, p in enumerate(party_ids)}
        types: list[SystemType] = []
        type_code: dict[str, int] = {}
        kind_code = {k: i for i, k in enumerate(KINDS)}
        status_code = {s: i for i, s in enumerate(STATUSES)}
        armament_code = {a: i for i, a in enumerate(ARMAMENTS)}
        basing_code = {b: i for i, b in enumerate(BASINGS)}
        facility_code = {f: i for i, f in enumerate(FACILITY_TYPES)}
        columns: dict[str, list[Any]] = {name: [] for name in _COLUMN_DTYPES}
        for item in items:
            system_type = _system_type(item, catalog)
            if system_type is not None and system_type.id not in type_code:
                type_code[system_type.id] = len(types)
                types.append(system_type)
            if item.quantity > MAX_QUANTITY or (item.warheads or 0) > MAX_WARHEADS:
                raise ModelValidationError(
                    f"quantity at most {MAX_QUANTITY} and warheads at most {MAX_WARHEADS}",
                    item=item.label,
                    field="quantity" if item.quantity > MAX_QUANTITY else "warheads",
                )
            facility = inventory.facilities.get(item.facility) if item.facility else None
            armament = effective_armament(item, system_type)
            basing = effective_basing(item, system_type)
            capacity = effective_lrna_capacity(item, system_type)
            columns["party"].append(party_code[item.party])
            columns["kind"].append(kind_code[item.kind])
            columns["status"].append(status_code[item.status])
            columns["armament"].append(NO_ARMAMENT if armament is None else armament_code[armament])
            columns["basing"].append(NO_BASING if basing is None else basing_code[basing])
            columns["facility_type"].append(
                NO_FACILITY_TYPE if facility is None else facility_code[facility.type]
            )
            columns["contained"].append(item.contained_in is not None)
            columns["type_index"].append(
                NO_TYPE if system_type is None else type_code[system_type.id]
            )
            columns["quantity"].append(item.quantity)
            columns["warheads"].append(item.warheads or 0)
            columns["lrna_capacity"].append(NO_CAPACITY if capacity is None else capacity)
        arrays = {
            name: np.array(values, dtype=_COLUMN_DTYPES[name]) for name, values in columns.items()
        }
        return cls(
            party_ids=party_ids,
            system_types=tuple(types),
            labels=[row_label(item) for item in items],
            **arrays,
        )


_COLUMN_DTYPES: dict[str, type[np.generic]] = {
    "party": np.int32,
    "kind": np.int8,
    "status": np.int8,
    "armament": np.int8,
    "basing": np.int8,
    "facility_type": np.int8,
    "contained": np.bool_,
    "type_index": np.int32,
    "quantity": np.int64,
    "warheads": np.int64,
    "lrna_capacity": np.int64,
}


def _int_or_missing(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    return value if isinstance(value, int) else NO_CAPACITY


def _system_type(item: Item, catalog: Catalog) -> SystemType | None:
    if item.system_type is None or item.kind is ItemKind.WARHEAD:
        return None
    system_type = catalog.get(item.system_type)
    if system_type is None:
        raise ModelValidationError(
            f"unknown system type {item.system_type!r}", item=item.label, field="system_type"
        )
    return system_type

"""A selector as a boolean mask over an InventoryTable.

The five enumerations selectors read most (kind, status, armament, basing, facility type) are
folded into one code per row, computed once per table; a selector's conditions on them become
one boolean table over that code (a few tens of thousands of entries), so any combination of
them costs a single lookup per row. Other fields are one vectorised test each."""

from __future__ import annotations

from enum import Enum

import numpy as np
import numpy.typing as npt

from treatyledger.rules.schema import Selector
from treatyledger.rules.table import (
    ARMAMENTS,
    BASINGS,
    FACILITY_TYPES,
    KINDS,
    NO_STATUS,
    ROLES,
    STATUSES,
    InventoryTable,
)

Mask = npt.NDArray[np.bool_]


#: The folded enumerations, outermost first: (selector field and column, members).
FOLDED_FIELDS: tuple[tuple[str, tuple[Enum, ...]], ...] = (
    ("kind", KINDS),
    ("status", STATUSES),
    ("armament", ARMAMENTS),
    ("basing", BASINGS),
    ("facility_type", FACILITY_TYPES),
)
_FOLDED_KEY = "folded enumeration code"


#: Role and the five flags, as one code: role (7 codes) then one bit per flag.
SECONDARY_FLAGS = ("contained", "identified", "loaded", "heavy_icbm", "lrna_equipped")


def folded_code(table: InventoryTable) -> npt.NDArray[np.int32]:
    """Per row, kind, status, armament, basing and facility type as one code (cached on the
    table)."""

    def compute() -> npt.NDArray[np.int32]:
        code = np.zeros(len(table), dtype=np.int32)
        for name, members in FOLDED_FIELDS:
            code *= len(members) + 1
            code += getattr(table, name)
        return code

    reads = frozenset(name for name, _ in FOLDED_FIELDS)
    return table.cached("folded code", reads, compute)


def flag_column(table: InventoryTable, name: str) -> npt.NDArray[np.bool_]:
    if name == "heavy_icbm":
        return table.type_attribute("heavy_icbm") == 1
    if name == "lrna_equipped":
        return table.lrna_capacity > 0
    column = getattr(table, name)
    assert column is not None  # every column is filled in by InventoryTable
    return column


def secondary_code(table: InventoryTable) -> npt.NDArray[np.uint8]:
    """Per row, role and the five flags as one byte (cached on the table)."""

    def compute() -> npt.NDArray[np.uint8]:
        assert table.role is not None
        code: npt.NDArray[np.uint8] = np.left_shift(
            table.role.view(np.uint8), np.uint8(len(SECONDARY_FLAGS))
        )
        for bit, name in enumerate(SECONDARY_FLAGS):
            code |= np.left_shift(flag_column(table, name).view(np.uint8), np.uint8(bit))
        return code

    reads = frozenset({"role", "contained", "identified", "loaded", "lrna_capacity", "type_index"})
    return table.cached("secondary code", reads, compute)


SECONDARY_SIZE = (len(ROLES) + 1) << len(SECONDARY_FLAGS)


def _secondary_lookup(selector: Selector) -> Mask | None:
    """The selector's conditions on role and flags as a table over the secondary code."""
    flags = {name: getattr(selector, name) for name in SECONDARY_FLAGS}
    if selector.role is None and all(flag is None for flag in flags.values()):
        return None
    codes = np.arange(SECONDARY_SIZE)
    lookup = np.ones(SECONDARY_SIZE, dtype=np.bool_)
    if selector.role is not None:
        lookup &= code_lookup(selector.role, ROLES)[codes >> len(SECONDARY_FLAGS)]
    for bit, name in enumerate(SECONDARY_FLAGS):
        if flags[name] is not None:
            lookup &= ((codes >> bit) & 1) == int(flags[name])
    return lookup


def _folded_lookup(selector: Selector) -> Mask | None:
    """The selector's conditions on the folded fields as a table over the folded code (None
    if it sets none of them)."""
    if all(getattr(selector, name) is None for name, _ in FOLDED_FIELDS):
        return None
    lookup = np.ones(1, dtype=np.bool_)
    for name, members in FOLDED_FIELDS:
        values = getattr(selector, name)
        field = (
            np.ones(len(members) + 1, dtype=np.bool_)
            if values is None
            else code_lookup(values, members)
        )
        lookup = (lookup[:, None] & field[None, :]).reshape(-1)
    return lookup


def selector_mask(table: InventoryTable, selector: Selector) -> Mask:
    """True on the rows every condition of ``selector`` holds for. ``container_status`` reads
    the ``status`` column of the row's container in the same table."""
    folded = _folded_lookup(selector)
    mask = np.ones(len(table), dtype=np.bool_) if folded is None else folded[folded_code(table)]
    secondary = _secondary_lookup(selector)
    if secondary is not None:
        mask &= secondary[secondary_code(table)]
    if selector.container_status is not None:
        assert table.container is not None
        status_of_container = np.append(table.status, np.int8(NO_STATUS))[table.container]
        mask &= code_lookup(selector.container_status, STATUSES)[status_of_container]
    return mask


def code_lookup(values: tuple[Enum, ...], members: tuple[Enum, ...]) -> Mask:
    """A lookup array over codes (the last entry is the "none" code): True where selected."""
    lookup = np.zeros(len(members) + 1, dtype=np.bool_)
    for value in values:
        lookup[members.index(value)] = True
    return lookup

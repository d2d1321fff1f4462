"""Treaty status derived from a rule set's definitions, over a whole InventoryTable at once.

Each definition is a selector over the *declared* row (kind, status, facility type, role,
containment, ...) and the treaty status and/or armament it gives. For each of the two
attributes, the first definition in rule-set order that matches a row and sets the attribute
decides it; a row no definition matches keeps its declared value. ``container_status`` reads
the treaty status of the row's container, so rows are derived container first: uncontained
rows, then the rows they hold, and so on (containment chains are at most four deep).

The result keeps, per row, which definition decided each attribute (-1: none), so counts and
explanations can say why an item has the status it is counted by.

Speed. Definitions read a handful of small enumerations, so each row is reduced to a key over
just the values the definitions mention (any other value of a field is one "other" code), the
first matching definition is computed once per key (a table over a few thousand keys) and
every row then takes its answer in one lookup. Containment is a short fixed point: the rows in
a container are looked up again with their container's treaty status until nothing changes
(at most the containment depth). A rule set whose key space would be too large falls back to
one mask per definition, level by level.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from treatyledger.rules.row_identities import NO_CONTAINER
from treatyledger.rules.schema import Definition, RuleSet, Selector
from treatyledger.rules.selectors import (
    FOLDED_FIELDS,
    SECONDARY_FLAGS,
    SECONDARY_SIZE,
    Mask,
    code_lookup,
    folded_code,
    secondary_code,
    selector_mask,
)
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

NO_DEFINITION = -1
#: Containment is at most warhead -> missile -> launcher -> submarine.
MAX_DEPTH = 4
#: Above this many keys the lookup table costs more than it saves.
MAX_KEYS = 1 << 20
#: Enumerated fields: (selector field, table column, members).
_ENUM_FIELDS = (
    ("kind", "kind", KINDS),
    ("status", "status", STATUSES),
    ("armament", "armament", ARMAMENTS),
    ("basing", "basing", BASINGS),
    ("facility_type", "facility_type", FACILITY_TYPES),
    ("role", "role", ROLES),
)
_FLAG_FIELDS = SECONDARY_FLAGS


@dataclass(frozen=True, eq=False)
class Derivation:
    """Per row: the treaty status and armament codes and the index (in
    ``rule_set.definitions``) of the definition that set each, ``NO_DEFINITION`` where the
    declared value stands. ``table`` is the inventory with the treaty values in its
    ``status`` and ``armament`` columns: what clauses count."""

    declared: InventoryTable
    table: InventoryTable
    definitions: tuple[Definition, ...]
    status_rule: npt.NDArray[np.int16]
    armament_rule: npt.NDArray[np.int16]

    def changed(self) -> Mask:
        """Rows whose treaty status or armament differs from the declared one."""
        return (self.table.status != self.declared.status) | (
            self.table.armament != self.declared.armament
        )


def derive(table: InventoryTable, rule_set: RuleSet, *, max_keys: int = MAX_KEYS) -> Derivation:
    """The treaty status and armament of every row under ``rule_set.definitions``."""
    definitions = rule_set.definitions
    n = len(table)
    if not definitions:
        no_rule = np.full(n, NO_DEFINITION, dtype=np.int16)
        return Derivation(table, table, definitions, no_rule, no_rule)
    keys = _key_space(definitions)
    if keys.size <= max_keys:
        return _derive_by_keys(table, definitions, keys)
    return _derive_by_masks(table, definitions)


@functools.lru_cache(maxsize=32)
def _key_space(definitions: tuple[Definition, ...]) -> _KeySpace:
    """One key space per rule set's definitions (they are immutable), with its rule tables."""
    return _KeySpace(definitions)


class _KeySpace:
    """The fields the definitions read, each reduced to the values they mention plus one
    "other" code, and the first definition setting status / armament for every key."""

    def __init__(self, definitions: tuple[Definition, ...]):
        selectors = [d.select for d in definitions] + [d.exclude for d in definitions if d.exclude]
        self.fields: list[tuple[str, npt.NDArray[np.int64], int]] = []  # name, value map, size
        for name, _, members in _ENUM_FIELDS:
            mentioned = sorted(
                {members.index(v) for sel in selectors for v in (getattr(sel, name) or ())}
            )
            if mentioned:
                self.fields.append(
                    (name, _value_map(mentioned, len(members) + 1), len(mentioned) + 1)
                )
        for name in _FLAG_FIELDS:
            if any(getattr(sel, name) is not None for sel in selectors):
                self.fields.append((name, np.arange(2, dtype=np.int64), 2))
        mentioned = sorted(
            {STATUSES.index(v) for d in definitions for v in (d.select.container_status or ())}
        )
        self.container = (
            (_value_map(mentioned, len(STATUSES) + 1), len(mentioned) + 1) if mentioned else None
        )
        self.size = int(np.prod([size for _, _, size in self.fields] + [self._container_size()]))
        self._definitions = definitions
        self._rules: tuple[npt.NDArray[np.int16], npt.NDArray[np.int16]] | None = None

    def _container_size(self) -> int:
        return 1 if self.container is None else self.container[1]

    def rules(self) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int16]]:
        """Per key, the first definition that sets status, and armament (-1: none); computed
        on first use."""
        if self._rules is None:
            self._rules = self._compute_rules()
        return self._rules

    def _compute_rules(self) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int16]]:
        shape = [size for _, _, size in self.fields] + [self._container_size()]
        grid = np.indices(shape, dtype=np.int64).reshape(len(shape), -1)
        codes = {name: grid[i] for i, (name, _, _) in enumerate(self.fields)}
        status_rule = np.full(self.size, NO_DEFINITION, dtype=np.int16)
        armament_rule = np.full(self.size, NO_DEFINITION, dtype=np.int16)
        for index, definition in enumerate(self._definitions):
            match = self._matches(definition.select, codes, grid[-1])
            if definition.exclude is not None:
                match &= ~self._matches(definition.exclude, codes, grid[-1])
            for value, rule in (
                (definition.status, status_rule),
                (definition.armament, armament_rule),
            ):
                if value is not None:
                    rule[match & (rule == NO_DEFINITION)] = index
        return status_rule, armament_rule

    def _matches(
        self,
        selector: Selector,
        codes: dict[str, npt.NDArray[np.int64]],
        container: npt.NDArray[np.int64],
    ) -> Mask:
        mask = np.ones(self.size, dtype=np.bool_)
        value_maps = {name: value_map for name, value_map, _ in self.fields}
        for name, _, members in _ENUM_FIELDS:
            values = getattr(selector, name)
            if values is not None:
                wanted = value_maps[name][[members.index(v) for v in values]]
                mask &= np.isin(codes[name], wanted)
        for name in _FLAG_FIELDS:
            flag = getattr(selector, name)
            if flag is not None:
                mask &= codes[name] == int(flag)
        if selector.container_status is not None:
            assert self.container is not None
            wanted = self.container[0][[STATUSES.index(v) for v in selector.container_status]]
            mask &= np.isin(container, wanted)
        return mask

    def row_keys(self, table: InventoryTable) -> npt.NDArray[np.int32]:
        """Each row's key without its container part (added per pass): one lookup over the
        folded code and one over the secondary code (rules.selectors), each table giving the
        key's share of the fields it holds."""
        by_folded, by_secondary = self._key_tables()
        key = by_folded[folded_code(table)]
        if by_secondary.any():
            key += by_secondary[secondary_code(table)]
        return key

    @functools.cached_property
    def _key_tables_cached(self) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        place = self._container_size()
        places: dict[str, int] = {}
        for name, _, size in reversed(self.fields):
            places[name] = place
            place *= size
        shares = {
            name: (value_map * places[name]).astype(np.int32) for name, value_map, _ in self.fields
        }
        folded = [name for name, _ in FOLDED_FIELDS]
        grid = np.indices([len(m) + 1 for _, m in FOLDED_FIELDS]).reshape(len(folded), -1)
        by_folded = np.zeros(grid.shape[1], dtype=np.int32)
        secondary = np.arange(SECONDARY_SIZE)
        by_secondary = np.zeros(SECONDARY_SIZE, dtype=np.int32)
        for name, share in shares.items():
            if name in folded:
                by_folded += share[grid[folded.index(name)]]
            elif name == "role":
                by_secondary += share[secondary >> len(SECONDARY_FLAGS)]
            else:
                by_secondary += share[(secondary >> SECONDARY_FLAGS.index(name)) & 1]
        return by_folded, by_secondary

    def _key_tables(self) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        """Folded code -> key share, secondary code -> key share (computed once)."""
        return self._key_tables_cached


def _value_map(mentioned: list[int], codes: int) -> npt.NDArray[np.int64]:
    """Code -> reduced code: the mentioned values 0..k-1, every other code k."""
    value_map = np.full(codes, len(mentioned), dtype=np.int64)
    value_map[mentioned] = np.arange(len(mentioned))
    return value_map


def _derive_by_keys(
    table: InventoryTable, definitions: tuple[Definition, ...], keys: _KeySpace
) -> Derivation:
    status_by_key, armament_by_key = keys.rules()
    status_of = _values(STATUSES, [d.status for d in definitions])
    armament_of = _values(ARMAMENTS, [d.armament for d in definitions])
    key = keys.row_keys(table)
    if keys.container is not None:
        key = _with_container_status(table, keys, key, status_by_key, status_of)
    status_rule = status_by_key[key]
    armament_rule = armament_by_key[key]
    derived = table.with_columns(
        status=_apply(table.status, status_rule, status_of),
        armament=_apply(table.armament, armament_rule, armament_of),
    )
    return Derivation(table, derived, definitions, status_rule, armament_rule)


def _values(members: tuple[Any, ...], values: list[Any]) -> npt.NDArray[np.int8]:
    """Definition index -> the code it sets (-1 where it sets none)."""
    return np.array([-1 if v is None else members.index(v) for v in values], dtype=np.int8)


def _apply(
    declared: npt.NDArray[np.int8], rule: npt.NDArray[np.int16], value_of: npt.NDArray[np.int8]
) -> npt.NDArray[np.int8]:
    """The declared codes, replaced where a definition decided."""
    if not (value_of >= 0).any():
        return declared
    return np.where(rule == NO_DEFINITION, declared, value_of[rule]).astype(np.int8)


def _with_container_status(
    table: InventoryTable,
    keys: _KeySpace,
    key: npt.NDArray[np.int32],
    status_by_key: npt.NDArray[np.int16],
    status_of: npt.NDArray[np.int8],
) -> npt.NDArray[np.int32]:
    """The full keys: every row first as if uncontained, then the rows in a container again
    with their container's treaty status, until nothing changes (at most the depth)."""
    assert keys.container is not None and table.container is not None
    container_code = keys.container[0].astype(np.int32)
    key = key + container_code[NO_STATUS]
    inside = np.flatnonzero(table.container != NO_CONTAINER)
    if inside.size == 0:
        return key
    holders = table.container[inside]
    base = key[inside] - container_code[NO_STATUS]
    for _ in range(MAX_DEPTH + 1):
        holder_status = _apply(table.status[holders], status_by_key[key[holders]], status_of)
        again = base + container_code[holder_status]
        if np.array_equal(again, key[inside]):
            break
        key[inside] = again
    return key


def _derive_by_masks(table: InventoryTable, definitions: tuple[Definition, ...]) -> Derivation:
    """One mask per definition, level by level (for rule sets whose key space is too big)."""
    n = len(table)
    status_rule = np.full(n, NO_DEFINITION, dtype=np.int16)
    armament_rule = np.full(n, NO_DEFINITION, dtype=np.int16)
    status = table.status.copy()
    armament = table.armament.copy()
    # conditions on the declared row do not change between levels: computed once
    masks: dict[Selector, Mask] = {}
    static = [_static_mask(table, d, masks) for d in definitions]
    for level in _levels(table, definitions):
        container_status = _container_status(table, status)
        for index, definition in enumerate(definitions):
            match = static[index] & level
            if _uses_container_status(definition):
                match &= _container_match(definition, container_status)
            if definition.status is not None:
                decide = match & (status_rule == NO_DEFINITION)
                status[decide] = STATUSES.index(definition.status)
                status_rule[decide] = index
            if definition.armament is not None:
                decide = match & (armament_rule == NO_DEFINITION)
                armament[decide] = ARMAMENTS.index(definition.armament)
                armament_rule[decide] = index
    derived = table.with_columns(status=status, armament=armament)
    return Derivation(table, derived, definitions, status_rule, armament_rule)


def _static_mask(
    table: InventoryTable, definition: Definition, masks: dict[Selector, Mask]
) -> Mask:
    """The definition's conditions on the declared row, ``container_status`` left out: it
    depends on the derivation of the container and is matched level by level (the schema
    keeps it out of a definition's ``exclude``)."""
    select = _without_container_status(definition.select)
    mask = masks.get(select)
    if mask is None:
        mask = masks[select] = selector_mask(table, select)
    if definition.exclude is not None:
        mask = mask & ~selector_mask(table, definition.exclude)
    return mask


def _uses_container_status(definition: Definition) -> bool:
    return definition.select.container_status is not None


def _container_match(definition: Definition, container_status: npt.NDArray[np.int8]) -> Mask:
    assert definition.select.container_status is not None
    return code_lookup(definition.select.container_status, STATUSES)[container_status]


def _without_container_status(selector: Selector) -> Selector:
    if selector.container_status is None:
        return selector
    return selector.model_copy(update={"container_status": None})


def _container_status(table: InventoryTable, status: npt.NDArray[np.int8]) -> npt.NDArray[np.int8]:
    """Per row, the (derived so far) status code of its container; NO_STATUS if none."""
    container = table.container
    assert container is not None  # filled in by InventoryTable
    padded = np.append(status, np.int8(NO_STATUS))  # index -1 picks the "none" entry
    return padded[container]


def _levels(table: InventoryTable, definitions: tuple[Definition, ...]) -> list[Mask]:
    """Row masks in derivation order: one level of all rows when no definition reads a
    container's status, else by containment depth (uncontained rows first)."""
    everything = np.ones(len(table), dtype=np.bool_)
    if len(table) == 0 or not any(_uses_container_status(d) for d in definitions):
        return [everything]
    container = table.container
    assert container is not None
    depth = np.zeros(len(table), dtype=np.int8)
    holder = container.copy()
    for _ in range(MAX_DEPTH):
        inside = holder != NO_CONTAINER
        if not inside.any():
            break
        depth[inside] += 1
        holder = np.where(inside, np.append(container, NO_CONTAINER)[holder], NO_CONTAINER)
    return [depth == level for level in range(int(depth.max()) + 1)]

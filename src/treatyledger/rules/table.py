"""A columnar view of an inventory: one numpy array per field the rule sets select on, so
every clause is a handful of vectorised masks instead of a loop over items.

Enumerations are stored as small integer codes (the member's position in its enum; one extra
code for "none"). Values that fall back to the system type are resolved once, here:
``basing`` (the row's override, else the type's), ``armament`` (see ``effective_armament``),
``lrna_capacity`` (the row's value, else the type's) and ``facility_type`` (a contained item
is where its outermost container is, unless the row names its own facility).

Containment is known for rows with a UID only: ``identified`` marks them, ``container`` is the
row index of the item's container (-1: none) and ``loaded`` says the item holds another item
or carries warheads. A row without a UID stands for items whose containment is not declared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from treatyledger.model.catalog import Catalog, SystemType
from treatyledger.model.errors import ModelValidationError
from treatyledger.model.items import Inventory, Item, capacity_problem
from treatyledger.model.kinds import Armament, Basing, FacilityType, ItemKind, Role, Status
from treatyledger.rules.row_identities import (
    NO_CONTAINER,
    UNKNOWN_CONTAINER,
    CodedNames,
    RowIdentities,
    RowLabels,
    outermost_facilities,
)

KINDS: tuple[ItemKind, ...] = tuple(ItemKind)
STATUSES: tuple[Status, ...] = tuple(Status)
ARMAMENTS: tuple[Armament, ...] = tuple(Armament)
BASINGS: tuple[Basing, ...] = tuple(Basing)
FACILITY_TYPES: tuple[FacilityType, ...] = tuple(FacilityType)
ROLES: tuple[Role, ...] = tuple(Role)
#: The "none" code of each optional enumeration column.
NO_ARMAMENT = len(ARMAMENTS)
NO_BASING = len(BASINGS)
NO_FACILITY_TYPE = len(FACILITY_TYPES)
NO_ROLE = len(ROLES)
NO_STATUS = len(STATUSES)  # the container status of an uncontained row
#: What a cached system-type attribute reads.
_TYPE_COLUMNS = frozenset({"type_index", "system_types"})
NO_TYPE = -1
NO_CAPACITY = -1

#: Bounds that keep int64 arithmetic exact (quantity x warheads x rows).
MAX_QUANTITY = 2**31 - 1
MAX_WARHEADS = 2**16

IntArray = npt.NDArray[np.int64]
T = TypeVar("T")


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
    ``kind``/``status``/``armament``/``basing``/``facility_type``/``role`` are enum codes
    (see the module constants); ``warheads`` is 0 where none is declared and
    ``warheads_declared`` says where one is; ``lrna_capacity`` is -1 where none is known.
    ``identified``, ``container`` and ``loaded`` describe containment (module docstring).
    ``labels`` name rows in explanations (default ``row N``), ``facility_ids`` their
    facilities. Columns left out default to: no role, no UID, no container, not loaded,
    warheads declared.
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
    role: npt.NDArray[np.int8] | None = None
    identified: npt.NDArray[np.bool_] | None = None
    container: npt.NDArray[np.int32] | None = None
    loaded: npt.NDArray[np.bool_] | None = None
    warheads_declared: npt.NDArray[np.bool_] | None = None
    labels: Sequence[str] | None = None
    facility_ids: Sequence[str | None] | None = None
    #: values computed from columns, once per table: name -> (the columns it reads, value)
    _cache: dict[str, tuple[frozenset[str], Any]] = field(
        default_factory=dict, repr=False, init=False
    )

    def __post_init__(self) -> None:
        n = len(self.party)
        for name, fill, dtype in (
            ("role", NO_ROLE, np.int8),
            ("identified", False, np.bool_),
            ("container", NO_CONTAINER, np.int32),
            ("loaded", False, np.bool_),
            ("warheads_declared", True, np.bool_),
        ):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.full(n, fill, dtype=dtype))
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
            "role",
            "identified",
            "container",
            "loaded",
            "warheads_declared",
        ):
            if len(getattr(self, name)) != n:
                raise ValueError(f"column {name} has {len(getattr(self, name))} rows, want {n}")
        for name in ("labels", "facility_ids"):
            values = getattr(self, name)
            if values is not None and len(values) != n:
                raise ValueError(f"{name} has {len(values)} rows, want {n}")
        if n and (self.quantity.min() < 0 or self.warheads.min() < 0):
            raise ValueError("quantity and warheads must not be negative")

    def __len__(self) -> int:
        return len(self.party)

    def label(self, row: int) -> str:
        return self.labels[row] if self.labels is not None else f"row {row}"

    def facility_id(self, row: int) -> str | None:
        return self.facility_ids[row] if self.facility_ids is not None else None

    def with_columns(self, **columns: Any) -> InventoryTable:
        """The same rows with some columns replaced (the derived status, say); the arrays not
        replaced are shared, not copied, and so are the cached values that read none of the
        replaced columns."""
        table = replace(self, **columns)
        replaced = set(columns)
        for name, (reads, value) in self._cache.items():
            if not reads & replaced:
                table._cache[name] = (reads, value)
        return table

    def cached(self, name: str, reads: frozenset[str], compute: Callable[[], Any]) -> Any:
        """``compute()`` once per table; ``reads`` names the columns it depends on."""
        entry = self._cache.get(name)
        if entry is None:
            entry = self._cache[name] = (reads, compute())
        return entry[1]

    def attribute_missing(self, name: str) -> npt.NDArray[np.bool_]:
        """Rows whose system type has no value of the named attribute (cached)."""
        return self.cached(
            f"missing {name}", _TYPE_COLUMNS, lambda: self.type_attribute(name) == NO_CAPACITY
        )

    def type_attribute(self, name: str) -> IntArray:
        """Per row, the named system-type attribute; -1 where the row has no type or the type
        has no value (cached)."""

        def compute() -> IntArray:
            values = [_int_or_missing(getattr(t, name)) for t in self.system_types]
            # the extra last entry is what type_index -1 picks: "no value"
            by_type = np.array([*values, NO_CAPACITY], dtype=np.int64)
            return by_type[self.type_index]

        return self.cached(f"type {name}", _TYPE_COLUMNS, compute)

    @classmethod
    def from_inventory(
        cls, inventory: Inventory, catalog: Catalog, cache: TableCache | None = None
    ) -> InventoryTable:
        """Resolve every row's system type and fallbacks once. Unknown types, a load beyond a
        type's physical capacity and a container no row has are errors naming the item.
        ``cache``: what an earlier table of a similar inventory resolved (``TableCache``)."""
        items = inventory.items
        resolved = _resolve(items, catalog) if cache is None else cache.resolve(items, catalog)
        return cls._assemble(
            resolved,
            np.arange(len(items), dtype=np.intp),
            RowIdentities(
                uids=[item.uid for item in items],
                facilities=[item.facility for item in items],
                contained_in=[item.contained_in for item in items],
            ),
            {facility_id: f.type for facility_id, f in inventory.facilities.items()},
        )

    @classmethod
    def from_templates(
        cls,
        templates: Sequence[Item],
        template_of_row: npt.NDArray[np.intp],
        identities: RowIdentities,
        facility_types: Mapping[str, FacilityType],
        catalog: Catalog,
    ) -> InventoryTable:
        """A table whose rows share a few validated template items and differ only in their
        identity (UID, facility, container), as the rows of a large inventory file do: the
        type, fallbacks and bounds are resolved once per template, not once per row.
        ``template_of_row[r]`` is row r's template; a template's own UID, facility and
        container are not read (``identities`` gives every row's)."""
        resolved = _resolve(templates, catalog)
        return cls._assemble(resolved, template_of_row, identities, facility_types)

    @classmethod
    def _assemble(
        cls,
        resolved: Resolved,
        template_of_row: npt.NDArray[np.intp],
        identities: RowIdentities,
        facility_types: Mapping[str, FacilityType],
    ) -> InventoryTable:
        which = np.asarray(template_of_row, dtype=np.intp)
        arrays = {name: values[which] for name, values in resolved.columns.items()}
        codes_of = _enum_codes()
        party_ids, types, template_labels = resolved.party_ids, resolved.types, resolved.labels
        labels = RowLabels(identities.uids, which, template_labels)
        container = _container_rows(identities, labels, arrays["party"])
        arrays["container"] = container
        arrays["identified"] = identities.identified
        arrays["contained"] = container != NO_CONTAINER
        loaded = arrays["warheads"] > 0
        loaded[container[container != NO_CONTAINER]] = True
        arrays["loaded"] = loaded
        names, codes = identities.facility_codes
        # a contained item is where its outermost container is (chains are at most four
        # deep: warhead, missile, launcher, submarine)
        found, _ = outermost_facilities(codes, container, len(KINDS))
        type_codes = codes_of["facility_type"]
        type_of_code = np.array(
            [
                NO_FACILITY_TYPE
                if name is None or name not in facility_types
                else type_codes[facility_types[name]]
                for name in names
            ],
            dtype=np.int8,
        )
        arrays["facility_type"] = type_of_code[found]
        facility_ids = CodedNames(names, found)
        return cls(
            party_ids=party_ids,
            system_types=types,
            labels=labels,
            facility_ids=facility_ids,
            **arrays,
        )


@dataclass(frozen=True)
class Resolved:
    """What a table takes from its templates: per template, the columns that follow from the
    item and its type alone (``party`` and ``type_index`` coded into ``party_ids`` and
    ``types``), and its label."""

    party_ids: tuple[str, ...]
    types: tuple[SystemType, ...]
    columns: dict[str, npt.NDArray[Any]]
    labels: list[str]


def _resolve(templates: Sequence[Item], catalog: Catalog) -> Resolved:
    party_ids = tuple(sorted({item.party for item in templates}))
    party_code = {p: i for i, p in enumerate(party_ids)}
    types: list[SystemType] = []
    type_code: dict[str, int] = {}
    codes_of = _enum_codes()
    per_template: dict[str, list[Any]] = {name: [] for name in _TEMPLATE_COLUMNS}
    for item in templates:
        system_type = _system_type(item, catalog)
        if system_type is not None and system_type.id not in type_code:
            type_code[system_type.id] = len(types)
            types.append(system_type)
        _check_bounds(item, system_type)
        type_index = NO_TYPE if system_type is None else type_code[system_type.id]
        values = _row_columns(item, system_type, type_index, codes_of)
        values["party"] = party_code[item.party]
        for name in _TEMPLATE_COLUMNS:
            per_template[name].append(values[name])
    columns = {
        name: np.array(values, dtype=_COLUMN_DTYPES[name]) for name, values in per_template.items()
    }
    return Resolved(party_ids, tuple(types), columns, [row_label(item) for item in templates])


class TableCache:
    """What ``InventoryTable.from_inventory`` resolved per item (its template columns and
    label), kept for the items of the last table built with it, so that a table of the same
    inventory with a few items added or changed resolves only those (the node counts today's
    growing inventory once a second: resolving every item was most of a count). Items are
    frozen and the ledger's item index hands out the same object until the item changes, so an
    item is known by identity; the cache holds the items, so no identity is reused while it
    does. Its party and type codes only grow; each table gets them compacted to what
    ``_resolve`` gives (parties sorted, types in order of first use)."""

    def __init__(self) -> None:
        self._catalog: Catalog | None = None
        self._reset()
        #: items resolved by the last ``resolve`` (the rest were known)
        self.resolved = 0

    def _reset(self) -> None:
        self._items: Sequence[Item] = ()
        self._row_of: dict[int, int] = {}
        self._parties: list[str] = []
        self._types: list[SystemType] = []
        self._columns: dict[str, npt.NDArray[Any]] = {}
        self._labels: npt.NDArray[np.object_] = np.array([], dtype=object)

    def resolve(self, items: Sequence[Item], catalog: Catalog) -> Resolved:
        if catalog is not self._catalog:  # another catalog: nothing resolved holds
            self._reset()
            self._catalog = catalog
        known = self._row_of
        rows = np.fromiter((known.get(id(item), -1) for item in items), np.intp, len(items))
        new = np.flatnonzero(rows < 0)
        if self._items:  # a new item's row (-1) takes the last one's values until set below
            columns = {name: values[rows] for name, values in self._columns.items()}
            labels = self._labels[rows]
        else:
            columns = {n: np.zeros(len(items), _COLUMN_DTYPES[n]) for n in _TEMPLATE_COLUMNS}
            labels = np.empty(len(items), dtype=object)
        if new.size:
            fresh = [items[int(r)] for r in new]
            found = _resolve(fresh, catalog)
            parties = self._codes(self._parties, found.party_ids, lambda p: p)
            types = self._codes(self._types, found.types, lambda t: t.id)
            for name, values in found.columns.items():
                if name == "party":
                    values = parties[values]
                elif name == "type_index":
                    values = np.append(types, NO_TYPE)[values]  # NO_TYPE (-1): the last
                columns[name][new] = values
            labels[new] = found.labels
        self._items, self._columns, self._labels, self.resolved = items, columns, labels, new.size
        self._row_of = {id(item): row for row, item in enumerate(items)}
        return self._compacted(columns, labels)

    @staticmethod
    def _codes(known: list[T], found: Sequence[T], key: Callable[[T], object]) -> IntArray:
        """The cache's code of each of ``found``, new ones appended to ``known``."""
        code_of = {key(value): code for code, value in enumerate(known)}
        for value in found:
            if key(value) not in code_of:
                code_of[key(value)] = len(known)
                known.append(value)
        return np.array([code_of[key(value)] for value in found], dtype=np.int64)

    def _compacted(
        self, columns: dict[str, npt.NDArray[Any]], labels: npt.NDArray[np.object_]
    ) -> Resolved:
        party, type_index = columns["party"], columns["type_index"]
        used = np.unique(party)
        party_ids = tuple(sorted(self._parties[int(c)] for c in used))
        party_map = np.zeros(len(self._parties), dtype=np.int32)
        party_map[used] = [party_ids.index(self._parties[int(c)]) for c in used]
        typed = type_index >= 0
        codes, first = np.unique(type_index[typed], return_index=True)
        order = codes[np.argsort(first, kind="stable")]  # in order of first use, as _resolve
        type_map = np.full(len(self._types) + 1, NO_TYPE, dtype=np.int32)  # last: no type
        type_map[order] = np.arange(len(order), dtype=np.int32)
        compact = dict(columns)
        compact["party"] = party_map[party]
        compact["type_index"] = type_map[type_index]  # NO_TYPE (-1) picks the last entry
        types = tuple(self._types[int(c)] for c in order)
        return Resolved(party_ids, types, compact, labels.tolist())


def _row_columns(
    item: Item, system_type: SystemType | None, type_index: int, codes: dict[str, dict[Any, int]]
) -> dict[str, Any]:
    """One row's column values that follow from the item and its type alone."""
    armament = effective_armament(item, system_type)
    basing = effective_basing(item, system_type)
    capacity = effective_lrna_capacity(item, system_type)
    return {
        "kind": codes["kind"][item.kind],
        "status": codes["status"][item.status],
        "armament": NO_ARMAMENT if armament is None else codes["armament"][armament],
        "basing": NO_BASING if basing is None else codes["basing"][basing],
        "role": codes["role"].get(item.role, NO_ROLE) if item.role else NO_ROLE,
        "contained": item.contained_in is not None,
        "identified": item.uid is not None,
        "type_index": type_index,
        "quantity": item.quantity,
        "warheads": item.warheads or 0,
        "warheads_declared": item.warheads is not None,
        "lrna_capacity": NO_CAPACITY if capacity is None else capacity,
    }


def _enum_codes() -> dict[str, dict[Any, int]]:
    return {
        name: {member: i for i, member in enumerate(members)}
        for name, members in (
            ("kind", KINDS),
            ("status", STATUSES),
            ("armament", ARMAMENTS),
            ("basing", BASINGS),
            ("facility_type", FACILITY_TYPES),
            ("role", ROLES),
        )
    }


def _check_bounds(item: Item, system_type: SystemType | None) -> None:
    if item.quantity > MAX_QUANTITY or (item.warheads or 0) > MAX_WARHEADS:
        raise ModelValidationError(
            f"quantity at most {MAX_QUANTITY} and warheads at most {MAX_WARHEADS}",
            item=item.label,
            field="quantity" if item.quantity > MAX_QUANTITY else "warheads",
        )
    problem = capacity_problem(item, system_type)
    if problem is not None:
        raise ModelValidationError(problem[1], item=item.label, field=problem[0])


def _container_rows(
    identities: RowIdentities, labels: Sequence[str], parties: npt.NDArray[Any]
) -> npt.NDArray[np.int32]:
    """Each row's container row (NO_CONTAINER: none); a container no row has is an error. A
    UID names an item within its party, and containment never crosses parties: a row's
    container is the row of (its party, the UID)."""
    if identities.row_of_uid is None:  # one UID in two parties: look up by (party, UID)
        return _container_rows_by_party(identities, labels, parties)
    holders = identities.holder_rows
    contained = holders != NO_CONTAINER
    faulty = contained & (
        (holders == UNKNOWN_CONTAINER) | (parties[np.maximum(holders, 0)] != parties)
    )
    if faulty.any():
        row = int(np.flatnonzero(faulty)[0])
        raise _unknown_container(identities.contained_in[row], labels[row])
    return holders.astype(np.int32)


def _container_rows_by_party(
    identities: RowIdentities, labels: Sequence[str], parties: npt.NDArray[Any]
) -> npt.NDArray[np.int32]:
    party_of = parties.tolist()
    row_of_uid = {
        (party_of[row], uid): row for row, uid in enumerate(identities.uids) if uid is not None
    }
    container = np.full(len(labels), NO_CONTAINER, dtype=np.int32)
    for row, holder in enumerate(identities.contained_in):
        if holder is None:
            continue
        found = row_of_uid.get((party_of[row], holder))
        if found is None:
            raise _unknown_container(holder, labels[row])
        container[row] = found
    return container


def _unknown_container(holder: str | None, label: str) -> ModelValidationError:
    return ModelValidationError(
        f"contained_in names {holder!r}, which no item of the inventory has",
        item=label,
        field="contained_in",
    )


#: Columns computed from a row's UID, facility and container, not from its template.
_IDENTITY_COLUMNS = frozenset({"container", "identified", "contained", "loaded", "facility_type"})

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
    "role": np.int8,
    "identified": np.bool_,
    "container": np.int32,
    "loaded": np.bool_,
    "warheads_declared": np.bool_,
}


#: the columns a row takes from its template (the others follow from its identity)
_TEMPLATE_COLUMNS = tuple(name for name in _COLUMN_DTYPES if name not in _IDENTITY_COLUMNS)


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

"""A naive evaluator: one Python loop over rows per clause, written straight from the rule
text with no vectorisation. It is the oracle the property tests hold the engine to and the
baseline the benchmark measures the engine against; it is not used for real counting.

It shares only the fallbacks of ``treatyledger.rules.table`` (effective basing, armament and
ALCM capacity), which define what a row *is*, not how rules count it. The treaty status of a
row is derived here by recursion (a row's container first, memoised), not level by level as
``rules.derive`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

from treatyledger.model.catalog import Catalog, SystemType
from treatyledger.model.items import Inventory
from treatyledger.model.kinds import Armament, Basing, FacilityType, ItemKind, Role, Status
from treatyledger.rules.engine import CategoryCount, CountResult, PartyCount
from treatyledger.rules.errors import CountingError
from treatyledger.rules.schema import Clause, Definition, Method, RuleSet, Selector
from treatyledger.rules.table import (
    ARMAMENTS,
    BASINGS,
    FACILITY_TYPES,
    KINDS,
    ROLES,
    STATUSES,
    InventoryTable,
    effective_armament,
    effective_basing,
    effective_lrna_capacity,
)


class Row(NamedTuple):
    party: str
    kind: ItemKind
    status: Status
    armament: Armament | None
    basing: Basing | None
    facility_type: FacilityType | None
    contained: bool
    system_type: SystemType | None
    quantity: int
    warheads: int
    lrna_capacity: int | None
    role: Role | None = None
    identified: bool = False
    container: int | None = None  # index of the container's row
    loaded: bool = False


def rows_of(inventory: Inventory, catalog: Catalog) -> list[Row]:
    rows = []
    items = inventory.items
    index_of = {(item.party, item.uid): i for i, item in enumerate(items) if item.uid}
    holders = {(item.party, item.contained_in) for item in items if item.contained_in}
    for item in items:
        system_type = (
            catalog.resolve(item.system_type)
            if item.system_type is not None and item.kind is not ItemKind.WARHEAD
            else None
        )
        place, holder = item.facility, item
        while place is None and holder.contained_in is not None:
            holder = items[index_of[(holder.party, holder.contained_in)]]
            place = holder.facility
        facility = inventory.facilities.get(place) if place else None
        rows.append(
            Row(
                party=item.party,
                kind=item.kind,
                status=item.status,
                armament=effective_armament(item, system_type),
                basing=effective_basing(item, system_type),
                facility_type=facility.type if facility is not None else None,
                contained=item.contained_in is not None,
                system_type=system_type,
                quantity=item.quantity,
                warheads=item.warheads or 0,
                lrna_capacity=effective_lrna_capacity(item, system_type),
                role=item.role,
                identified=item.uid is not None,
                container=index_of[(item.party, item.contained_in)] if item.contained_in else None,
                loaded=(item.party, item.uid) in holders or bool(item.warheads),
            )
        )
    return rows


def rows_of_table(table: InventoryTable) -> list[Row]:
    """Decode a columnar table back into rows (for benchmarks built from arrays)."""

    def decode(members: Sequence[object], code: int) -> object:
        return members[code] if code < len(members) else None

    rows = []
    columns = zip(
        table.party.tolist(),
        table.kind.tolist(),
        table.status.tolist(),
        table.armament.tolist(),
        table.basing.tolist(),
        table.facility_type.tolist(),
        table.contained.tolist(),
        table.type_index.tolist(),
        table.quantity.tolist(),
        table.warheads.tolist(),
        table.lrna_capacity.tolist(),
        strict=True,
    )
    assert table.role is not None and table.container is not None
    assert table.identified is not None and table.loaded is not None
    extra = zip(
        table.role.tolist(),
        table.identified.tolist(),
        table.container.tolist(),
        table.loaded.tolist(),
        strict=True,
    )
    for (party, kind, status, arm, basing, fac, contained, type_i, qty, wh, cap), (
        role,
        identified,
        container,
        loaded,
    ) in zip(columns, extra, strict=True):
        rows.append(
            Row(
                party=table.party_ids[party],
                kind=KINDS[kind],
                status=STATUSES[status],
                armament=decode(ARMAMENTS, arm),  # type: ignore[arg-type]
                basing=decode(BASINGS, basing),  # type: ignore[arg-type]
                facility_type=decode(FACILITY_TYPES, fac),  # type: ignore[arg-type]
                contained=contained,
                system_type=table.system_types[type_i] if type_i >= 0 else None,
                quantity=qty,
                warheads=wh,
                lrna_capacity=cap if cap >= 0 else None,
                role=decode(ROLES, role),  # type: ignore[arg-type]
                identified=identified,
                container=container if container >= 0 else None,
                loaded=loaded,
            )
        )
    return rows


def reference_derive(rows: Sequence[Row], rule_set: RuleSet) -> list[Row]:
    """Each row with its treaty status and armament: for each attribute, the first
    definition (in file order) that matches the declared row and sets it; the container's
    treaty status is its own derivation, computed first (by recursion, memoised)."""
    derived: dict[int, Row] = {}

    def treaty_row(index: int) -> Row:
        if index not in derived:
            row = rows[index]
            container = None if row.container is None else treaty_row(row.container).status
            status, armament = row.status, row.armament
            status_set = armament_set = False
            for definition in rule_set.definitions:
                if not _defines(row, definition, container):
                    continue
                if definition.status is not None and not status_set:
                    status, status_set = definition.status, True
                if definition.armament is not None and not armament_set:
                    armament, armament_set = definition.armament, True
            derived[index] = row._replace(status=status, armament=armament)
        return derived[index]

    return [treaty_row(i) for i in range(len(rows))]


def _defines(row: Row, definition: Definition, container_status: Status | None) -> bool:
    if not _matches(row, definition.select, container_status):
        return False
    return definition.exclude is None or not _matches(row, definition.exclude, container_status)


def reference_count(
    rows: Iterable[Row], rule_set: RuleSet, *, as_of: date | None = None
) -> CountResult:
    rows = reference_derive(list(rows), rule_set)
    statuses = [row.status for row in rows]
    parties = sorted({row.party for row in rows})
    totals = {party: {category.id: 0 for category in rule_set.categories} for party in parties}
    for category in rule_set.categories:
        for clause in category.clauses:
            units_seen = dict.fromkeys(parties, 0)  # for tiered clauses, per party
            for row in rows:
                container = None if row.container is None else statuses[row.container]
                if not _matches(row, clause.select, container):
                    continue
                if clause.exclude is not None and _matches(row, clause.exclude, container):
                    continue
                amount = 0
                for _unit in range(row.quantity) if clause.method is Method.TIERED else ():
                    amount += _tiered_unit(row, clause, units_seen[row.party])
                    units_seen[row.party] += 1
                if clause.method is not Method.TIERED:
                    amount = row.quantity * _per_unit(row, clause)
                totals[row.party][category.id] += amount
    result = {}
    for party in parties:
        categories = {}
        for category in rule_set.categories:
            limit = rule_set.limit_for(category.id, as_of)
            total = totals[party][category.id]
            within = None if limit is None else total <= limit
            categories[category.id] = CategoryCount(total, limit, within)
        result[party] = PartyCount(categories)
    return CountResult(rule_set=rule_set.id, as_of=as_of, parties=result)


def _matches(row: Row, selector: Selector, container_status: Status | None = None) -> bool:
    if selector.kind is not None and row.kind not in selector.kind:
        return False
    if not _matches_flags(row, selector, container_status):
        return False
    if selector.status is not None and row.status not in selector.status:
        return False
    if selector.armament is not None and row.armament not in selector.armament:
        return False
    if selector.basing is not None and row.basing not in selector.basing:
        return False
    if selector.facility_type is not None and row.facility_type not in selector.facility_type:
        return False
    if selector.role is not None and row.role not in selector.role:
        return False
    if selector.heavy_icbm is not None:
        heavy = row.system_type is not None and row.system_type.heavy_icbm
        if heavy != selector.heavy_icbm:
            return False
    return selector.contained is None or row.contained == selector.contained


def _matches_flags(row: Row, selector: Selector, container_status: Status | None) -> bool:
    if selector.identified is not None and row.identified != selector.identified:
        return False
    if selector.loaded is not None and row.loaded != selector.loaded:
        return False
    if selector.lrna_equipped is not None:
        equipped = row.lrna_capacity is not None and row.lrna_capacity > 0
        if equipped != selector.lrna_equipped:
            return False
    if selector.container_status is not None:
        return container_status is not None and container_status in selector.container_status
    return True


def _per_unit(row: Row, clause: Clause) -> int:
    if clause.method is Method.COUNT:
        return 1
    if clause.method is Method.SUM_WARHEADS:
        return row.warheads
    if clause.method is Method.CONSTANT:
        assert clause.value is not None
        return clause.value
    assert clause.attribute is not None
    value = getattr(row.system_type, clause.attribute, None)
    if value is None:
        raise CountingError(f"clause {clause.id}: a row has no {clause.attribute}")
    return int(value)


def _tiered_unit(row: Row, clause: Clause, units_before: int) -> int:
    tier = clause.tier_for(row.party)
    if tier is None:
        raise CountingError(f"clause {clause.id}: no tier for party {row.party!r}")
    if units_before < tier.first:
        return tier.each
    if row.lrna_capacity is None:
        raise CountingError(f"clause {clause.id}: a row has no lrna_capacity")
    return min(row.lrna_capacity, tier.cap)

"""A naive evaluator: one Python loop over rows per clause, written straight from the rule
text with no vectorisation. It is the oracle the property tests hold the engine to and the
baseline the benchmark measures the engine against; it is not used for real counting.

It shares only the fallbacks of ``treatyledger.rules.table`` (effective basing, armament and
ALCM capacity), which define what a row *is*, not how rules count it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

from treatyledger.model.catalog import Catalog, SystemType
from treatyledger.model.items import Inventory
from treatyledger.model.kinds import Armament, Basing, FacilityType, ItemKind, Status
from treatyledger.rules.engine import CategoryCount, CountingError, CountResult, PartyCount
from treatyledger.rules.schema import Clause, Method, RuleSet, Selector
from treatyledger.rules.table import (
    ARMAMENTS,
    BASINGS,
    FACILITY_TYPES,
    KINDS,
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


def rows_of(inventory: Inventory, catalog: Catalog) -> list[Row]:
    rows = []
    for item in inventory.items:
        system_type = (
            catalog.resolve(item.system_type)
            if item.system_type is not None and item.kind is not ItemKind.WARHEAD
            else None
        )
        facility = inventory.facilities.get(item.facility) if item.facility else None
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
    for party, kind, status, arm, basing, fac, contained, type_i, qty, wh, cap in columns:
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
            )
        )
    return rows


def reference_count(
    rows: Iterable[Row], rule_set: RuleSet, *, as_of: date | None = None
) -> CountResult:
    rows = list(rows)
    parties = sorted({row.party for row in rows})
    totals = {party: {category.id: 0 for category in rule_set.categories} for party in parties}
    for category in rule_set.categories:
        for clause in category.clauses:
            units_seen = dict.fromkeys(parties, 0)  # for tiered clauses, per party
            for row in rows:
                if not _matches(row, clause.select):
                    continue
                if clause.exclude is not None and _matches(row, clause.exclude):
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


def _matches(row: Row, selector: Selector) -> bool:
    if selector.kind is not None and row.kind not in selector.kind:
        return False
    if selector.status is not None and row.status not in selector.status:
        return False
    if selector.armament is not None and row.armament not in selector.armament:
        return False
    if selector.basing is not None and row.basing not in selector.basing:
        return False
    if selector.facility_type is not None and row.facility_type not in selector.facility_type:
        return False
    if selector.heavy_icbm is not None:
        heavy = row.system_type is not None and row.system_type.heavy_icbm
        if heavy != selector.heavy_icbm:
            return False
    return selector.contained is None or row.contained == selector.contained


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

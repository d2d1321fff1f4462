"""The counting engine: totals per party and category under a rule set, and for any total
the rows and clauses that make it up.

Every clause is evaluated over the whole InventoryTable at once: a boolean mask from its
``select`` and ``exclude`` selectors, then an amount per row from its method. Totals are the
per-party sums of those amounts, so ``explain`` and ``count`` share one computation and an
explanation always adds up to its count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt

from treatyledger.errors import TreatyLedgerError
from treatyledger.model.catalog import Catalog
from treatyledger.model.items import Inventory
from treatyledger.rules.schema import Clause, Method, RuleSet, Selector
from treatyledger.rules.table import (
    ARMAMENTS,
    BASINGS,
    FACILITY_TYPES,
    KINDS,
    NO_CAPACITY,
    STATUSES,
    IntArray,
    InventoryTable,
)

Mask = npt.NDArray[np.bool_]


class CountingError(TreatyLedgerError):
    """A clause cannot be applied to a row (e.g. its type lacks the attributed figure)."""


@dataclass(frozen=True)
class CategoryCount:
    total: int
    limit: int | None
    within_limit: bool | None  # None where no limit is in force


@dataclass(frozen=True)
class PartyCount:
    categories: dict[str, CategoryCount]


@dataclass(frozen=True)
class CountResult:
    rule_set: str
    as_of: date | None
    parties: dict[str, PartyCount]

    def to_json_dict(self) -> dict[str, Any]:
        """``{"rule_set", "as_of", "parties": {P: {"categories": {C: {"total", "limit",
        "within_limit"}}}}}`` with ISO dates."""
        return {
            "rule_set": self.rule_set,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "parties": {
                party: {
                    "categories": {
                        category: {
                            "total": c.total,
                            "limit": c.limit,
                            "within_limit": c.within_limit,
                        }
                        for category, c in party_count.categories.items()
                    }
                }
                for party, party_count in self.parties.items()
            },
        }


@dataclass(frozen=True)
class Contribution:
    """One row's share of a category total, and the clause that made it count."""

    party: str
    item_label: str
    row_index: int
    clause_id: str
    clause_text: str
    amount: int


def count(
    inventory: Inventory | InventoryTable,
    rule_set: RuleSet,
    catalog: Catalog,
    *,
    as_of: date | None = None,
) -> CountResult:
    """Totals per party and category, each with the limit in force on ``as_of`` (without a
    date: the final limit). Every party in the inventory appears, with every category."""
    table = _table(inventory, catalog)
    n_parties = len(table.party_ids)
    parties: dict[str, dict[str, CategoryCount]] = {p: {} for p in table.party_ids}
    masks: dict[Selector, Mask] = {}
    for category in rule_set.categories:
        totals = np.zeros(n_parties, dtype=np.int64)
        for clause in category.clauses:
            _, amounts = clause_amounts(table, clause, masks)
            totals += _per_party(table, amounts)
        limit = rule_set.limit_for(category.id, as_of)
        for code, party in enumerate(table.party_ids):
            total = int(totals[code])
            parties[party][category.id] = CategoryCount(
                total=total,
                limit=limit,
                within_limit=None if limit is None else total <= limit,
            )
    return CountResult(
        rule_set=rule_set.id,
        as_of=as_of,
        parties={p: PartyCount(categories=c) for p, c in parties.items()},
    )


def explain(
    inventory: Inventory | InventoryTable,
    rule_set: RuleSet,
    catalog: Catalog,
    category: str,
    party: str | None = None,
) -> list[Contribution]:
    """Every row that adds to ``category`` (of ``party``, or of every party), clause by
    clause in rule-set order, rows in inventory order. Rows that add 0 are left out."""
    table = _table(inventory, catalog)
    selected = rule_set.category(category)
    contributions: list[Contribution] = []
    for clause in selected.clauses:
        mask, amounts = clause_amounts(table, clause)
        if party is not None:
            party_code = _party_code(table, party)
            mask = mask & (table.party == party_code)
        for row in np.flatnonzero(mask & (amounts != 0)):
            contributions.append(
                Contribution(
                    party=table.party_ids[table.party[row]],
                    item_label=table.label(int(row)),
                    row_index=int(row),
                    clause_id=clause.id,
                    clause_text=clause.text,
                    amount=int(amounts[row]),
                )
            )
    return contributions


def clause_amounts(
    table: InventoryTable, clause: Clause, masks: dict[Selector, Mask] | None = None
) -> tuple[Mask, IntArray]:
    """The rows a clause selects, and what each row adds (0 where not selected). ``masks``
    caches selector masks across the clauses of one count (rule sets repeat selectors)."""
    masks = {} if masks is None else masks
    mask = _cached_mask(table, clause.select, masks)
    if clause.exclude is not None:
        mask = mask & ~_cached_mask(table, clause.exclude, masks)
    quantity = table.quantity
    method = clause.method
    if method is Method.COUNT:
        amounts = quantity
    elif method is Method.SUM_WARHEADS:
        amounts = quantity * table.warheads
    elif method is Method.CONSTANT:
        assert clause.value is not None  # the schema guarantees it
        amounts = quantity * clause.value
    elif method is Method.ATTRIBUTE:
        assert clause.attribute is not None
        per_unit = table.type_attribute(clause.attribute)
        _require_known(table, clause, mask & (per_unit == NO_CAPACITY), clause.attribute)
        amounts = quantity * per_unit
    else:
        amounts = _tiered(table, clause, mask)
    return mask, np.where(mask, amounts, 0)


def _cached_mask(table: InventoryTable, selector: Selector, masks: dict[Selector, Mask]) -> Mask:
    mask = masks.get(selector)
    if mask is None:
        mask = masks[selector] = selector_mask(table, selector)
    return mask


def selector_mask(table: InventoryTable, selector: Selector) -> Mask:
    mask = np.ones(len(table), dtype=np.bool_)
    for values, column, members in (
        (selector.kind, table.kind, KINDS),
        (selector.status, table.status, STATUSES),
        (selector.armament, table.armament, ARMAMENTS),
        (selector.basing, table.basing, BASINGS),
        (selector.facility_type, table.facility_type, FACILITY_TYPES),
    ):
        if values is not None:
            mask &= _code_lookup(values, members)[column]
    if selector.heavy_icbm is not None:
        mask &= (table.type_attribute("heavy_icbm") == 1) == selector.heavy_icbm
    if selector.contained is not None:
        mask &= table.contained == selector.contained
    return mask


def _code_lookup(values: tuple[Enum, ...], members: tuple[Enum, ...]) -> Mask:
    """A lookup array over codes (the last entry is the "none" code): True where selected."""
    lookup = np.zeros(len(members) + 1, dtype=np.bool_)
    for value in values:
        lookup[members.index(value)] = True
    return lookup


def _tiered(table: InventoryTable, clause: Clause, mask: Mask) -> IntArray:
    """Per party, in row order: the first ``tier.first`` units count ``tier.each``; the rest
    count their lrna_capacity, at most ``tier.cap``. A row may straddle the boundary.

    One stable sort by party and one cumulative sum serve every party at once, so the cost
    does not grow with the number of parties."""
    amounts = np.zeros(len(table), dtype=np.int64)
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return amounts
    rows = rows[np.argsort(table.party[rows], kind="stable")]  # row order kept per party
    party = table.party[rows]
    first, each, cap = _tier_arrays(table, clause, np.unique(party))
    quantity = table.quantity[rows]
    before_all = np.cumsum(quantity) - quantity
    group_starts = np.flatnonzero(np.r_[True, party[1:] != party[:-1]])
    group_of_row = np.cumsum(np.r_[True, party[1:] != party[:-1]]) - 1
    before = before_all - before_all[group_starts][group_of_row]
    inside = np.clip(first[party] - before, 0, quantity)
    beyond = quantity - inside
    capacity = table.lrna_capacity[rows]
    unknown = np.zeros(len(table), dtype=np.bool_)
    unknown[rows[(beyond > 0) & (capacity == NO_CAPACITY)]] = True
    _require_known(table, clause, unknown, "lrna_capacity")
    per_unit_beyond = np.minimum(np.maximum(capacity, 0), cap[party])
    amounts[rows] = inside * each[party] + beyond * per_unit_beyond
    return amounts


def _tier_arrays(
    table: InventoryTable, clause: Clause, party_codes: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """first/each/cap indexed by party code, for the parties that have selected rows."""
    size = len(table.party_ids)
    first, each, cap = (np.zeros(size, dtype=np.int64) for _ in range(3))
    for code in party_codes.tolist():
        party = table.party_ids[code]
        tier = clause.tier_for(party)
        if tier is None:
            raise CountingError(
                f"clause {clause.id}: no tier for party {party!r} and no default_tier"
            )
        first[code], each[code], cap[code] = tier.first, tier.each, tier.cap
    return first, each, cap


def _require_known(table: InventoryTable, clause: Clause, missing: Mask, what: str) -> None:
    rows = np.flatnonzero(missing)
    if rows.size:
        row = int(rows[0])
        index = int(table.type_index[row])
        type_name = table.system_types[index].id if index >= 0 else "(none)"
        raise CountingError(
            f"clause {clause.id}: {table.label(row)} (system type {type_name}) has no {what}; "
            f"{rows.size} row(s) affected: give the type or the row a value"
        )


def _per_party(table: InventoryTable, amounts: IntArray) -> IntArray:
    """Exact int64 sums per party code (np.add.at: unbuffered, and fast since numpy 1.25)."""
    sums = np.zeros(len(table.party_ids), dtype=np.int64)
    np.add.at(sums, table.party, amounts)
    return sums


def _party_code(table: InventoryTable, party: str) -> int:
    try:
        return table.party_ids.index(party)
    except ValueError:
        known = ", ".join(table.party_ids) or "none"
        raise CountingError(
            f"no items of party {party!r} in the inventory (parties: {known})"
        ) from None


def _table(inventory: Inventory | InventoryTable, catalog: Catalog) -> InventoryTable:
    if isinstance(inventory, InventoryTable):
        return inventory
    return InventoryTable.from_inventory(inventory, catalog)

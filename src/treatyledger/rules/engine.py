"""The counting engine: totals per party and category under a rule set.

First the rule set's definitions give every row its treaty status (``rules.derive``); then
every clause is evaluated over the whole derived InventoryTable at once: a boolean mask from
its ``select`` and ``exclude`` selectors, then an amount per row from its method. Totals are
the per-party sums of those amounts; ``rules.explain`` uses the same per-row amounts, so an
explanation always adds up to its count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from treatyledger.model.catalog import Catalog
from treatyledger.model.items import Inventory
from treatyledger.rules.derive import Derivation, derive
from treatyledger.rules.errors import CountingError
from treatyledger.rules.schema import Clause, Method, RuleSet, Selector
from treatyledger.rules.selectors import Mask, selector_mask
from treatyledger.rules.table import NO_CAPACITY, IntArray, InventoryTable

#: How many rows a note or warning names before it says "and N more".
EXAMPLES = 3


@dataclass(frozen=True)
class CategoryCount:
    total: int
    limit: int | None
    within_limit: bool | None  # None where no limit is in force


@dataclass(frozen=True)
class PartyCount:
    categories: dict[str, CategoryCount]


@dataclass(frozen=True)
class DefinitionNote:
    """Rows whose declared status (or armament) a definition overrode: the count follows the
    treaty. ``examples`` names the first few rows."""

    definition_id: str
    text: str
    source: str
    rows: int
    items: int
    examples: tuple[str, ...]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "definition": self.definition_id,
            "text": self.text,
            "source": self.source,
            "rows": self.rows,
            "items": self.items,
            "examples": list(self.examples),
        }


@dataclass(frozen=True)
class CountResult:
    """Totals per party and category. ``overridden``: the definitions that changed declared
    values, with how many rows; ``warnings``: what was counted 0 for want of data. Neither
    takes part in equality: two counts are equal when their totals and limits are."""

    rule_set: str
    as_of: date | None
    parties: dict[str, PartyCount]
    overridden: tuple[DefinitionNote, ...] = field(default=(), compare=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def to_json_dict(self) -> dict[str, Any]:
        """``{"rule_set", "as_of", "parties": {P: {"categories": {C: {"total", "limit",
        "within_limit"}}}}, "overridden": [...], "warnings": [...]}`` with ISO dates."""
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
            "overridden": [note.to_json_dict() for note in self.overridden],
            "warnings": list(self.warnings),
        }


def count(
    inventory: Inventory | InventoryTable,
    rule_set: RuleSet,
    catalog: Catalog,
    *,
    as_of: date | None = None,
) -> CountResult:
    """Totals per party and category, each with the limit in force on ``as_of`` (without a
    date: the final limit). Every party in the inventory appears, with every category. A
    party the treaty does not bind is an error naming its first row."""
    derivation = derived(inventory, rule_set, catalog)
    table = derivation.table
    parties: dict[str, dict[str, CategoryCount]] = {p: {} for p in table.party_ids}
    masks: dict[Selector, Mask] = {}
    warnings: list[str] = []
    assert table.warheads_declared is not None
    undeclared = None if table.warheads_declared.all() else ~table.warheads_declared
    for category in rule_set.categories:
        category_amounts: IntArray | None = None
        for clause in category.clauses:
            mask, amounts = clause_amounts(table, clause, masks)
            # one sum per party per category: adding rows is cheaper than grouping them
            if category_amounts is None:
                category_amounts = amounts
            else:
                category_amounts += amounts
            if undeclared is not None and clause.method is Method.SUM_WARHEADS:
                warnings.extend(_undeclared_loads(table, clause, mask & undeclared))
        assert category_amounts is not None  # a category has at least one clause
        totals = _per_party(table, category_amounts)
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
        overridden=definition_notes(derivation),
        warnings=tuple(warnings),
    )


def derived(
    inventory: Inventory | InventoryTable, rule_set: RuleSet, catalog: Catalog
) -> Derivation:
    """The inventory as a table, its parties checked against the treaty's, with every row's
    treaty status derived from the rule set's definitions."""
    table = _table(inventory, catalog)
    for code, party in enumerate(table.party_ids):
        problem = rule_set.party_problem(party)
        if problem is not None:
            row = int(np.flatnonzero(table.party == code)[0])
            raise CountingError(f"{table.label(row)}: {problem}")
    return derive(table, rule_set)


def definition_notes(derivation: Derivation) -> tuple[DefinitionNote, ...]:
    """Per definition that changed a declared value: rows, items and the first rows named.
    Works on the changed rows only (usually few)."""
    table = derivation.declared
    status_changed = derivation.table.status != table.status
    changed = np.flatnonzero(status_changed | (derivation.table.armament != table.armament))
    if changed.size == 0:
        return ()
    # a row whose status stands but whose armament changed is the armament rule's doing
    rule = np.where(
        status_changed[changed],
        derivation.status_rule[changed],
        derivation.armament_rule[changed],
    ).astype(np.intp)
    slots = len(derivation.definitions)
    rows = np.bincount(rule, minlength=slots)
    items = np.zeros(slots, dtype=np.int64)
    np.add.at(items, rule, table.quantity[changed])
    notes = []
    for index, definition in enumerate(derivation.definitions):
        if rows[index] == 0:
            continue
        first = changed[np.flatnonzero(rule == index)[:EXAMPLES]]
        notes.append(
            DefinitionNote(
                definition_id=definition.id,
                text=definition.text,
                source=definition.source,
                rows=int(rows[index]),
                items=int(items[index]),
                examples=tuple(table.label(int(r)) for r in first),
            )
        )
    return tuple(notes)


def _undeclared_loads(table: InventoryTable, clause: Clause, mask: Mask) -> list[str]:
    """A clause that sums actual loads over rows that declare none counts them 0: say so.
    ``mask``: the clause's rows that declare no warheads."""
    rows = np.flatnonzero(mask & (table.quantity > 0))
    if rows.size == 0:
        return []
    named = ", ".join(table.label(int(r)) for r in rows[:EXAMPLES])
    more = f" and {rows.size - EXAMPLES} more" if rows.size > EXAMPLES else ""
    items = int(table.quantity[rows].sum())
    return [
        f"clause {clause.id} counts what is loaded, but {items} item(s) in {rows.size} "
        f"row(s) declare no warheads and count 0: {named}{more}"
    ]


def clause_amounts(
    table: InventoryTable, clause: Clause, masks: dict[Selector, Mask] | None = None
) -> tuple[Mask, IntArray]:
    """The rows a clause selects, and what each row adds (0 where not selected), as a new
    array the caller may change. ``masks`` caches selector masks across the clauses of one
    count (rule sets repeat selectors); per-row products are cached on the table, so a
    clause costs one lookup and one multiplication (fresh arrays cost page faults)."""
    masks = {} if masks is None else masks
    mask = _cached_mask(table, clause.select, masks)
    if clause.exclude is not None:
        mask = mask & ~_cached_mask(table, clause.exclude, masks)
    method = clause.method
    if method is Method.TIERED:
        return mask, _tiered(table, clause, mask)
    if method is Method.COUNT:
        per_row = table.quantity
    elif method is Method.SUM_WARHEADS:
        per_row = _product(table, "warheads", lambda: table.warheads)
    elif method is Method.CONSTANT:
        assert clause.value is not None  # the schema guarantees it
        amounts = table.quantity * mask
        amounts *= clause.value
        return mask, amounts
    else:
        attribute = clause.attribute
        assert attribute is not None
        missing = table.attribute_missing(attribute)
        if missing.any() and (mask & missing).any():
            _require_known(table, clause, mask & missing, attribute)
        per_row = _product(table, attribute, lambda: table.type_attribute(attribute))
    return mask, per_row * mask  # 0 where not selected


def _product(table: InventoryTable, name: str, per_unit: Callable[[], IntArray]) -> IntArray:
    """quantity x a per-unit figure, once per table."""
    reads = frozenset({"quantity", name, "type_index", "system_types"})
    return table.cached(f"quantity x {name}", reads, lambda: table.quantity * per_unit())


def _cached_mask(table: InventoryTable, selector: Selector, masks: dict[Selector, Mask]) -> Mask:
    mask = masks.get(selector)
    if mask is None:
        mask = masks[selector] = selector_mask(table, selector)
    return mask


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


def party_code(table: InventoryTable, party: str) -> int:
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

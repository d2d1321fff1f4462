"""Why a category total is what it is: every row that adds to it (with the clause, and the
treaty status and the definition that gave it), and every row of the category's kinds that
does not, with the reason. Uses the engine's own per-row amounts, so the contributions always
add up to ``count``'s total."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from treatyledger.model.catalog import Catalog
from treatyledger.model.items import Inventory
from treatyledger.rules.derive import NO_DEFINITION, Derivation
from treatyledger.rules.engine import clause_amounts, derived, party_code
from treatyledger.rules.schema import Category, Clause, RuleSet
from treatyledger.rules.selectors import Mask, selector_mask
from treatyledger.rules.table import (
    ARMAMENTS,
    FACILITY_TYPES,
    KINDS,
    NO_ARMAMENT,
    NO_FACILITY_TYPE,
    STATUSES,
    InventoryTable,
)


@dataclass(frozen=True)
class RowStatus:
    """What a row is, where, and its status as declared and under the treaty. ``definition``
    is the id of the definition that gave the treaty status (or, if none did, the armament),
    with its text and source; None where the declaration stands."""

    row_index: int
    party: str
    item_label: str
    kind: str
    system_type: str | None
    facility: str | None
    facility_type: str | None
    declared_status: str
    treaty_status: str
    declared_armament: str | None
    treaty_armament: str | None
    definition: str | None
    definition_text: str | None
    definition_source: str | None

    @property
    def overridden(self) -> bool:
        return (
            self.declared_status != self.treaty_status
            or self.declared_armament != self.treaty_armament
        )

    def status_phrase(self) -> str:
        """``non_deployed (declared deployed) by ns.def.launcher.empty``."""
        phrase = self.treaty_status
        if self.declared_status != self.treaty_status:
            phrase += f" (declared {self.declared_status})"
        if self.declared_armament != self.treaty_armament:
            phrase += f", armament {self.treaty_armament} (declared {self.declared_armament})"
        if self.definition is not None:
            phrase += f" by {self.definition}"
        return phrase


@dataclass(frozen=True)
class Contribution:
    """One row's share of a category total, and the clause that made it count."""

    party: str
    item_label: str
    row_index: int
    clause_id: str
    clause_text: str
    amount: int
    row: RowStatus


@dataclass(frozen=True)
class LeftOut:
    """A row of the category's kinds that adds nothing to it, and why."""

    row: RowStatus
    reason: str


@dataclass(frozen=True)
class Explanation:
    rule_set: str
    category: str
    contributions: tuple[Contribution, ...]
    left_out: tuple[LeftOut, ...]

    def totals(self) -> dict[str, int]:
        sums: dict[str, int] = {}
        for c in self.contributions:
            sums[c.party] = sums.get(c.party, 0) + c.amount
        return sums


def explain(
    inventory: Inventory | InventoryTable,
    rule_set: RuleSet,
    catalog: Catalog,
    category: str,
    party: str | None = None,
) -> Explanation:
    """Every row that adds to ``category`` (of ``party``, or of every party), clause by
    clause in rule-set order, rows in inventory order; then the rows of the kinds the
    category counts that add nothing, with the reason (a definition, an exclusion, a status
    no clause selects, a load of 0)."""
    selected = rule_set.category(category)
    derivation = derived(inventory, rule_set, catalog)
    table = derivation.table
    wanted = np.ones(len(table), dtype=np.bool_)
    if party is not None:
        wanted = table.party == party_code(table, party)
    contributions: list[Contribution] = []
    counted = np.zeros(len(table), dtype=np.bool_)
    zero_by: dict[int, Clause] = {}
    for clause in selected.clauses:
        mask, amounts = clause_amounts(table, clause)
        adds = mask & wanted & (amounts != 0)
        counted |= adds
        for row in np.flatnonzero(mask & wanted & (amounts == 0)).tolist():
            zero_by.setdefault(row, clause)
        for row in np.flatnonzero(adds).tolist():
            status = row_status(derivation, row)
            contributions.append(
                Contribution(
                    party=status.party,
                    item_label=status.item_label,
                    row_index=row,
                    clause_id=clause.id,
                    clause_text=clause.text,
                    amount=int(amounts[row]),
                    row=status,
                )
            )
    left_out = _left_out(derivation, selected, wanted & ~counted, zero_by)
    return Explanation(rule_set.id, category, tuple(contributions), tuple(left_out))


def row_status(derivation: Derivation, row: int) -> RowStatus:
    """One row as ``explain`` reports it."""
    declared = derivation.declared
    table = derivation.table
    index = int(derivation.status_rule[row])
    if index == NO_DEFINITION:
        index = int(derivation.armament_rule[row])
    definition = derivation.definitions[index] if index != NO_DEFINITION else None
    type_index = int(declared.type_index[row])
    facility_type = int(declared.facility_type[row])
    return RowStatus(
        row_index=row,
        party=declared.party_ids[declared.party[row]],
        item_label=declared.label(row),
        kind=KINDS[declared.kind[row]].value,
        system_type=declared.system_types[type_index].id if type_index >= 0 else None,
        facility=declared.facility_id(row),
        facility_type=(
            None if facility_type == NO_FACILITY_TYPE else FACILITY_TYPES[facility_type].value
        ),
        declared_status=STATUSES[declared.status[row]].value,
        treaty_status=STATUSES[table.status[row]].value,
        declared_armament=_armament(int(declared.armament[row])),
        treaty_armament=_armament(int(table.armament[row])),
        definition=definition.id if definition else None,
        definition_text=definition.text if definition else None,
        definition_source=definition.source if definition else None,
    )


def _armament(code: int) -> str | None:
    return None if code == NO_ARMAMENT else ARMAMENTS[code].value


def _left_out(
    derivation: Derivation, category: Category, candidates: Mask, zero_by: dict[int, Clause]
) -> list[LeftOut]:
    """Rows of the category's kinds among ``candidates`` (quantity > 0), with the reason."""
    table = derivation.table
    kinds = _kinds_of(category)
    rows = candidates & (table.quantity > 0)
    if kinds is not None:
        rows &= np.isin(table.kind, [KINDS.index(k) for k in kinds])
    by_declaration = np.zeros(len(table), dtype=np.bool_)
    excluded: dict[int, Clause] = {}
    for clause in category.clauses:
        declared_match = selector_mask(derivation.declared, clause.select)
        treaty_match = selector_mask(table, clause.select)
        if clause.exclude is not None:
            declared_match &= ~selector_mask(derivation.declared, clause.exclude)
            hit = treaty_match & selector_mask(table, clause.exclude) & rows
            for row in np.flatnonzero(hit).tolist():
                excluded.setdefault(row, clause)
        by_declaration |= declared_match
    result = []
    for row in np.flatnonzero(rows).tolist():
        status = row_status(derivation, row)
        reason = _reason(status, zero_by.get(row), excluded.get(row), bool(by_declaration[row]))
        result.append(LeftOut(status, reason))
    return result


def _reason(
    status: RowStatus, zero: Clause | None, excluded: Clause | None, by_declaration: bool
) -> str:
    if zero is not None:
        return f"selected by {zero.id} but adds 0 (no warheads declared, or a figure of 0)"
    if excluded is not None:
        return f"excluded by {excluded.id}: {excluded.text}"
    if status.definition is not None:
        lead = "declared as counted, but " if by_declaration and status.overridden else ""
        return (
            f"{lead}treaty status {status.status_phrase()}: {status.definition_text} "
            f"[{status.definition_source}]"
        )
    return f"{status.kind} {status.treaty_status}: no clause of this category selects it"


def _kinds_of(category: Category) -> set[str] | None:
    """The kinds the category's clauses select (None: some clause selects every kind)."""
    kinds: set[str] = set()
    for clause in category.clauses:
        if clause.select.kind is None:
            return None
        kinds.update(clause.select.kind)
    return kinds

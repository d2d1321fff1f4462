"""A force's checks against official figures (``model.forces``): each figure counted under its
rule set, with whether it matches and whether the match is independent evidence or a
reproduction of the input. Pure: the force, rule sets and catalog are handed in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from treatyledger.model.catalog import Catalog
from treatyledger.model.forces import Check, Force, expand
from treatyledger.model.items import Inventory
from treatyledger.rules.engine import count
from treatyledger.rules.explain import explain
from treatyledger.rules.schema import RuleSet


@dataclass(frozen=True)
class CheckResult:
    check: Check
    counted: int

    @property
    def matches(self) -> bool:
        return self.counted == self.check.official

    @property
    def label(self) -> str:
        """How a report must present the figure."""
        return "independent check" if self.check.independent else "reproduction of the input"


def counted_figure(
    inventory: Inventory, check: Check, rule_set: RuleSet, catalog: Catalog, party: str
) -> int:
    """The check's category total for ``party`` (of the items of ``check.kind`` only, if
    given: the sum of those items' contributions)."""
    if check.kind is None:
        result = count(inventory, rule_set, catalog)
        return result.parties[party].categories[check.category].total
    explanation = explain(inventory, rule_set, catalog, check.category, party)
    return sum(c.amount for c in explanation.contributions if c.row.kind == check.kind)


def check_force(
    force: Force,
    rule_sets: Callable[[str], RuleSet],
    catalog: Catalog,
    inventory: Inventory | None = None,
) -> list[CheckResult]:
    """Every check of ``force`` counted on its expansion (or on ``inventory``, the same force
    read back from elsewhere: a file, a ledger replay)."""
    items = expand(force) if inventory is None else inventory
    party = force.force.party
    return [
        CheckResult(check, counted_figure(items, check, rule_sets(check.rule_set), catalog, party))
        for check in force.checks
    ]

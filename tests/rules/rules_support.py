"""Shared builders for the rules tests: the built-in catalog and rule sets, and items."""

from __future__ import annotations

from functools import cache
from typing import Any

from treatyledger.files import load_catalog, load_rule_set, rule_set_names
from treatyledger.model import Catalog, Inventory, inventory_of, make_item
from treatyledger.model.parties import Facility
from treatyledger.rules import RuleSet, count


@cache
def catalog() -> Catalog:
    return load_catalog()


@cache
def rule_set(name: str) -> RuleSet:
    return load_rule_set(name)


def all_rule_sets() -> list[RuleSet]:
    return [rule_set(name) for name in rule_set_names()]


def item(party: str, kind: str, status: str, system_type: str | None = None, **fields: Any):
    return make_item(
        {"party": party, "kind": kind, "status": status, "system_type": system_type, **fields}
    )


def inventory(*items: Any, facilities: tuple[Facility, ...] = ()) -> Inventory:
    return inventory_of(items, facilities)


def totals(inv: Inventory, name: str, party: str, **kwargs: Any) -> dict[str, int]:
    result = count(inv, rule_set(name), catalog(), **kwargs)
    return {c: v.total for c, v in result.parties[party].categories.items()}

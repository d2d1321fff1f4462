"""What the node computes from a party's accepted notifications: the inventory, counts and
time series under a rule set (item level), and the public aggregates and compliance status
(aggregate only). Built on the pure ledger replay and the counting engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from treatyledger.files import load_catalog, load_rule_set, rule_set_names
from treatyledger.ledger import LedgerState, state_at, time_series
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.tally import Counter, When
from treatyledger.model.catalog import Catalog
from treatyledger.model.items import Inventory, Item
from treatyledger.rules import CountResult, InventoryTable, RuleSet, TableCache, count
from treatyledger.rules.schema import Limit
from treatyledger.store.base import Engine
from treatyledger.store.ledger_reads import ledger_version, load_records
from treatyledger.store.policy import workspace_policy
from treatyledger.store.regime_view import RegimeView, regime_view


@dataclass(frozen=True)
class Treaty:
    name: str
    rule_set: RuleSet
    catalog: Catalog
    policy: LedgerPolicy


def treaty(engine: Engine, rules: str) -> Treaty:
    """A built-in rule set (or the workspace's configured file) with catalog and the
    workspace's ledger policy under it (``store.policy.workspace_policy``)."""
    rule_set, catalog = _rules(rules)
    return Treaty(rules, rule_set, catalog, workspace_policy(engine, rule_set, catalog=catalog))


@lru_cache(maxsize=16)
def _rules(rules: str) -> tuple[RuleSet, Catalog]:
    return load_rule_set(rules), load_catalog()


def known_rule_sets() -> list[str]:
    return rule_set_names()


def party_records(engine: Engine, party: str, after_sequence: int = 0) -> list[dict[str, Any]]:
    """A party's accepted notifications (JSON form) in sequence order; with
    ``after_sequence``, only those above it (an index range read: what a tally takes in)."""
    return load_records(engine, party, after_sequence=after_sequence)


def inventory_at(records: list[dict[str, Any]], treaty: Treaty, when: date) -> list[Item]:
    return items_of(state_at(records, treaty.policy, when), when)


def items_of(state: LedgerState, _when: When) -> list[Item]:
    """The declared items of a replayed state (the tally's counter for the inventory)."""
    return list(state.inventory().items)


def counts_at(records: list[dict[str, Any]], treaty: Treaty, party: str, when: date) -> CountResult:
    return counts_of(treaty, party)(state_at(records, treaty.policy, when), when)


def counts_of(treaty: Treaty, party: str) -> Counter[CountResult]:
    """The count of ``party``'s items of a state as of a date, under ``treaty``. A counter
    keeps what it resolved of the items it counted (``rules.TableCache``): a tally counts
    the same growing inventory again and again."""
    cache = TableCache()

    def counted(state: LedgerState, when: When) -> CountResult:
        whole = state.inventory()
        # Inventory.for_party would validate every item again (as long as the count itself)
        items = tuple(i for i in whole.items if i.party == party)
        inventory = Inventory.model_construct(items=items, facilities=whole.facilities)
        return _count(inventory, treaty, when, cache)

    return counted


def _count(inventory: Inventory, treaty: Treaty, when: When, cache: TableCache) -> CountResult:
    table = InventoryTable.from_inventory(inventory, treaty.catalog, cache)
    return count(table, treaty.rule_set, treaty.catalog, as_of=_day(when))


def _span(records: list[dict[str, Any]], until: date | None) -> tuple[date, date] | None:
    effective = [datetime.fromisoformat(r["effective_time"]).date() for r in records]
    if not effective:
        return None
    return min(effective), until or max(effective)


def first_day(records: list[dict[str, Any]]) -> date | None:
    """The earliest effective date notified (where ``data_dates`` begin)."""
    span = _span(records, None)
    return None if span is None else span[0]


def data_dates(
    records: list[dict[str, Any]], rule_set: RuleSet, until: date | None = None
) -> list[date]:
    """The rule set's data-exchange dates from the first notification's effective date to
    ``until`` (default: the latest effective date notified); that last date alone if none
    falls between."""
    span = _span(records, until)
    if span is None:
        return []
    return data_dates_from(*span, rule_set)


def data_dates_from(first: date, until: date, rule_set: RuleSet) -> list[date]:
    """``data_dates`` of a log whose first notification takes effect on ``first``."""
    return rule_set.data_dates(first, until) or [until]


def series_dates(records: list[dict[str, Any]], rule_set: RuleSet) -> list[date]:
    """``RuleSet.series_dates`` over the span of the notifications."""
    span = _span(records, None)
    return [] if span is None else rule_set.series_dates(*span)


def series(
    records: list[dict[str, Any]], treaty: Treaty, party: str, dates: list[date]
) -> list[tuple[date, dict[str, int]]]:
    points = time_series(records, treaty.policy, treaty.rule_set, dates, treaty.catalog)
    zero = {c.id: 0 for c in treaty.rule_set.categories}
    return [(_day(p.when), {**zero, **p.totals.get(party, {})}) for p in points]


def _day(when: date | datetime) -> date:
    return when.date() if isinstance(when, datetime) else when


def final_limits(rule_set: RuleSet) -> dict[str, Limit]:
    """Per limited category, the treaty's final (central) limit."""
    limits = {}
    for category in rule_set.categories:
        limit = rule_set.limit_in_force(category.id, None)
        if limit is not None:
            limits[category.id] = limit
    return limits


def today() -> date:
    return datetime.now(UTC).date()


def regime_of(engine: Engine, treaty: Treaty, cache: dict[tuple[object, ...], Any]) -> RegimeView:
    """The regime of ``treaty`` on the node's workspace (``store.regime_view``), overdue
    judged as of today; reused until any log grows (a mirrored peer's suspension counts)."""
    key = ("regime", ledger_version(engine), treaty.name, today())
    view = cache.get(key)
    if view is None:
        if len(cache) >= 64:
            cache.clear()
        view = cache[key] = regime_view(engine, treaty.rule_set, today())
    return view

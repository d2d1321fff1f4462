"""Item-level state of the node's party: inventory, counts and time series under a rule set.
For the party itself, the other party and inspectors; never observers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import Query, Security

from treatyledger.ledger.tally import Counter, Tally
from treatyledger.model.items import Item
from treatyledger.node.auth import Caller
from treatyledger.node.context import NodeContext
from treatyledger.node.errors import Problem
from treatyledger.node.frontier import frontier
from treatyledger.node.routers.deps import ITEM_LEVEL, AsOf, Node, TreatyDep, guard, guarded_router
from treatyledger.node.schemas import (
    CategoryTotal,
    CountsResponse,
    InventoryResponse,
    Provision,
    SeriesPoint,
    SeriesResponse,
)
from treatyledger.node.views import (
    Treaty,
    counts_at,
    counts_of,
    inventory_at,
    items_of,
    party_records,
    regime_of,
    series,
    series_dates,
    today,
    treaty,
)
from treatyledger.rules import CountResult
from treatyledger.store.ledger_reads import ledger_version
from treatyledger.store.ledger_snapshot import record_source
from treatyledger.store.regime_view import RegimeView

router = guarded_router(tags=["state"])
ItemLevel = Annotated[Caller, Security(guard(*ITEM_LEVEL))]

MAX_SERIES_DATES = 200

T = TypeVar("T")


@router.get("/inventory", response_model=InventoryResponse, summary="Declared items as of a date")
def inventory(node: Node, _caller: ItemLevel, as_of: AsOf) -> InventoryResponse:
    def replay() -> tuple[list[Item], int]:
        rules = treaty(node.engine, node.rules)
        at_frontier = _at_frontier(node, ("inventory", node.rules), rules, items_of, as_of)
        if at_frontier is not None:
            return at_frontier
        records = party_records(node.engine, node.party)
        return inventory_at(records, rules, as_of), len(records)

    # at most MAX_KEYS dates kept, one replay at a time; embedded exact (recounted whenever the
    # log grew), under serve at a bounded rate while it grows, saying what it counted
    key = ("inventory", as_of, node.rules)
    items, counted = node.recounts.get(key, lambda: ledger_version(node.engine), replay)
    return InventoryResponse(
        party=node.party, as_of=as_of, items=items, counted_notifications=counted
    )


@router.get("/counts", response_model=CountsResponse, summary="Counts under a rule set")
def counts(node: Node, _caller: ItemLevel, treaty: TreatyDep, as_of: AsOf) -> CountsResponse:
    # under serve reused for a second, as the summary's (its version check was per request)
    regime = node.recounts.recent(
        ("regime", treaty.name), lambda: regime_of(node.engine, treaty, node.summary_cache)
    )
    state = regime.state(node.party, as_of)
    provision = Provision(
        provided=state.provided, stale_since=state.stale_since, reason=state.reason
    )
    answer = CountsResponse(
        party=node.party,
        rule_set=treaty.name,
        as_of=as_of,
        categories={},
        data=provision,
        regime=regime.summary(as_of),
    )
    if not state.provided:  # never re-show old figures as current
        return answer
    applied = replace(treaty, rule_set=regime.applied)

    def replay() -> tuple[dict[str, CategoryTotal], int]:
        key = ("counts", treaty.name)
        counter = counts_of(applied, node.party)
        at_frontier = _at_frontier(node, key, applied, counter, as_of)
        if at_frontier is not None:
            result, counted = at_frontier
        else:
            records = party_records(node.engine, node.party)
            result, counted = counts_at(records, applied, node.party, as_of), len(records)
        return _category_totals(result, node.party), counted

    shared = _today_from_frontier(node, treaty, regime, applied, as_of)
    if shared is not None:
        counted_categories, counted = shared
    else:
        # as the inventory: bounded in dates kept, in replays at a time and, under serve, in
        # rate
        key = ("counts", as_of, treaty.name)
        counted_categories, counted = node.recounts.get(
            key, lambda: ledger_version(node.engine), replay
        )
    categories = dict(counted_categories)
    if not categories:  # nothing declared yet: every category is zero
        for category in applied.rule_set.categories:
            binding = applied.rule_set.limit_in_force(category.id, as_of)
            categories[category.id] = CategoryTotal(
                total=0,
                limit=binding.value if binding else None,
                within_limit=True if binding else None,
            )
    return answer.model_copy(update={"categories": categories, "counted_notifications": counted})


def _category_totals(result: CountResult, party: str) -> dict[str, CategoryTotal]:
    counted = result.parties.get(party)
    return {
        cid: CategoryTotal(total=c.total, limit=c.limit, within_limit=c.within_limit)
        for cid, c in (counted.categories.items() if counted else ())
    }


def _today_from_frontier(
    node: NodeContext, treaty: Treaty, regime: RegimeView, applied: Treaty, as_of: date
) -> tuple[dict[str, CategoryTotal], int] | None:
    """Today's counts from the frontier count the observer summary shares
    (``node.frontier``), where the regime applies the treaty's own rule set (its dates
    unchanged: the same limits); None otherwise (this view's own tally or replay)."""
    if as_of != today() or applied.rule_set != treaty.rule_set:
        return None
    shared = frontier(node, treaty, regime)
    if shared.day != as_of:  # the day turned while it counted
        return None
    return _category_totals(shared.counts[as_of], node.party), shared.records


def _at_frontier(
    node: NodeContext, key: tuple[str, str], rules: Treaty, counter: Counter[T], as_of: date
) -> tuple[T, int] | None:
    """``counter`` of the state as of ``as_of`` with what it counted, from the view's
    incremental tally (``node.recount.Tallies``) where ``as_of`` is at or after the latest
    effective time; None for an earlier date (a full replay counts it)."""

    def fetch(after: int) -> list[dict[str, Any]]:
        return party_records(node.engine, node.party, after)

    def build(records: list[dict[str, Any]]) -> Tally[T]:
        return Tally.build(records, rules.policy, counter, source=record_source(node.engine))

    basis = (rules.rule_set, rules.policy)
    with node.recounts.tallies.current(key, basis, fetch, build) as tally:
        value = tally.count_at(as_of)
        if as_of == today():
            # counted as the frontier passes it: a notification effective tomorrow (within
            # the policy's max_future) leaves today's answer to the tally, not to replays
            tally.watch([as_of])
        return None if value is None else (value, tally.records)


@router.get("/series", response_model=SeriesResponse, summary="Counts at each data date")
def time_series(
    node: Node,
    _caller: ItemLevel,
    treaty: TreatyDep,
    dates: Annotated[
        list[date] | None,
        Query(max_length=MAX_SERIES_DATES, description="default: the treaty data dates"),
    ] = None,
) -> SeriesResponse:
    records = party_records(node.engine, node.party)
    wanted = sorted(set(dates)) if dates else series_dates(records, treaty.rule_set)
    if len(wanted) > MAX_SERIES_DATES:
        raise Problem(422, f"at most {MAX_SERIES_DATES} dates", problem="too-many-dates")
    regime = regime_of(node.engine, treaty, node.summary_cache)
    points = series(records, treaty, node.party, wanted)
    return SeriesResponse(
        party=node.party,
        rule_set=treaty.name,
        points=[_point(regime, node.party, d, t) for d, t in points],
        regime=regime.summary(max(wanted)) if wanted else None,
    )


def _point(regime: RegimeView, party: str, day: date, totals: dict[str, int]) -> SeriesPoint:
    state = regime.state(party, day)
    return SeriesPoint(
        date=day,
        totals=totals if state.provided else {},
        data=Provision(provided=state.provided, stale_since=state.stale_since, reason=state.reason),
        limits_in_force=regime.regime.in_force(day),
    )

"""The count of the node's party at the log's frontier: at every data date of the rule set
from the first notification to today, and today, from one incremental tally
(``node.recount.Tallies``), recounted once per log version (under ``serve`` at the bounded
rate of ``node.recount``). The observer summary takes its totals from it and the item-level
counts of today theirs: one advance and one count of today's state a recount serve both
(issue 13: two tallies of the same state each advanced and counted 20,000 items a second,
about 100 ms each, beside 50 submitters)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from treatyledger.ledger.tally import Tally
from treatyledger.node.context import NodeContext
from treatyledger.node.views import (
    Treaty,
    counts_of,
    data_dates_from,
    first_day,
    party_records,
    regime_of,
    today,
    treaty,
)
from treatyledger.rules import CountResult
from treatyledger.store.ledger_reads import ledger_version
from treatyledger.store.ledger_snapshot import record_source
from treatyledger.store.regime_view import RegimeView

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frontier:
    """The party's count at each of ``dates`` (the data dates up to ``day``) and ``day``,
    with how many notifications it counts, under the treaty's own rule set: ``counts[day]``
    is ``views.counts_at`` of the log as of ``day``; at another date the totals are that
    date's (a date the tally's frontier covers shares today's count, limits included)."""

    party: str
    categories: tuple[str, ...]
    day: date
    dates: list[date]
    counts: dict[date, CountResult] = field(repr=False)
    records: int

    @cached_property
    def totals(self) -> dict[date, dict[str, int]]:
        """Per date counted, the party's total per category (zero where none): what the
        observer summary shows; the date only picks the limits, which totals leave out."""
        zero = dict.fromkeys(self.categories, 0)
        out = {}
        for day, result in self.counts.items():
            party = result.parties.get(self.party)
            counted = {cid: c.total for cid, c in party.categories.items()} if party else {}
            out[day] = {**zero, **counted}
        return out


def frontier(node: NodeContext, treaty: Treaty, regime: RegimeView) -> Frontier:
    """The frontier count of ``treaty`` (its data dates as the regime applies them): a
    caller-chosen date never costs a replay of its own. The tally keeps the counts at the data
    dates passed, takes in the new notifications and counts today once for every date it
    covers (every such date sees the same state)."""

    def count() -> Frontier:
        day = today()

        def data_days(first: date | None) -> list[date]:
            if first is None:
                return []
            return [d for d in data_dates_from(first, day, regime.applied) if d <= day]

        def fetch(after: int) -> list[dict[str, Any]]:
            return party_records(node.engine, node.party, after)

        def build(records: list[dict[str, Any]]) -> Tally[CountResult]:
            counter = counts_of(treaty, node.party)
            watched = {*data_days(first_day(records)), day}
            return Tally.build(records, treaty.policy, counter, watched, record_source(node.engine))

        key, basis = ("frontier", treaty.name), (treaty.rule_set, treaty.policy)
        tallies = node.recounts.tallies
        with tallies.current(key, basis, fetch, build) as tally:
            dates = data_days(tally.first_day)
            wanted = sorted({*dates, day})
            if not tally.watch(wanted):  # a data date behind the frontier: count it afresh
                tally = tallies.rebuild(key, basis, fetch, build)
            latest = tally.count_at(day) if tally.covers(day) else None
            counts = {
                d: latest if latest is not None and tally.covers(d) else tally.count_at(d)
                for d in wanted
            }
            counted = tally.records
        categories = tuple(c.id for c in treaty.rule_set.categories)
        return Frontier(node.party, categories, day, dates, _counted(counts), counted)

    key = ("frontier", today(), treaty.name)
    return node.recounts.get(key, lambda: ledger_version(node.engine), count)


def _counted(counts: dict[date, CountResult | None]) -> dict[date, CountResult]:
    # a tally whose watched dates are all in counts every one (ledger.tally.Tally.watch)
    missing = [d for d, c in counts.items() if c is None]
    if missing:
        raise RuntimeError(f"the tally did not count {missing[0]}")
    return {d: c for d, c in counts.items() if c is not None}


def warm_in_background(node: NodeContext) -> threading.Thread | None:
    """Under ``serve`` (``node.recounts.lag``), build the frontier count in a thread of its
    own as the node starts, so that the first summary or count does not replay the whole log
    while submissions wait for the GIL (issue 13: 0.3-3 s read p99 in the first phase of the
    hostile bench, its submitters' p99 over 400 ms). The thread, or None embedded or with
    nothing stored (nothing built ahead)."""
    if not node.recounts.lag or ledger_version(node.engine)[1] == 0:
        return None  # embedded, or nothing stored yet: nothing to replay

    def build() -> None:
        try:
            rules = treaty(node.engine, node.rules)
            frontier(node, rules, regime_of(node.engine, rules, node.summary_cache))
        except Exception:  # the first request counts it again, and says what failed
            logger.exception("building the frontier count at start failed")

    thread = threading.Thread(target=build, name="frontier-warm", daemon=True)
    thread.start()
    return thread

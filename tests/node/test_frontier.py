"""One frontier count (``node.frontier``) behind the observer summary and today's
item-level counts: one tally, advanced and counted once per log version for both, and each
answer what a full replay gives."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from factory import stream
from node.harness import ServedNode, served_node
from treatyledger.node import frontier
from treatyledger.node.auth import Role
from treatyledger.node.recount import Recounts
from treatyledger.node.views import counts_at, party_records, regime_of, today, treaty


def counted_dates(monkeypatch: pytest.MonkeyPatch) -> list[date]:
    """The dates the frontier's counter counted at (each a count of the whole state)."""
    dates: list[date] = []
    real = frontier.counts_of

    def counts_of(*args: Any) -> Any:
        counter = real(*args)
        return lambda state, when: dates.append(when) or counter(state, when)

    monkeypatch.setattr(frontier, "counts_of", counts_of)
    return dates


def replayed_counts(node: ServedNode) -> dict[str, Any]:
    """The oracle: today's categories by a full replay under the regime's rule set."""
    engine = node.workspace.engine
    rules = treaty(engine, "new-start")
    applied = replace(rules, rule_set=regime_of(engine, rules, {}).applied)
    result = counts_at(party_records(engine, "US"), applied, "US", today())
    return {
        cid: {"total": c.total, "limit": c.limit, "within_limit": c.within_limit}
        for cid, c in result.parties["US"].categories.items()
    }


def test_the_summary_and_todays_counts_share_one_tally_and_one_count(
    node: ServedNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    node.seed(4)
    dates = counted_dates(monkeypatch)
    recounts = node.app.state.node.recounts
    peer, observer = node.client(Role.PEER), node.client(Role.OBSERVER)
    counts = peer.get("/v1/counts").json()
    summary = observer.get("/v1/public/summary").json()
    assert recounts.tallies.built == 1  # one build for both views
    assert counts["categories"] == replayed_counts(node)
    assert counts["counted_notifications"] == summary["counted_notifications"] == 4
    today_totals = {cid: c["total"] for cid, c in counts["categories"].items()}
    assert {c["category"]: c["total"] for c in summary["compliance"]}.items() <= (
        today_totals.items()
    )
    dates.clear()
    assert node.submit(stream("US", 5)[4:]).json()["accepted"] == 1
    grown = peer.get("/v1/counts").json()
    assert observer.get("/v1/public/summary").json()["counted_notifications"] == 5
    assert grown["counted_notifications"] == 5
    assert grown["categories"] == replayed_counts(node)
    assert dates == [today()]  # the grown state counted once, for both views
    assert recounts.tallies.built == 1 and recounts.tallies.advanced == 1


def test_counts_at_another_date_keep_their_own_count(
    node: ServedNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    node.seed(4)
    dates = counted_dates(monkeypatch)
    peer = node.client(Role.PEER)
    answer = peer.get("/v1/counts?as_of=2030-01-01").json()
    assert answer["counted_notifications"] == 4
    assert not dates  # not the frontier's: its count is today's (limits as of today)
    assert node.app.state.node.recounts.tallies.built == 1  # the counts view's own tally


def test_a_served_node_builds_the_frontier_as_it_starts(tmp_path: Path) -> None:
    with served_node(tmp_path / "us") as seeded:
        seeded.seed(4)
    recounts = Recounts(lag=True)
    with served_node(tmp_path / "us", recounts=recounts) as node:
        deadline = time.monotonic() + 60
        while recounts.tallies.built == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert recounts.tallies.built == 1  # before anyone asked
        summary = node.client(Role.OBSERVER).get("/v1/public/summary").json()
        assert summary["counted_notifications"] == 4
        assert recounts.tallies.built == 1 and recounts.recounted == 1  # nothing replayed


def test_an_embedded_node_or_an_empty_log_builds_nothing_ahead(node: ServedNode) -> None:
    context = node.app.state.node
    assert frontier.warm_in_background(replace(context, recounts=Recounts(lag=True))) is None
    node.seed(2)
    assert frontier.warm_in_background(context) is None  # embedded
    assert context.recounts.tallies.built == 0

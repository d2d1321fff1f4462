"""Bounded recounting (issue 13, item 3): item-level counts and inventory replay once per log
version and date, keep at most MAX_KEYS dates, and served, the observer summary, counts and
inventory recount a growing log at a bounded rate. Replays counted over real HTTP."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from factory import stream, time_text, warhead_declaration
from node.harness import Clock, ServedNode
from treatyledger.node import logview
from treatyledger.node.auth import Role
from treatyledger.node.recount import LAG_FACTOR, MAX_KEYS, Recounts
from treatyledger.node.routers import state
from treatyledger.node.schemas import InventoryResponse
from treatyledger.node.views import inventory_at, party_records, series, today, treaty


def counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[Any]:
    calls: list[Any] = []
    real = getattr(module, name)

    def counted(*args: Any) -> Any:
        calls.append(args[-1])
        return real(*args)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_counts_and_inventory_today_are_tallied_not_replayed(
    node: ServedNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    node.seed(4)
    replays = counting(monkeypatch, state, "counts_at")
    replays += counting(monkeypatch, state, "inventory_at")
    recounts = node.app.state.node.recounts
    peer = node.client(Role.PEER)
    first = [peer.get("/v1/counts").json() for _ in range(5)]
    items = [peer.get("/v1/inventory").json() for _ in range(5)]
    assert recounts.recounted == 2 and recounts.tallies.built == 2 and not replays
    assert all(body == first[0] for body in first)
    assert all(body == items[0] for body in items)
    assert first[0]["counted_notifications"] == items[0]["counted_notifications"] == 4
    # exact: the log grew, the next answer counts the new notification, taken in (no rebuild)
    assert node.submit(stream("US", 5)[4:]).json()["accepted"] == 1
    grown = peer.get("/v1/inventory").json()
    assert len(grown["items"]) == len(items[0]["items"]) + 1
    assert grown["counted_notifications"] == 5
    assert peer.get("/v1/counts").json()["counted_notifications"] == 5
    assert recounts.tallies.built == 2 and recounts.tallies.advanced == 2 and not replays
    assert grown == _replayed_inventory(node, today())


def test_a_date_before_the_latest_effective_time_is_replayed_once_per_log_version(
    node: ServedNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    node.seed(4)  # effective 2011-02-05 (the force) and 2011-02-06 (the warheads)
    replays = counting(monkeypatch, state, "counts_at")
    peer = node.client(Role.PEER)
    answers = [peer.get("/v1/counts?as_of=2011-02-05").json() for _ in range(3)]
    assert replays == [date(2011, 2, 5)] and all(a == answers[0] for a in answers)
    assert answers[0]["counted_notifications"] == 4
    # the tally was asked (and built) once, but its frontier (2011-02-06) is after the date
    assert node.app.state.node.recounts.tallies.built == 1


def test_a_back_dated_notification_rebuilds_the_tally_as_a_full_replay(node: ServedNode) -> None:
    node.seed(4)
    peer, recounts = node.client(Role.PEER), node.app.state.node.recounts
    before = peer.get("/v1/inventory").json()
    observer = node.client(Role.OBSERVER)
    observer.get("/v1/public/summary")
    back = warhead_declaration("US", 5)
    back["effective_time"] = "2011-02-06T00:00:00Z"  # before the warheads already declared
    assert node.submit([back]).json()["accepted"] == 1
    built = recounts.tallies.built
    after = peer.get("/v1/inventory").json()
    assert recounts.tallies.built == built + 1  # refused to advance: built again
    assert after == _replayed_inventory(node, today())
    assert len(after["items"]) == len(before["items"]) + 1
    summary = observer.get("/v1/public/summary").json()
    assert summary["counted_notifications"] == 5
    assert recounts.tallies.built == built + 2
    assert summary["aggregates"] == _replayed_aggregates(node, summary)


def test_today_stays_tallied_past_a_notification_effective_tomorrow(
    node: ServedNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    node.seed(4)
    replays = counting(monkeypatch, state, "counts_at")
    replays += counting(monkeypatch, state, "inventory_at")
    peer = node.client(Role.PEER)
    before = peer.get("/v1/inventory").json()
    counts = peer.get("/v1/counts").json()
    tomorrow = datetime.combine(today() + timedelta(days=1), time(0, 0, 30), tzinfo=UTC)
    ahead = warhead_declaration("US", 5)  # within max_future of now whatever the hour
    ahead["effective_time"] = time_text(tomorrow)
    ahead["issued_time"] = time_text(datetime.now(UTC))
    assert node.submit([ahead]).json()["accepted"] == 1
    after = peer.get("/v1/inventory").json()
    assert after["counted_notifications"] == 5 and after["items"] == before["items"]
    assert after == _replayed_inventory(node, today())
    assert peer.get("/v1/counts").json()["categories"] == counts["categories"]
    assert not replays  # today was counted by the tallies as they passed it


def _replayed_inventory(node: ServedNode, day: date) -> dict[str, Any]:
    """The oracle: the inventory answer by a full replay of the stored log."""
    records = party_records(node.workspace.engine, "US")
    items = inventory_at(records, treaty(node.workspace.engine, "new-start"), day)
    body = InventoryResponse(party="US", as_of=day, items=items, counted_notifications=len(records))
    return body.model_dump(mode="json")


def _replayed_aggregates(node: ServedNode, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The summary's aggregates with their totals counted by ``series`` (a full replay)."""
    records = party_records(node.workspace.engine, "US")
    days = [date.fromisoformat(a["data_date"]) for a in summary["aggregates"]]
    totals = dict(series(records, treaty(node.workspace.engine, "new-start"), "US", days))
    return [
        {**a, "totals": totals[date.fromisoformat(a["data_date"])] if a["data"]["provided"] else {}}
        for a in summary["aggregates"]
    ]


def test_dates_kept_are_bounded_least_recently_used_out_first(node: ServedNode) -> None:
    node.seed(2)
    recounts = node.app.state.node.recounts
    peer = node.client(Role.PEER)
    days = [date(2011, 3, 1) + timedelta(days=i) for i in range(MAX_KEYS + 6)]
    for day in days:
        assert peer.get(f"/v1/counts?as_of={day}").status_code == 200
    assert recounts.recounted == len(days)
    assert len(recounts) == MAX_KEYS
    peer.get(f"/v1/counts?as_of={days[-1]}")  # kept: no recount
    assert recounts.recounted == len(days)
    peer.get(f"/v1/counts?as_of={days[0]}")  # the oldest went out: recounted again
    assert recounts.recounted == len(days) + 1
    assert recounts.tallies.built == 1  # each from the one tally, at or after its frontier


def test_served_views_recount_a_growing_log_at_a_bounded_rate(
    lagging: tuple[ServedNode, Clock], monkeypatch: pytest.MonkeyPatch
) -> None:
    node, clock = lagging
    recounts = node.app.state.node.recounts
    notes = counting(monkeypatch, logview, "current_checkpoint_note")
    observer = node.client(Role.OBSERVER)
    assert observer.get("/v1/public/summary").json()["counted_notifications"] == 4
    for n in range(5, 9):  # the log grows between requests, inside the lag
        assert node.submit(stream("US", n)[n - 1 :]).json()["accepted"] == 1
        body = observer.get("/v1/public/summary").json()
        assert body["counted_notifications"] == 4  # the view counted before, said so
        assert body["checkpoint"]["size"] == 4  # signed at most once a lag, not per request
    assert recounts.recounted == 1 and len(notes) == 1
    clock.now += 1.01  # past the lag: the next request recounts, with a current checkpoint
    body = observer.get("/v1/public/summary").json()
    assert body["counted_notifications"] == 8 and body["checkpoint"]["size"] == 8
    assert recounts.recounted == 2 and len(notes) == 2
    assert recounts.tallies.built == 1 and recounts.tallies.advanced == 1  # not a replay
    # the log's own checkpoint route: the one the summary signed (at most one an interval)
    assert node.client().get("/v1/tlog/checkpoint").text.split("\n")[1] == "8"
    # item-level counts and inventory too, each saying what it counted
    peer = node.client(Role.PEER)
    before = peer.get("/v1/inventory").json()
    assert before["counted_notifications"] == 8
    assert peer.get("/v1/counts").json()["counted_notifications"] == 8
    node.submit(stream("US", 9)[8:])
    assert peer.get("/v1/inventory").json() == before
    assert peer.get("/v1/counts").json()["counted_notifications"] == 8
    clock.now += 1.01
    grown = peer.get("/v1/inventory").json()
    assert grown["counted_notifications"] == 9
    assert len(grown["items"]) == len(before["items"]) + 1
    assert peer.get("/v1/counts").json()["counted_notifications"] == 9


def test_the_lag_grows_with_the_cost_of_a_recount() -> None:
    clock = Clock()
    recounts = Recounts(lag=True, clock=clock)
    version = [0]

    def slow() -> int:
        clock.now += 3.0  # a recount that takes 3 s
        return version[0]

    assert recounts.get("k", lambda: version[0], slow) == 0
    version[0] = 1
    clock.now += LAG_FACTOR * 3.0 - 0.5  # within 4x its cost: reused, though the log grew
    assert recounts.get("k", lambda: version[0], slow) == 0
    clock.now += 1.0
    assert recounts.get("k", lambda: version[0], slow) == 1
    assert recounts.recounted == 2


def test_a_request_during_a_recount_gets_the_previous_view_at_once() -> None:
    recounts = Recounts(lag=True, min_lag_s=0.0)
    recounts.get("k", lambda: 0, lambda: "old")
    started, release = threading.Event(), threading.Event()

    def blocked() -> str:
        started.set()
        assert release.wait(10)
        return "new"

    worker = threading.Thread(target=lambda: recounts.get("k", lambda: 1, blocked))
    worker.start()
    assert started.wait(10)
    assert recounts.get("k", lambda: 1, lambda: "never") == "old"  # no second replay queued
    release.set()
    worker.join(10)
    assert recounts.get("k", lambda: 1, lambda: "never") == "new"
    assert recounts.recounted == 2


def test_the_summary_counts_its_frontier_once_for_every_data_date_it_covers(
    node: ServedNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    from treatyledger.node import frontier

    node.seed(4)
    counted: list[Any] = []
    real = frontier.counts_of

    def counts_of(*args: Any) -> Any:
        counter = real(*args)
        return lambda state, when: counted.append(when) or counter(state, when)

    monkeypatch.setattr(frontier, "counts_of", counts_of)
    observer = node.client(Role.OBSERVER)
    summary = observer.get(f"/v1/public/summary?as_of={today()}").json()
    assert len(summary["aggregates"]) > 10  # data dates from 2011 to today, after the log's
    assert summary["aggregates"] == _replayed_aggregates(node, summary)
    counted.clear()
    assert node.submit(stream("US", 5)[4:]).json()["accepted"] == 1
    grown = observer.get(f"/v1/public/summary?as_of={today()}").json()
    assert grown["counted_notifications"] == 5
    assert grown["aggregates"] == _replayed_aggregates(node, grown)
    assert counted == [today()]  # one count of the grown frontier, not one per data date

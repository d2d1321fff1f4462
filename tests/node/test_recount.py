"""Bounded recounting (issue 13, item 3): item-level counts and inventory replay once per log
version and date, keep at most MAX_KEYS dates, and served, the observer summary, counts and
inventory recount a growing log at a bounded rate. Replays counted over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from factory import stream
from node.harness import ServedNode, served_node
from treatyledger.node import logview
from treatyledger.node.auth import Role
from treatyledger.node.recount import LAG_FACTOR, MAX_KEYS, Recounts
from treatyledger.node.routers import public, state


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[Any]:
    calls: list[Any] = []
    real = getattr(module, name)

    def counted(*args: Any) -> Any:
        calls.append(args[-1])
        return real(*args)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_counts_and_inventory_replay_once_per_log_version_and_date(
    node: ServedNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    node.seed(4)
    counts = counting(monkeypatch, state, "counts_at")
    inventories = counting(monkeypatch, state, "inventory_at")
    peer = node.client(Role.PEER)
    first = [peer.get("/v1/counts").json() for _ in range(5)]
    items = [peer.get("/v1/inventory").json() for _ in range(5)]
    assert len(counts) == 1 and len(inventories) == 1
    assert all(body == first[0] for body in first)
    assert all(body == items[0] for body in items)
    # exact: the log grew, the next answer counts the new notification
    assert node.submit(stream("US", 5)[4:]).json()["accepted"] == 1
    grown = peer.get("/v1/inventory").json()
    assert len(inventories) == 2 and len(grown["items"]) == len(items[0]["items"]) + 1
    peer.get("/v1/counts")
    assert len(counts) == 2


def test_dates_kept_are_bounded_least_recently_used_out_first(
    node: ServedNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    node.seed(2)
    counts = counting(monkeypatch, state, "counts_at")
    peer = node.client(Role.PEER)
    days = [date(2011, 3, 1) + timedelta(days=i) for i in range(MAX_KEYS + 6)]
    for day in days:
        assert peer.get(f"/v1/counts?as_of={day}").status_code == 200
    assert len(counts) == len(days)
    recounts = node.app.state.node.recounts
    assert len(recounts) == MAX_KEYS
    peer.get(f"/v1/counts?as_of={days[-1]}")  # kept: no replay
    assert len(counts) == len(days)
    peer.get(f"/v1/counts?as_of={days[0]}")  # the oldest went out: replayed again
    assert len(counts) == len(days) + 1


@pytest.fixture
def lagging(tmp_path: Path) -> Iterator[tuple[ServedNode, Clock]]:
    clock = Clock()
    with served_node(tmp_path / "us", recounts=Recounts(lag=True, clock=clock)) as served:
        served.seed(4)
        yield served, clock


def test_served_views_recount_a_growing_log_at_a_bounded_rate(
    lagging: tuple[ServedNode, Clock], monkeypatch: pytest.MonkeyPatch
) -> None:
    node, clock = lagging
    replays = counting(monkeypatch, public, "series")
    notes = counting(monkeypatch, logview, "current_checkpoint_note")
    observer = node.client(Role.OBSERVER)
    assert observer.get("/v1/public/summary").json()["counted_notifications"] == 4
    for n in range(5, 9):  # the log grows between requests, inside the lag
        assert node.submit(stream("US", n)[n - 1 :]).json()["accepted"] == 1
        body = observer.get("/v1/public/summary").json()
        assert body["counted_notifications"] == 4  # the view counted before, said so
        assert body["checkpoint"]["size"] == 4  # signed at most once a lag, not per request
    assert len(replays) == 1 and len(notes) == 1
    clock.now += 1.01  # past the lag: the next request recounts, with a current checkpoint
    body = observer.get("/v1/public/summary").json()
    assert body["counted_notifications"] == 8 and body["checkpoint"]["size"] == 8
    assert len(replays) == 2 and len(notes) == 2
    # the log's own checkpoint route stays current
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

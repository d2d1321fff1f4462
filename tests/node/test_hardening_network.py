"""The node's network-facing bounds (issue 13, items 3 and 6), over real HTTP: far-ahead
sequences refused at once and never held, unexpected errors answered with an incident id
that the log ties to the traceback, never with internal text."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from factory import signed, stream
from node.harness import ServedNode, served_node
from treatyledger.ledger.outcomes import Rule
from treatyledger.node.auth import Role
from treatyledger.node.routers import public

AHEAD = 20


@pytest.fixture
def bounded(tmp_path: Path) -> Iterator[ServedNode]:
    with served_node(tmp_path / "us", max_ahead=AHEAD) as served:
        served.seed(3)
        yield served


def test_a_far_ahead_sequence_is_refused_at_once_and_not_stored(bounded: ServedNode) -> None:
    """Past the bound the node does not wait out its 5 s reorder window: it answers at
    once with the gap rule, and nothing of it is stored."""
    far = signed(stream("US", 4 + AHEAD + 1, first=1)[-1:], bounded.workspace.signing_key)
    assert far[0]["sequence"] == 4 + AHEAD + 1
    began = time.monotonic()
    response = bounded.post_notifications(far)
    elapsed = time.monotonic() - began
    assert response.status_code == 422, response.text
    result = response.json()["results"][0]
    assert result["rule"] == Rule.SEQUENCE_GAP.value
    assert "too far ahead" in result["error"]
    assert elapsed < 4.0  # well inside the reorder wait a held one would sit out
    owner = bounded.client(Role.OWNER)
    assert owner.get("/v1/log/checkpoint").json()["size"] == 3
    # the log goes on from where it was
    assert bounded.submit(stream("US", 4)[3:]).json()["accepted"] == 1


def test_a_sequence_within_the_bound_is_still_held_for_its_predecessor(
    bounded: ServedNode,
) -> None:
    """The bound does not break reordering: one AHEAD past the next waits for the rest."""
    from concurrent.futures import ThreadPoolExecutor

    records = signed(stream("US", 4 + AHEAD), bounded.workspace.signing_key)[3:]
    last, rest = records[-1:], records[:-1]
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(bounded.post_notifications, last)
        time.sleep(0.5)
        assert bounded.post_notifications(rest).status_code == 200
        answer = waiting.result(timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"][0]["status"] == "accepted"


def test_a_500_carries_an_incident_id_that_the_log_ties_to_the_traceback(
    node: ServedNode, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "SELECT token_hash FROM principals WHERE name = 'x'"

    def broken(*_args: object) -> None:
        raise RuntimeError(secret)

    monkeypatch.setattr(public, "observer_summary", broken)
    with caplog.at_level(logging.ERROR):
        response = node.client(Role.OBSERVER).get("/v1/public/summary")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    incident = body["incident"]
    assert re.fullmatch(r"[0-9a-f]{16}", incident)
    assert incident in body["detail"]
    for leaked in ("SELECT", "principals", "RuntimeError", "Traceback", "broken"):
        assert leaked not in response.text
    logged = [r for r in caplog.records if incident in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].exc_info is not None and secret in str(logged[0].exc_info[1])
    # logged once: not again by Starlette's or uvicorn's handler without the id
    assert not [r for r in caplog.records if r.exc_info and incident not in r.getMessage()]
    # the node still answers
    monkeypatch.undo()
    assert node.client(Role.OBSERVER).get("/v1/public/summary").status_code == 200


def test_observers_stepping_through_dates_cost_one_replay_per_log_version(
    node: ServedNode,
) -> None:
    """Issue 13: the summary replayed the ledger for every new as_of. Now it counts at the
    data dates once per log version, whatever dates are asked for, and a grown log is taken in
    by the view's incremental tally (one replay in all)."""
    from datetime import date, timedelta

    node.seed(4)
    recounts = node.app.state.node.recounts
    observer = node.client(Role.OBSERVER)
    day = date(2011, 2, 1)
    answers = []
    for _ in range(40):
        answers.append(observer.get(f"/v1/public/summary?as_of={day}").json())
        day += timedelta(days=11)
    assert recounts.recounted == 1 and recounts.tallies.built == 1
    # each answer's totals are those of the latest data date on or before its as_of
    for body in answers:
        counted_at = body["counted_at"]
        assert counted_at is None or counted_at <= body["as_of"]
        assert [a["data_date"] for a in body["aggregates"]] == sorted(
            a["data_date"] for a in body["aggregates"] if a["data_date"] <= body["as_of"]
        )
    assert answers[0]["counted_at"] is None  # before the first data date: nothing counted
    assert answers[-1]["counted_at"] == answers[-1]["aggregates"][-1]["data_date"]
    grown = node.submit(stream("US", 5)[4:])  # the log grew: one more replay, then cached
    assert grown.json()["accepted"] == 1
    for _ in range(3):
        observer.get("/v1/public/summary?as_of=2012-06-01")
    assert recounts.recounted == 2
    assert recounts.tallies.built == 1 and recounts.tallies.advanced == 1

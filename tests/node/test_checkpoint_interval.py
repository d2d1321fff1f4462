"""The served checkpoint's timing bound (issue 13): under ``serve`` a checkpoint is signed at
most once per ``CHECKPOINT_INTERVAL_S``, so one served covers every entry acknowledged more
than that interval before the request; embedded, every request gets the current size."""

from __future__ import annotations

from pathlib import Path

import pytest

from factory import stream
from node.harness import Clock, ServedNode, served_node
from treatyledger.node.auth import Role
from treatyledger.node.logview import CHECKPOINT_INTERVAL_S
from treatyledger.node.recount import Recounts
from treatyledger.store import checkpoints
from treatyledger.tlog.cosignature import cosignature_line
from treatyledger.tlog.note import parse_note


def signed_sizes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The notes ``checkpoints.current_checkpoint`` returned (each call may sign one)."""
    notes: list[str] = []
    real = checkpoints.current_checkpoint

    def counted(*args: object) -> str:
        note = real(*args)  # type: ignore[arg-type]
        notes.append(note.split("\n")[1])
        return note

    monkeypatch.setattr(checkpoints, "current_checkpoint", counted)
    return notes


def tlog_size(node: ServedNode) -> int:
    return int(node.client().get("/v1/tlog/checkpoint").text.split("\n")[1])


def log_size(node: ServedNode) -> int:
    size: int = node.client(Role.WITNESS).get("/v1/log/checkpoint").json()["size"]
    return size


def test_served_checkpoints_are_signed_at_most_once_an_interval_and_cover_it(
    lagging: tuple[ServedNode, Clock], monkeypatch: pytest.MonkeyPatch
) -> None:
    node, clock = lagging
    signed = signed_sizes(monkeypatch)
    assert tlog_size(node) == 4 and signed == ["4"]  # the first request signs
    for n in range(5, 8):  # the log grows, inside the interval: nothing signed per request
        assert node.submit(stream("US", n)[n - 1 :]).json()["accepted"] == 1
        assert tlog_size(node) == 4 and log_size(node) == 4
    assert signed == ["4"]
    clock.now += CHECKPOINT_INTERVAL_S - 0.01
    assert tlog_size(node) == 4  # still inside it
    clock.now += 0.01  # the bound: entries acknowledged an interval ago are in
    assert log_size(node) == 7 and tlog_size(node) == 7
    assert signed == ["4", "7"]


def test_a_cosignature_shows_at_once_on_the_checkpoint_served_meanwhile(
    lagging: tuple[ServedNode, Clock],
) -> None:
    node, _clock = lagging
    witness = node.client(Role.WITNESS)
    text = parse_note(node.client().get("/v1/tlog/checkpoint").text).text
    line = cosignature_line(node.cosigners[Role.WITNESS], text, 1_700_000_000)
    answer = witness.post("/v1/log/cosignatures", json={"checkpoint": text, "cosignature": line})
    assert answer.status_code == 200, answer.text
    # the same checkpoint (no new one inside the interval), its cosignatures as stored now
    assert [c["name"] for c in witness.get("/v1/log/checkpoint").json()["cosignatures"]] == [
        "witness.example/w1"
    ]
    assert "witness.example/w1" in node.client().get("/v1/tlog/checkpoint").text


def test_embedded_checkpoints_are_current_after_every_submission(tmp_path: Path) -> None:
    with served_node(tmp_path / "us") as node:
        node.seed(2)
        for n in range(3, 6):
            assert node.submit(stream("US", n)[n - 1 :]).json()["accepted"] == 1
            assert tlog_size(node) == n and log_size(node) == n


def test_at_most_every_claims_once_an_interval_and_computes_where_nothing_was_made() -> None:
    clock = Clock()
    recounts = Recounts(lag=True, clock=clock)
    made: list[int] = []

    def compute() -> int:
        made.append(len(made))
        return made[-1]

    assert recounts.at_most_every("k", 1.0, compute, lambda: -1) == 0
    assert recounts.at_most_every("k", 1.0, compute, lambda: -1) == -1  # meanwhile
    assert recounts.at_most_every("k", 1.0, compute, lambda: None) == 1  # nothing made yet
    clock.now += 1.0
    assert recounts.at_most_every("k", 1.0, compute, lambda: -1) == 2
    assert recounts.at_most_every("other", 1.0, compute, lambda: -1) == 3  # per key
    exact = Recounts()
    assert [exact.at_most_every("k", 1.0, compute, lambda: -1) for _ in range(2)] == [4, 5]

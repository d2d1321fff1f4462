"""A served node's submissions through the verification pool: the workers start with the
first submission (a node serving only reads has none), a batch over HTTP is prepared and
verified in them, and a line that is not canonical is refused alone, by its rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from factory import signed, stream
from node.harness import ServedNode, served_node
from treatyledger.ledger.signing import leaf_bytes
from treatyledger.node.auth import Role
from treatyledger.store import signature_pool

BATCH = signature_pool.POOL_MIN + 8


@pytest.fixture
def pooled_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServedNode]:
    monkeypatch.setenv("TREATYLEDGER_VERIFY_WORKERS", "2")
    signature_pool.shutdown()  # this process's pool, if another test started one
    try:
        with served_node(tmp_path / "us") as served:
            yield served
    finally:
        signature_pool.shutdown()


def test_the_first_submission_starts_the_workers_and_a_batch_is_verified_there(
    pooled_node: ServedNode,
) -> None:
    owner = pooled_node.client(Role.OWNER)
    assert owner.get("/v1/health").status_code == 200
    assert signature_pool.worker_pids() == []  # reads start no worker
    records = signed(stream("US", 1 + BATCH), pooled_node.workspace.signing_key)
    first = pooled_node.post_notifications(records[:1])
    assert first.status_code == 200, first.text
    assert len(signature_pool.worker_pids()) == 2
    lines = [leaf_bytes(r) for r in records[1:]]
    poison = lines[5].replace(b":", b": ", 1)  # the same notification, not RFC 8785
    body = b'{"notifications":[' + b",".join([*lines, poison]) + b"]}"
    before = signature_pool.verified_in_pool
    answer = owner.post("/v1/notifications", content=body)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results[:-1]] == ["accepted"] * BATCH
    assert results[-1]["status"] == "rejected"
    assert results[-1]["rule"] == "encoding.not_canonical"
    assert signature_pool.verified_in_pool - before == BATCH


def test_once_the_workers_are_ready_one_notification_a_request_is_verified_there(
    pooled_node: ServedNode,
) -> None:
    """The node's writer thread shares the GIL with every request, so a served node sends
    even a batch of one to the workers (once they are ready); a forged one is still refused
    by its rule, judged again on the writer's thread."""
    records = signed(stream("US", 3), pooled_node.workspace.signing_key)
    assert pooled_node.post_notifications(records[:1]).status_code == 200  # starts them
    for future in pooled_node.app.state.store.start_workers():
        future.result(timeout=120)
    before = signature_pool.verified_in_pool
    answer = pooled_node.post_notifications(records[1:2])
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"][0]["status"] == "accepted"
    assert signature_pool.verified_in_pool - before == 1
    forged = {**records[2], "signature": records[1]["signature"]}
    refused = pooled_node.post_notifications([forged])
    assert refused.status_code == 422
    assert refused.json()["results"][0]["rule"] == "signature.invalid"
    assert signature_pool.verified_in_pool - before == 1

"""The verification pool (store.signature_pool): a batch verified in worker processes gets
the acks it gets on the writer's thread, a forged signature is still rejected by its rule, and
a pool that cannot answer leaves the verification to the writer. Runs on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from factory import signed, stream
from treatyledger.store import signature_pool
from treatyledger.store.ledger_store import open_ledger
from treatyledger.store.workspace import Workspace

COUNT = 3 * signature_pool.POOL_MIN


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TREATYLEDGER_VERIFY_WORKERS", "2")
    signature_pool.shutdown()
    yield
    signature_pool.shutdown()


def submit_all(db_url: str | None, path: Path, forge: int | None) -> list[dict[str, Any]]:
    """A fresh workspace's acks for COUNT signed notifications (the one at ``forge`` carrying
    another notification's signature). ``db_url`` None: the workspace's own SQLite file."""
    with Workspace.init(path, "US", db_url=db_url) as ws:
        batch = signed(stream("US", COUNT), ws.signing_key)
        if forge is not None:
            batch[forge]["signature"] = batch[forge + 1]["signature"]
        return [a.to_json_dict() for a in open_ledger(ws).submit(batch)]


def test_workers_answer_as_the_library_verifies() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    raw, other_raw = (k.public_key().public_bytes_raw() for k in (key, other))
    good = key.sign(b"message")
    answers = signature_pool.verify_chunk(
        [
            (good, b"message", (raw,)),
            (good, b"another message", (raw,)),
            (good, b"message", (other_raw,)),
            (good, b"message", (other_raw, raw)),  # any one of the party's keys
            (b"\x00" * 64, b"message", (raw,)),
        ]
    )
    assert answers == [True, False, False, True, False]


def test_a_batch_verified_in_the_pool_is_acked_as_on_the_writers_thread(
    db_url: str, tmp_path: Path, pool: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = signature_pool.verified_in_pool
    pooled = submit_all(db_url, tmp_path / "pooled", forge=COUNT // 2)
    assert signature_pool.verified_in_pool - before == COUNT - 1  # all but the forged one
    monkeypatch.setenv("TREATYLEDGER_VERIFY_WORKERS", "0")
    signature_pool.shutdown()
    on_writer = submit_all(None, tmp_path / "writer", forge=COUNT // 2)  # its own SQLite
    assert signature_pool.verified_in_pool - before == COUNT - 1  # none more
    assert pooled == on_writer
    assert pooled[COUNT // 2]["rule"] == "signature.invalid"
    assert [a["status"] for a in pooled[: COUNT // 2]] == ["accepted"] * (COUNT // 2)
    # the notifications after the forged one are sequence gaps, as without the pool
    assert {a["rule"] for a in pooled[COUNT // 2 + 1 :]} == {"sequence.gap"}


def test_a_pool_that_cannot_answer_leaves_verification_to_the_writer(
    db_url: str, tmp_path: Path, pool: None
) -> None:
    executor = signature_pool._executor()
    assert executor is not None
    executor.shutdown(wait=True)  # submitting to it now raises: every answer is False
    before = signature_pool.verified_in_pool
    acks = submit_all(db_url, tmp_path / "ws", forge=5)
    assert signature_pool.verified_in_pool == before
    assert [a["status"] for a in acks[:5]] == ["accepted"] * 5
    assert acks[5]["rule"] == "signature.invalid"

"""The verification pool (store.signature_pool): a batch verified in worker processes gets
the acks it gets on the writer's thread, a forged signature is still rejected by its rule, and
a pool that cannot answer leaves the verification to the writer. Runs on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
import time
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


PARENT = """
import os, sys
from treatyledger.store import signature_pool
checks = signature_pool.start_checks(signature_pool.POOL_MIN)
assert checks is not None
checks.flush()
pool = signature_pool._executor()
assert pool is not None
for future in [pool.submit(signature_pool.verify_chunk, []) for _ in range(4)]:
    future.result(timeout=60)  # the workers are up (they start as tasks arrive)
print(" ".join(str(pid) for pid in pool._processes), flush=True)
sys.stdin.read()  # until killed
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


def test_workers_end_when_their_parent_is_killed() -> None:
    """A node killed with SIGKILL (or stopped without atexit) leaves no verification
    workers behind: each watches its parent and exits with it."""
    env = {**os.environ, "TREATYLEDGER_VERIFY_WORKERS": "2"}
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert parent.stdout is not None
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert pids and all(_alive(p) for p in pids)
    finally:
        parent.kill()
        parent.wait(timeout=30)
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids), f"workers {pids} outlived their parent"

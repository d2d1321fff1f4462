"""The verification pool (store.signature_pool, store.submission_prep): a batch prepared and
verified in worker processes gets the acks it gets on the writer's thread, a worker refuses a
line by the rule the writer names, a forged signature is still rejected by its rule, and a
pool that cannot answer leaves the work to the writer. Runs on both backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from factory import signed, stream
from treatyledger.ledger.canonical import Received
from treatyledger.ledger.signing import key_id, leaf_bytes, sign
from treatyledger.model.notifications import Notification
from treatyledger.store import signature_pool, submission_prep
from treatyledger.store.ledger_store import open_ledger
from treatyledger.store.workspace import Workspace

COUNT = 3 * signature_pool.POOL_MIN


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


def _received(records: list[dict[str, Any]]) -> list[Received]:
    return [Received.decode(leaf_bytes(r)) for r in records]


def test_a_worker_refuses_a_line_by_the_rule_the_writer_names() -> None:
    """``prepare_chunk`` (in a worker) and ``prepare`` (on the writer's thread) give one
    refusal for each way a line can be wrong before the state judges it."""
    key = Ed25519PrivateKey.generate()
    first = signed(stream("US", 1), key)[0]
    canonical = leaf_bytes(first)
    spaced = canonical.replace(b'","', b'", "', 1)  # valid JSON, not RFC 8785
    reordered = json.dumps(dict(reversed(list(first.items())))).encode()
    true_for_one = canonical.replace(b'"sequence":1', b'"sequence":true')
    zero = canonical.replace(b'"sequence":1', b'"sequence":0')
    twice = canonical.replace(b'"sequence":1', b'"sequence":1,"sequence":1')
    stranger = leaf_bytes({**first, "party": "FR"})
    wrong = (spaced, reordered, true_for_one, zero, twice, stranger)
    lines = [Received.decode(raw) for raw in wrong]
    raw_keys = {"US": {key_id(key.public_key()): key.public_key().public_bytes_raw()}}
    answers = submission_prep.prepare_chunk(lines, frozenset({"US"}), raw_keys)
    on_writer = [submission_prep.prepare(each, {"US"}, verify=True) for each in lines]
    assert answers == on_writer
    assert [a.rule for a in answers if isinstance(a, submission_prep.Refused)] == [
        "encoding.not_canonical",
        "encoding.not_canonical",
        "encoding.not_canonical",
        "schema.mismatch",
        "encoding.duplicate_key",
        "signature.unknown_signer",
    ]


def test_a_worker_sent_the_bytes_alone_answers_as_for_the_decoded_line() -> None:
    """The writer sends a received line to a worker as its bytes (``_job_of``): decoded
    there again, each answer, refusal or record, is the one the decoded line gets."""
    key = Ed25519PrivateKey.generate()
    good, forged = signed(stream("US", 2), key)
    forged = {**forged, "signature": good["signature"]}
    canonical = leaf_bytes(good)
    lines = [
        Received.decode(raw)
        for raw in (canonical, leaf_bytes(forged), canonical.replace(b'","', b'", "', 1))
    ]
    jobs = [submission_prep._job_of(line) for line in lines]
    assert jobs == [line.raw for line in lines]
    raw_keys = {"US": {key_id(key.public_key()): key.public_key().public_bytes_raw()}}
    parties = frozenset({"US"})
    by_bytes = submission_prep.prepare_chunk(jobs, parties, raw_keys)
    assert by_bytes == submission_prep.prepare_chunk(lines, parties, raw_keys)
    assert by_bytes[0] == (good, canonical)
    assert by_bytes[1] is None
    assert isinstance(by_bytes[2], submission_prep.Refused)
    assert by_bytes[2].rule == "encoding.not_canonical"


def test_a_store_with_pool_min_sends_small_batches_once_the_workers_are_ready(
    tmp_path: Path, pool: None
) -> None:
    with Workspace.init(tmp_path / "ws", "US") as ws:
        store = open_ledger(ws)
        store.pool_min = 1
        records = signed(stream("US", 3), ws.signing_key)
        before = signature_pool.verified_in_pool
        # no workers started yet: a batch of one is not kept waiting for them
        assert store.submit(_received(records[:1]))[0].status == "accepted"
        assert signature_pool.verified_in_pool == before
        futures = store.start_workers()
        assert [f.result(timeout=120) for f in futures] == [[], []]
        acks = store.submit(_received(records[1:2]))
        assert signature_pool.verified_in_pool - before == 1
        # without pool_min, a batch of one stays on the writer's thread, as before
        store.pool_min = None
        acks += store.submit(_received(records[2:]))
        assert signature_pool.verified_in_pool - before == 1
    assert [a.status for a in acks] == ["accepted", "accepted"]


def test_a_worker_trusts_only_a_signature_a_registered_key_verifies() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    good, forged = _received(signed(stream("US", 2), key))
    forged = Received.decode(leaf_bytes({**forged.value, "signature": good.value["signature"]}))
    by_other = _received(signed(stream("US", 1), other))[0]
    raw_keys = {"US": {key_id(key.public_key()): key.public_key().public_bytes_raw()}}
    answers = submission_prep.prepare_chunk([good, forged, by_other], frozenset({"US"}), raw_keys)
    assert answers[0] == (good.value, good.raw)  # the record, and the leaf: the bytes received
    assert answers[1:] == [None, None]  # judged again on the writer's thread, which names why


def test_a_poison_line_in_a_pooled_batch_is_refused_alone(
    db_url: str, tmp_path: Path, pool: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bytes off the wire through the pool: a non-canonical copy of one notification is
    refused by its rule, every other line is accepted, and the acks are those of the
    writer's thread alone."""

    def acks(url: str | None, path: Path) -> list[dict[str, Any]]:
        with Workspace.init(path, "US", db_url=url) as ws:
            lines = _received(signed(stream("US", COUNT), ws.signing_key))
            poison = Received.decode(lines[7].raw.replace(b":", b": ", 1))
            batch = [*lines[:10], poison, *lines[10:]]
            return [a.to_json_dict() for a in open_ledger(ws).submit(batch)]

    before = signature_pool.verified_in_pool
    pooled = acks(db_url, tmp_path / "pooled")
    assert signature_pool.verified_in_pool - before == COUNT
    monkeypatch.setenv("TREATYLEDGER_VERIFY_WORKERS", "0")
    signature_pool.shutdown()
    assert pooled == acks(None, tmp_path / "writer")
    assert pooled[10]["rule"] == "encoding.not_canonical"
    assert [a["status"] for a in pooled[:10] + pooled[11:]] == ["accepted"] * COUNT


def test_notification_models_are_verified_in_the_pool(tmp_path: Path, pool: None) -> None:
    with Workspace.init(tmp_path / "ws", "US") as ws:
        models = [sign(Notification.model_validate(r), ws.signing_key) for r in stream("US", COUNT)]
        before = signature_pool.verified_in_pool
        acks = open_ledger(ws).submit(models)
    assert signature_pool.verified_in_pool - before == COUNT
    assert [a.status for a in acks] == ["accepted"] * COUNT


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


def test_workers_started_ahead_serve_the_first_batch(tmp_path: Path, pool: None) -> None:
    with Workspace.init(tmp_path / "ws", "US") as ws:
        store = open_ledger(ws)
        futures = store.start_workers()
        assert len(futures) == 2
        assert [f.result(timeout=120) for f in futures] == [[], []]
        assert len(signature_pool.worker_pids()) == 2
        before = signature_pool.verified_in_pool
        acks = store.submit(signed(stream("US", COUNT), ws.signing_key))
    assert signature_pool.verified_in_pool - before == COUNT
    assert {a.status for a in acks} == {"accepted"}

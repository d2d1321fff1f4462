"""Notifications sent to the verification pool ahead of their batch
(``LedgerStore.prepare_ahead``, then ``submit(ahead=)``), as a node's writer does while the
batch before them commits: the acks are those of a batch prepared with itself, a party
registered between dispatch and judgement is judged by the keys of judgement, and a pool that
dies with answers outstanding leaves the work to the writer. Runs on both backends."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from factory import signed, stream
from treatyledger.ledger.canonical import Received
from treatyledger.ledger.signing import leaf_bytes
from treatyledger.store import signature_pool
from treatyledger.store.ledger_store import LedgerStore, open_ledger
from treatyledger.store.workspace import Workspace, public_key_b64

COUNT = 24


def _received(records: list[dict[str, Any]]) -> list[Received]:
    return [Received.decode(leaf_bytes(r)) for r in records]


def _served(ws: Workspace) -> LedgerStore:
    """A store as a node opens it: every batch to the pool once the workers are ready."""
    store = open_ledger(ws)
    store.pool_min = 1
    for future in store.start_workers():
        future.result(timeout=120)
    return store


def _lines(ws: Workspace, forge: int) -> list[Received]:
    records = signed(stream("US", COUNT), ws.signing_key)
    records[forge]["signature"] = records[forge + 1]["signature"]
    return _received(records)


def test_a_batch_prepared_while_the_one_before_commits_gets_the_same_acks(
    db_url: str, tmp_path: Path, pool: None
) -> None:
    with Workspace.init(tmp_path / "ahead", "US", db_url=db_url) as ws:
        store = _served(ws)
        lines = _lines(ws, forge=17)
        half = COUNT // 2
        first = store.submit(lines[:half])
        ahead = store.prepare_ahead(lines[half:])  # sent before the first batch's commit
        assert all(handle is not None for handle in ahead)
        before = signature_pool.verified_in_pool
        second = store.submit(lines[half:], ahead)
        assert signature_pool.verified_in_pool - before == COUNT - half - 1  # not the forged
        pipelined = [a.to_json_dict() for a in first + second]
    with Workspace.init(tmp_path / "together", "US") as ws:  # its own SQLite
        sequential = [a.to_json_dict() for a in _served(ws).submit(_lines(ws, forge=17))]
    assert pipelined == sequential
    assert [a["status"] for a in pipelined[:17]] == ["accepted"] * 17
    assert pipelined[17]["rule"] == "signature.invalid"
    assert {a["rule"] for a in pipelined[18:]} == {"sequence.gap"}


def test_a_party_registered_after_dispatch_is_judged_by_the_keys_of_judgement(
    db_url: str, tmp_path: Path, pool: None
) -> None:
    """The pool refuses a party it was not told of; once the party is registered before its
    batch runs, that refusal is not used: the batch sends it again and it is accepted."""
    ru = Ed25519PrivateKey.generate()
    with Workspace.init(tmp_path / "ws", "US", db_url=db_url) as ws:
        store = _served(ws)
        lines = _received(signed(stream("RU", 3), ru))
        ahead = store.prepare_ahead(lines)
        answers = [handle.answer() for handle in ahead if handle is not None]
        assert [getattr(a, "rule", None) for a in answers] == ["signature.unknown_signer"] * 3
        ws.register_party_key("RU", public_key_b64(ru.public_key()))
        store.register_key("RU", public_key_b64(ru.public_key()))
        acks = store.submit(lines, ahead)
    assert [a.status for a in acks] == ["accepted"] * 3


def test_a_pool_that_dies_with_answers_outstanding_leaves_them_to_the_writer(
    db_url: str, tmp_path: Path, pool: None
) -> None:
    with Workspace.init(tmp_path / "ws", "US", db_url=db_url) as ws:
        store = _served(ws)
        lines = _lines(ws, forge=5)
        pids = signature_pool.worker_pids()
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)  # no answer comes before they die
        try:
            ahead = store.prepare_ahead(lines)
            assert all(handle is not None for handle in ahead)
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
        before = signature_pool.verified_in_pool
        acks = store.submit(lines, ahead)
    assert signature_pool.verified_in_pool == before  # judged on the writer's thread
    assert [a.status for a in acks[:5]] == ["accepted"] * 5
    assert acks[5].rule == "signature.invalid"
    assert {a.rule for a in acks[6:]} == {"sequence.gap"}

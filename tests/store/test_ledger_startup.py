"""The start-up check (store.ledger_startup) verifies no signature of a row before the sound
snapshot (each is matched to its leaf under the signed root instead) and every signature
after it; the full audit verifies every one, in the signature pool when there are enough.
The tamper suite (test_tamper.py) shows that each tampering is still caught at start."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from factory import Notifier, base_force, count_verified_signatures
from treatyledger.ledger.state import LedgerState
from treatyledger.node.keys import log_signer, log_vkey
from treatyledger.store import signature_pool
from treatyledger.store.checkpoints import current_checkpoint
from treatyledger.store.ledger_audit import WorkspaceAudit, audit_workspace
from treatyledger.store.ledger_snapshot import snapshot_key
from treatyledger.store.ledger_startup import check_at_start
from treatyledger.store.ledger_store import LedgerStore
from treatyledger.store.policy import workspace_policy
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.checkpoint import origin_for_party


@pytest.fixture
def verified(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The sequence numbers whose signature ``LedgerState`` verified, in this process (the
    pool off: every verification is the state's own)."""
    seen = count_verified_signatures(monkeypatch)
    yield seen
    signature_pool.shutdown()


def store_of(ws: Workspace) -> LedgerStore:
    policy = workspace_policy(ws.engine, ws.rules)
    return LedgerStore(ws.engine, policy, snapshot_key=snapshot_key(ws.signing_key))


@pytest.fixture
def ledger(workspace: Workspace, us: Notifier) -> Workspace:
    """Five notifications of US, a snapshot after the third, a signed checkpoint of five."""
    store = store_of(workspace)
    first = [
        us.declare(base_force()),
        us.make("load", {"container": "US-L1", "items": ["US-M1"]}),
        us.make("load", {"container": "US-M1", "warheads": 2}),
    ]
    assert [a.status for a in store.submit(first)] == ["accepted"] * 3
    store.save_snapshot()
    rest = [
        us.make("load", {"container": "US-L2", "items": ["US-M2"]}),
        us.make("load", {"container": "US-M2", "warheads": 1}),
    ]
    assert [a.status for a in store.submit(rest)] == ["accepted"] * 2
    origin = origin_for_party("US")
    current_checkpoint(workspace.engine, origin, log_signer("US", workspace.signing_key))
    return workspace


def start(ws: Workspace) -> tuple[WorkspaceAudit, LedgerState]:
    policy = workspace_policy(ws.engine, ws.rules)
    key = snapshot_key(ws.signing_key)
    return check_at_start(ws.engine, policy, log_vkey=log_vkey, snapshot_key=key)


def full_audit(ws: Workspace) -> WorkspaceAudit:
    report, _state = audit_workspace(
        ws.engine, workspace_policy(ws.engine, ws.rules), log_vkey=log_vkey
    )
    return report


def test_start_verifies_only_the_signatures_after_the_snapshot(
    ledger: Workspace, verified: list[int]
) -> None:
    report, state = start(ledger)
    assert report.ok, report.summary()
    assert verified == [4, 5]
    assert report.snapshot_through == {"US": 3}
    assert (report.notifications_checked, report.replayed) == (5, 2)
    assert state.snapshot() == store_of(ledger).state.snapshot()  # the state a replay gives


def test_the_full_audit_verifies_every_signature(ledger: Workspace, verified: list[int]) -> None:
    report = full_audit(ledger)
    assert report.ok, report.summary()
    assert verified == [1, 2, 3, 4, 5]
    assert report.snapshot_through == {}


def test_without_a_snapshot_start_checks_every_row_in_full(
    ledger: Workspace, verified: list[int]
) -> None:
    with ledger.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_snapshots"))
    report, _state = start(ledger)
    assert report.ok, report.summary()
    assert verified == [1, 2, 3, 4, 5]


def test_a_snapshot_under_another_key_is_not_trusted(
    ledger: Workspace, verified: list[int]
) -> None:
    policy = workspace_policy(ledger.engine, ledger.rules)
    report, _state = check_at_start(
        ledger.engine, policy, log_vkey=log_vkey, snapshot_key=b"not the party's key"
    )
    assert report.ok, report.summary()
    assert report.snapshot_through == {}
    assert verified == [1, 2, 3, 4, 5]


def test_a_snapshot_without_the_index_digest_is_not_trusted(
    ledger: Workspace, verified: list[int]
) -> None:
    """A snapshot of the format before the start-up check: the index before it could not be
    checked, so every row is checked in full (and a node then writes a new snapshot)."""
    import json

    from treatyledger.store.ledger_snapshot import _digest

    with ledger.engine.begin() as conn:
        positions, body = conn.execute(text("SELECT positions, body FROM ledger_snapshots")).one()
        old = json.loads(positions)
        for at in old.values():
            del at["index_chain"]
        text_positions = json.dumps(old, sort_keys=True)
        conn.execute(
            text("UPDATE ledger_snapshots SET positions = :p, digest = :d"),
            {
                "p": text_positions,
                "d": _digest(text_positions, bytes(body), snapshot_key(ledger.signing_key)),
            },
        )
    report, _state = start(ledger)
    assert report.ok, report.summary()
    assert report.snapshot_through == {}
    assert verified == [1, 2, 3, 4, 5]


def test_the_full_audit_verifies_in_the_signature_pool(
    workspace: Workspace, us: Notifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TREATYLEDGER_VERIFY_WORKERS", "1")
    signature_pool.shutdown()
    store = store_of(workspace)
    declared = [us.declare(base_force())]
    moves = [
        us.make("move", {"uid": "US-B1", "to_facility": f"BASE-{i % 2}"})
        for i in range(signature_pool.POOL_MIN + 8)
    ]
    assert {a.status for a in store.submit(declared + moves)} == {"accepted"}
    try:
        before = signature_pool.verified_in_pool
        report = full_audit(workspace)
        assert report.ok, report.summary()
        assert signature_pool.verified_in_pool - before == len(declared) + len(moves)
    finally:
        signature_pool.shutdown()


def test_start_reads_the_leaves_once(ledger: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows are checked against the leaves the log's audit hashes: each leaf is read
    once (the three before the snapshot in the committed pass, the two after it with their
    rows), where the full audit reads them for the rows and again for the tree (twice)."""
    from treatyledger.store import committed_rows, ledger_audit, tlog_audit

    read: list[int] = []

    def noted(page: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
        read.extend(index for index, _leaf in page)
        return page

    def counted(reader: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = reader(*args, **kwargs)  # a page, or an iterator of pages
            return noted(result) if isinstance(result, list) else map(noted, result)

        return wrapper

    monkeypatch.setattr(ledger_audit, "_leaf_range", counted(ledger_audit._leaf_range))
    monkeypatch.setattr(committed_rows, "leaf_pages", counted(tlog_audit.leaf_pages))
    monkeypatch.setattr(tlog_audit, "leaf_pages", counted(tlog_audit.leaf_pages))
    report, _state = start(ledger)
    assert report.ok, report.summary()
    assert report.snapshot_through == {"US": 3}
    assert [log.leaves_checked for log in report.logs] == [5]
    assert sorted(read) == [0, 1, 2, 3, 4]
    read.clear()
    assert full_audit(ledger).ok
    assert sorted(read) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]

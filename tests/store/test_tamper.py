"""The tamper suite: every row an attacker with write access to the database can change,
changed with plain SQL, and the audit (``log audit``, a node's start) names the rule that
caught it and the first bad entry. On both backends."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import pytest
from sqlalchemy import Connection, text

from factory import Notifier, base_force, loaded_force, set_signed
from treatyledger.ledger import leaf_bytes
from treatyledger.node.keys import log_signer, log_vkey
from treatyledger.store import ledger_startup
from treatyledger.store.checkpoints import current_checkpoint
from treatyledger.store.ledger_audit import WorkspaceAudit, audit_workspace
from treatyledger.store.ledger_snapshot import snapshot_key
from treatyledger.store.ledger_store import LedgerStore
from treatyledger.store.policy import workspace_policy
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.checkpoint import origin_for_party

ORIGIN = origin_for_party("US")


@pytest.fixture
def ledger(workspace: Workspace, ledger_store: LedgerStore, us: Notifier) -> Workspace:
    """Five notifications of US (the third loads 2 RVs on US-M1) and a signed checkpoint."""
    acks = ledger_store.submit(loaded_force(us))
    assert [a.status for a in acks] == ["accepted"] * 5
    current_checkpoint(workspace.engine, ORIGIN, log_signer("US", workspace.signing_key))
    return workspace


def audit(ws: Workspace) -> WorkspaceAudit:
    policy = workspace_policy(ws.engine, ws.rules)
    report, _state = audit_workspace(ws.engine, policy, log_vkey=log_vkey)
    return report


def signed_of(conn: Connection, sequence: int) -> bytes:
    return bytes(
        conn.execute(
            text("SELECT signed_bytes FROM ledger_notifications WHERE sequence = :s"),
            {"s": sequence},
        ).scalar_one()
    )


def set_leaf(conn: Connection, index: int, leaf: bytes) -> None:
    conn.execute(text("UPDATE tlog_leaves SET leaf = :l WHERE idx = :i"), {"l": leaf, "i": index})


def three_rvs(conn: Connection) -> bytes:
    """US#3 as the issue's attacker rewrote it: 3 RVs where 2 were signed."""
    record = json.loads(signed_of(conn, 3))
    record["payload"]["warheads"] = 3
    return leaf_bytes(record)


def edit_body(conn: Connection) -> None:
    set_signed(conn, 3, three_rvs(conn))


def edit_body_and_leaf(conn: Connection) -> None:
    forged = three_rvs(conn)
    set_signed(conn, 3, forged)
    set_leaf(conn, 2, forged)


def edit_signature(conn: Connection) -> None:
    record = json.loads(signed_of(conn, 2))
    signature = bytearray(record["signature"].encode())
    signature[5] = ord("A") if signature[5] != ord("A") else ord("B")
    record["signature"] = signature.decode()
    forged = leaf_bytes(record)
    set_signed(conn, 2, forged)
    set_leaf(conn, 1, forged)


def edit_leaf(conn: Connection) -> None:
    set_leaf(conn, 3, b'{"forged":true}')


def delete_row(conn: Connection) -> None:
    conn.execute(text("DELETE FROM ledger_item_notifications WHERE sequence = 4"))
    conn.execute(text("DELETE FROM ledger_notifications WHERE sequence = 4"))


def reorder_rows(conn: Connection) -> None:
    second, third = signed_of(conn, 2), signed_of(conn, 3)
    set_signed(conn, 2, third)
    set_signed(conn, 3, second)


def truncate_log(conn: Connection) -> None:
    conn.execute(text("DELETE FROM tlog_leaves WHERE idx >= 3"))
    conn.execute(text("UPDATE tlog_logs SET size = 3"))


def change_checkpoint(conn: Connection) -> None:
    conn.execute(text("UPDATE tlog_checkpoints SET root = :r"), {"r": b"\x01" * 32})


def change_checkpoint_note(conn: Connection) -> None:
    note = conn.execute(text("SELECT note FROM tlog_checkpoints")).scalar_one()
    lines = note.split("\n")
    lines[1] = "4"  # the size line, with the signature left as it was
    conn.execute(text("UPDATE tlog_checkpoints SET note = :n"), {"n": "\n".join(lines)})


def edit_tile(conn: Connection) -> None:
    hashes = bytes(conn.execute(text("SELECT hashes FROM tlog_tiles LIMIT 1")).scalar_one())
    conn.execute(text("UPDATE tlog_tiles SET hashes = :h"), {"h": b"\x02" + hashes[1:]})


def edit_item(conn: Connection) -> None:
    body = conn.execute(text("SELECT body FROM ledger_items WHERE uid = 'US-M1'")).scalar_one()
    fields = json.loads(body)
    fields["warheads"] = 3
    conn.execute(
        text("UPDATE ledger_items SET body = :b WHERE uid = 'US-M1'"),
        {"b": json.dumps(fields, sort_keys=True)},
    )


def delete_item(conn: Connection) -> None:
    conn.execute(text("DELETE FROM ledger_items WHERE uid = 'US-W3'"))


def edit_index(conn: Connection) -> None:
    conn.execute(text("DELETE FROM ledger_item_notifications WHERE uid = 'US-M1' AND sequence = 3"))


def edit_columns(conn: Connection) -> None:
    conn.execute(text("UPDATE ledger_notifications SET kind = 'retire' WHERE sequence = 5"))


def edit_time_column(conn: Connection) -> None:
    """The effective time a date query filters on, moved (the bytes left as signed)."""
    conn.execute(
        text("UPDATE ledger_notifications SET effective_time = issued_time WHERE sequence = 4")
    )


def edit_content_hash(conn: Connection) -> None:
    conn.execute(
        text("UPDATE ledger_notifications SET content_hash = :h WHERE sequence = 3"),
        {"h": hashlib.sha256(b"another notification").hexdigest()},
    )


def edit_leaf_index(conn: Connection) -> None:
    conn.execute(text("UPDATE ledger_notifications SET leaf_index = 0 WHERE sequence = 5"))


Tamper = Callable[[Connection], None]

CASES: list[tuple[str, Tamper, str, str]] = [
    # name, tampering, the rule of the first finding, where it is
    ("notification body", edit_body, "notification.leaf", "US#3"),
    ("notification body and its leaf", edit_body_and_leaf, "notification.signature", "US#3"),
    ("signature", edit_signature, "notification.signature", "US#2"),
    ("leaf", edit_leaf, "notification.leaf", "US#4"),
    ("deleted notification", delete_row, "notification.missing", "US#4"),
    ("reordered notifications", reorder_rows, "notification.columns", "US#2"),
    ("truncated log", truncate_log, "notification.leaf", "US#4"),
    ("checkpoint root", change_checkpoint, "log.tree", f"log {ORIGIN}"),
    ("checkpoint note", change_checkpoint_note, "log.tree", f"log {ORIGIN}"),
    ("tile", edit_tile, "log.tree", f"log {ORIGIN}"),
    ("derived item", edit_item, "derived.items", "item US/US-M1"),
    ("deleted item", delete_item, "derived.items", "item US/US-W3"),
    ("history index", edit_index, "derived.index", "item US/US-M1"),
    ("notification columns", edit_columns, "notification.columns", "US#5"),
    ("time column", edit_time_column, "notification.columns", "US#4"),
    ("leaf index", edit_leaf_index, "notification.leaf_index", "US#5"),
    ("content hash", edit_content_hash, "notification.hash", "US#3"),
]


def test_an_untouched_store_passes_its_audit(ledger: Workspace) -> None:
    report = audit(ledger)
    assert report.ok, report.summary()
    assert report.notifications_checked == 5
    assert report.items_checked == len(base_force())
    assert report.to_json_dict()["checkpoints_checked"] == 1


@pytest.mark.parametrize(
    ("tamper", "rule", "where"),
    [pytest.param(tamper, rule, where, id=name) for name, tamper, rule, where in CASES],
)
def test_each_tampering_is_caught_and_named(
    ledger: Workspace, tamper: Tamper, rule: str, where: str
) -> None:
    with ledger.engine.begin() as conn:
        tamper(conn)
    report = audit(ledger)
    assert not report.ok
    first = report.first
    assert first is not None
    assert (first.rule, first.where) == (rule, where), report.summary()


def test_a_forged_body_is_also_caught_by_its_signature(ledger: Workspace) -> None:
    with ledger.engine.begin() as conn:
        edit_body(conn)
    rules = {(f.rule, f.where) for f in audit(ledger).findings}
    assert ("notification.signature", "US#3") in rules


def test_the_truncated_log_names_each_lost_leaf(ledger: Workspace) -> None:
    with ledger.engine.begin() as conn:
        truncate_log(conn)
    found = [(f.rule, f.where) for f in audit(ledger).findings if f.rule == "notification.leaf"]
    assert found == [("notification.leaf", "US#4"), ("notification.leaf", "US#5")]


def test_findings_are_bounded(ledger: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from treatyledger.store import ledger_audit

    monkeypatch.setattr(ledger_audit, "MAX_FINDINGS", 2)
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_items SET body = '{}'"))
    report = audit(ledger)
    assert len(report.findings) == 2
    assert report.more > 0
    assert "more)" in report.summary()


# ---------------------------------------------------------------------- the start-up check


def check_at_start(ws: Workspace) -> WorkspaceAudit:
    policy = workspace_policy(ws.engine, ws.rules)
    report, _state = ledger_startup.check_at_start(
        ws.engine, policy, log_vkey=log_vkey, snapshot_key=snapshot_key(ws.signing_key)
    )
    return report


@pytest.fixture
def snapshotted(ledger: Workspace) -> Workspace:
    """The five notifications, all of them in a sound snapshot: the start-up check replays
    none of them, only matches them to their leaves."""
    store = LedgerStore(
        ledger.engine,
        workspace_policy(ledger.engine, ledger.rules),
        snapshot_key=snapshot_key(ledger.signing_key),
    )
    store.save_snapshot()
    return ledger


#: where the start-up check's first finding differs from the full audit's, and why
START_CASES = {
    # the row equals its leaf, so only the log's root shows it (no signature check needed)
    "notification body and its leaf": ("log.tree", f"log {ORIGIN}"),
    "signature": ("log.tree", f"log {ORIGIN}"),
    # the index before the snapshot is checked against the snapshot's digest of it
    "history index": ("derived.index", "history index of US"),
}


def test_an_untouched_store_passes_its_start_up_check_from_the_snapshot(
    snapshotted: Workspace,
) -> None:
    report = check_at_start(snapshotted)
    assert report.ok, report.summary()
    assert report.snapshot_through == {"US": 5}
    assert report.replayed == 0
    assert report.notifications_checked == 5
    assert report.items_checked == len(base_force())


@pytest.mark.parametrize(
    ("tamper", "rule", "where"),
    [
        pytest.param(tamper, *START_CASES.get(name, (rule, where)), id=name)
        for name, tamper, rule, where in CASES
    ],
)
def test_the_start_up_check_catches_each_tampering(
    snapshotted: Workspace, tamper: Tamper, rule: str, where: str
) -> None:
    with snapshotted.engine.begin() as conn:
        tamper(conn)
    report = check_at_start(snapshotted)
    assert not report.ok
    first = report.first
    assert first is not None
    assert (first.rule, first.where) == (rule, where), report.summary()

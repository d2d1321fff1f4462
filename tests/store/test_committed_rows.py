"""The start-up check's SQL over the rows before the snapshot (store.committed_rows): it
vouches for an untouched row and names each row whose columns were edited without touching
its bytes, on both backends; bytes it cannot read as JSON send every row to the row-by-row
check, which names the row. The tamper suite (test_tamper.py) runs every tampering through
the whole start-up check."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from factory import Notifier, loaded_force, set_signed
from treatyledger.node.keys import log_signer, log_vkey
from treatyledger.store.checkpoints import current_checkpoint
from treatyledger.store.committed_rows import rows_are_one_to, suspect_rows
from treatyledger.store.ledger_audit import WorkspaceAudit, log_pk_of
from treatyledger.store.ledger_snapshot import snapshot_key
from treatyledger.store.ledger_startup import check_at_start
from treatyledger.store.ledger_store import LedgerStore
from treatyledger.store.policy import workspace_policy
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.checkpoint import origin_for_party

ORIGIN = origin_for_party("US")


@pytest.fixture
def ledger(workspace: Workspace, us: Notifier) -> Workspace:
    """Five notifications of US, all in a sound snapshot, and a signed checkpoint."""
    policy = workspace_policy(workspace.engine, workspace.rules)
    store = LedgerStore(workspace.engine, policy, snapshot_key=snapshot_key(workspace.signing_key))
    acks = store.submit(loaded_force(us))
    assert [a.status for a in acks] == ["accepted"] * 5
    store.save_snapshot()
    current_checkpoint(workspace.engine, ORIGIN, log_signer("US", workspace.signing_key))
    return workspace


def suspects(ws: Workspace) -> list[int] | None:
    with ws.engine.connect() as conn:
        log_pk = log_pk_of(conn, ORIGIN)
        assert log_pk is not None
        assert rows_are_one_to(conn, "US", 5)
        return suspect_rows(conn, "US", log_pk, 5)


def start(ws: Workspace) -> WorkspaceAudit:
    policy = workspace_policy(ws.engine, ws.rules)
    key = snapshot_key(ws.signing_key)
    report, _state = check_at_start(ws.engine, policy, log_vkey=log_vkey, snapshot_key=key)
    return report


def test_sql_vouches_for_every_untouched_row(ledger: Workspace) -> None:
    assert suspects(ledger) == []
    report = start(ledger)
    assert report.ok, report.summary()
    assert report.snapshot_through == {"US": 5}


#: a column edited, the bytes left as signed: the row SQL names, the rule the check names
EDITS = [
    ("kind", "UPDATE ledger_notifications SET kind = 'retire' WHERE sequence = 4", 4),
    (
        "effective time",
        "UPDATE ledger_notifications SET effective_time = issued_time WHERE sequence = 2",
        2,
    ),
    (
        "issued time",
        "UPDATE ledger_notifications SET issued_time = effective_time WHERE sequence = 3",
        3,
    ),
    ("leaf index", "UPDATE ledger_notifications SET leaf_index = 7 WHERE sequence = 5", 5),
]


@pytest.mark.parametrize(
    ("statement", "sequence"), [pytest.param(sql, seq, id=name) for name, sql, seq in EDITS]
)
def test_sql_names_a_column_edited_without_its_bytes(
    ledger: Workspace, statement: str, sequence: int
) -> None:
    with ledger.engine.begin() as conn:
        conn.execute(text(statement))
    assert suspects(ledger) == [sequence]
    first = start(ledger).first
    assert first is not None
    assert first.where == f"US#{sequence}"
    assert first.rule in ("notification.columns", "notification.leaf_index")


def test_bytes_that_are_not_json_are_checked_row_by_row(ledger: Workspace) -> None:
    """SQLite reads the JSON of every row, fails, and sends every row to the row-by-row
    check; PostgreSQL compares the bytes with the leaf first and names the row."""
    with ledger.engine.begin() as conn:
        set_signed(conn, 2, b"\xff not JSON")
    assert suspects(ledger) == (None if ledger.engine.dialect.name == "sqlite" else [2])
    first = start(ledger).first
    assert first is not None
    assert (first.rule, first.where) == ("notification.encoding", "US#2")


def test_an_edited_content_hash_is_named(ledger: Workspace) -> None:
    """SQLite compares the hashes in Python as the leaves pass, PostgreSQL in its query."""
    with ledger.engine.begin() as conn:
        conn.execute(
            text("UPDATE ledger_notifications SET content_hash = :h WHERE sequence = 3"),
            {"h": "0" * 64},
        )
    first = start(ledger).first
    assert first is not None
    assert (first.rule, first.where) == ("notification.hash", "US#3")


def test_a_row_deleted_before_the_snapshot_goes_row_by_row(ledger: Workspace) -> None:
    with ledger.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_item_notifications WHERE sequence = 2"))
        conn.execute(text("DELETE FROM ledger_notifications WHERE sequence = 2"))
        assert not rows_are_one_to(conn, "US", 5)
    first = start(ledger).first
    assert first is not None
    assert (first.rule, first.where) == ("notification.missing", "US#2")

"""Crash safety: an import killed with SIGKILL mid-way loses no acknowledged notification,
half-applies none, and resumes without duplicates. On both backends.

The child (crash_import.py) prints an ACK line only after the batch's transaction committed;
the test kills it once a good part of the stream is acknowledged, then checks the database
against every ACK it read and re-runs the import to completion.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from treatyledger.store.ledger_reads import materialized_differences
from treatyledger.store.ledger_store import open_ledger
from treatyledger.store.ledger_tables import NotificationRow
from treatyledger.store.tlog_store import log_size
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.checkpoint import origin_for_party

CHILD = Path(__file__).with_name("crash_import.py")
CHURN = 25  # about 2,500 notifications
BATCH = 100
KILL_AFTER_ACKS = 700


def run_child(workspace: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(workspace), str(CHURN), str(BATCH)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stored_sequences(workspace: Path) -> list[int]:
    with Workspace.open(workspace) as ws, ws.engine.connect() as conn:
        return list(
            conn.execute(
                select(NotificationRow.sequence)
                .where(NotificationRow.party == "US")
                .order_by(NotificationRow.sequence)
            ).scalars()
        )


def test_sigkill_mid_import_loses_no_ack_and_resumes_without_duplicates(
    db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "ws"
    Workspace.init(path, "US", db_url=db_url).close()

    child = run_child(path)
    acked: dict[int, int] = {}
    assert child.stdout is not None
    for line in child.stdout:
        parts = line.split()
        assert parts[0] == "ACK", line
        acked[int(parts[2])] = int(parts[3])
        if len(acked) >= KILL_AFTER_ACKS:
            os.kill(child.pid, signal.SIGKILL)
            break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, "the import finished before it was killed"

    # every acknowledged notification is there, with the leaf index it was acked with
    stored = stored_sequences(path)
    assert set(acked) <= set(stored)
    assert stored == list(range(1, len(stored) + 1))  # a prefix of the stream, no holes
    with Workspace.open(path) as ws:
        store = open_ledger(ws)
        # none half-applied: items table == replay, log size == notifications stored
        assert materialized_differences(ws.engine, store.policy) == []
        with ws.engine.connect() as conn:
            assert log_size(conn, origin_for_party("US")) == len(stored)
            leaves = dict(
                (s, leaf)
                for s, leaf in conn.execute(
                    select(NotificationRow.sequence, NotificationRow.leaf_index)
                )
            )
    assert all(leaves[sequence] == leaf for sequence, leaf in acked.items())

    # the import resumes: what is stored comes back as duplicate, the rest is accepted
    rerun = subprocess.run(
        [sys.executable, str(CHILD), str(path), str(CHURN), str(BATCH)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    done = rerun.stdout.strip().splitlines()[-1].split()
    accepted, duplicate, rejected = int(done[1]), int(done[2]), int(done[3])
    assert (duplicate, rejected) == (len(stored), 0)
    final = stored_sequences(path)
    assert final == list(range(1, len(stored) + accepted + 1))
    with Workspace.open(path) as ws, ws.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(NotificationRow)).scalar_one()
        assert count == len(final)
        assert log_size(conn, origin_for_party("US")) == len(final)

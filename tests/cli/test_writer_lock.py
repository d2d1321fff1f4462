"""One writer per workspace, with real processes: while `serve` runs, a second `serve` and a
`notify` on the same workspace exit 4 naming the holder; once it stops, `notify` works. On
PostgreSQL the advisory lock also stops a second folder configured with the same database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from treatyledger.errors import ExitCode
from treatyledger.store.errors import WorkspaceBusy
from treatyledger.store.workspace import Workspace
from treatyledger.store.writer_lock import WriterLock

CLI = [sys.executable, "-m", "treatyledger.cli"]
DECLARE = {
    "kind": "declare",
    "effective_time": "2011-02-05T00:00:00Z",
    "issued_time": "2011-02-06T00:00:00Z",
    "payload": {"items": [{"uid": "US-W1", "party": "US", "kind": "warhead", "status": "stored"}]},
}


def cli(*argv: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *map(str, argv)], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_a_second_writer_process_is_refused_naming_the_holder(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert cli("init", "-w", ws, "--party", "US").returncode == 0
    lines = tmp_path / "n.jsonl"
    lines.write_text(json.dumps(DECLARE) + "\n")
    server = subprocess.Popen(
        [*CLI, "serve", "-w", str(ws), "--port", "0", "--witness-push", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first.startswith("serving party US on "), first
        holder = f"pid {server.pid} (serve)"
        for argv in (("notify", "-w", ws, lines), ("serve", "-w", ws, "--port", "0")):
            refused = cli(*argv)
            assert refused.returncode == ExitCode.UNAVAILABLE, refused.stderr
            assert "is open for writing by" in refused.stderr
            assert holder in refused.stderr
            assert "Traceback" not in refused.stderr
    finally:
        os.kill(server.pid, signal.SIGINT)
        server.communicate(timeout=60)
    accepted = cli("notify", "-w", ws, lines)
    assert accepted.returncode == 0, accepted.stderr
    assert "accepted 1" in accepted.stdout


def test_the_lock_outlives_nothing_a_killed_holder_frees_it(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert cli("init", "-w", ws, "--party", "US").returncode == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from treatyledger.store.workspace import Workspace\n"
            f"ws = Workspace.open({str(ws)!r}); ws.hold_writer_lock('test'); print('held')\n"
            "sys.stdout.flush(); time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    with Workspace.open(ws) as opened, pytest.raises(WorkspaceBusy, match=f"pid {holder.pid}"):
        opened.hold_writer_lock("notify")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=60)
    with Workspace.open(ws) as opened:
        opened.hold_writer_lock("notify")  # no stale lock to clean up


def test_postgresql_advisory_lock_spans_workspace_folders(
    postgres_url: str, tmp_path: Path
) -> None:
    with Workspace.init(tmp_path / "a", "US", db_url=postgres_url) as ws:
        first = WriterLock(tmp_path / "a", ws.engine, "US", "serve")
        first.acquire()
        (tmp_path / "b").mkdir()
        second = WriterLock(tmp_path / "b", ws.engine, "US", "notify")
        with pytest.raises(
            WorkspaceBusy, match=r"pid \d+ \(serve\).*PostgreSQL advisory lock of US"
        ):
            second.acquire()
        first.release()
        second.acquire()  # free once the first session let go
        second.release()

"""One writer per workspace: the lock every process that appends to the party's own log holds.

Two writers of one log would each hold their own idea of the next sequence: the second one's
notifications fork the sequence and the first then rejects every valid submission as a gap.
So ``serve``, ``notify``, ``import-inventory`` and ``escrow publish`` hold this lock while they
run, and a second one stops at once with a message naming the holder:

- a file lock (``flock``) on ``writer.lock`` in the workspace folder, which also records who
  holds it (pid, command, host, since when): enough for SQLite, whose database is in the folder;
- on PostgreSQL also a session advisory lock keyed by the party, held on a connection of its
  own (autocommit, so it holds no transaction open): two folders configured with one database,
  even on two machines, cannot both write. Its holder is named from ``pg_stat_activity``.

The locks go when the process ends, however it ends (the kernel drops the flock, the server
the session's advisory lock): nothing stale to clean up.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from treatyledger.store.errors import WorkspaceBusy

LOCK_FILE = "writer.lock"


def advisory_key(party: str) -> int:
    """The PostgreSQL advisory lock key of ``party``'s log writer (a signed 64-bit integer)."""
    digest = hashlib.sha256(f"treatyledger writer {party}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class WriterLock:
    """The writer lock of one workspace, held from ``acquire`` to ``release``."""

    def __init__(self, root: Path, engine: Engine, party: str, holder: str):
        self.root = root
        self.engine = engine
        self.party = party
        self.holder = holder
        self._fd: int | None = None
        self._conn: Connection | None = None

    def acquire(self) -> None:
        path = self.root / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held_by = os.pread(fd, 512, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise self._busy(held_by) from None
        me = (
            f"pid {os.getpid()} ({self.holder}) on {socket.gethostname()} "
            f"since {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"
        )
        os.ftruncate(fd, 0)
        os.pwrite(fd, me.encode(), 0)
        self._fd = fd
        if self.engine.dialect.name == "postgresql":
            try:
                self._lock_database(me)
            except BaseException:
                self.release()
                raise

    def _lock_database(self, me: str) -> None:
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        key = advisory_key(self.party)
        conn.execute(text("SELECT set_config('application_name', :n, false)"), {"n": me[:63]})
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar_one():
            row = conn.execute(
                text(
                    "SELECT a.application_name, a.client_addr, a.backend_start "
                    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted "
                    "AND ((l.classid::bigint << 32) | l.objid::bigint) = :k"
                ),
                {"k": key},
            ).first()
            conn.invalidate()  # this session named itself: it goes, not back to the pool
            conn.close()
            held_by = "another session" if row is None else f"{row[0] or 'a session'}"
            if row is not None and row[1] is not None:
                held_by += f" from {row[1]}"
            raise self._busy(f"{held_by} (PostgreSQL advisory lock of {self.party})")
        self._conn = conn

    def _busy(self, held_by: str) -> WorkspaceBusy:
        return WorkspaceBusy(
            f"workspace {self.root} is open for writing by {held_by}; one writer per "
            f"workspace: stop that one first, or run `{self.holder}` through it"
        )

    def release(self) -> None:
        if self._conn is not None:
            # the session's advisory lock goes with the session: close it, not back to the pool
            self._conn.invalidate()
            self._conn.close()
            self._conn = None
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # and the flock with the file
            self._fd = None


__all__ = ["LOCK_FILE", "WriterLock", "advisory_key"]

"""Durability benchmark (plain script; `make bench` runs it). Two parts, on SQLite and, when
it is reachable, PostgreSQL (TREATYLEDGER_BENCH_PG, default the test server on 127.0.0.1):

1. What durability costs: acknowledged notifications per second through
   ``LedgerStore.submit`` (signatures verified, everything written, one transaction per
   batch) of the same signed stream of N = 2,000, in three configurations measured in the
   same run: the shipped durable setting with one commit per notification, the shipped
   setting with group commit (batches of 64, as the node's writer forms under load), and
   durability off (SQLite ``synchronous=OFF``, PostgreSQL ``synchronous_commit=off``) with
   one commit per notification. Ratios: group commit / per-notification (target >= 3x: the
   reason the node groups), durable / off (what an fsync per acknowledgement costs).
2. SIGKILL under load, then audit, TRIALS = 10 times per backend: a child imports a stream
   in batches of 20, printing each acknowledgement only after its batch committed; it is
   killed with SIGKILL after a different number of acknowledgements each trial; then every
   acknowledged notification must be stored (acknowledged / present / lost) and the
   workspace must pass ``log audit``'s checks (``node.integrity.audit_store``). Target: none
   lost, every audit clean. This kills the process, not the machine: it shows that an
   acknowledgement follows the commit, and that a cut-off transaction leaves nothing half
   written; a power cut is what ``synchronous=FULL`` / ``synchronous_commit=on`` are for.

Usage: python bench/durability_bench.py [N] [TRIALS]
       python bench/durability_bench.py --child WORKSPACE CHURN BATCH   (part 2's importer)
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event

from treatyledger.files import load_catalog
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger import sign
from treatyledger.ledger.synthetic import synthetic_stream
from treatyledger.model.notifications import Notification, parse_notification
from treatyledger.store.ledger_store import open_ledger
from treatyledger.store.workspace import Workspace

PG_ADMIN = os.environ.get("TREATYLEDGER_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
GROUP = 64
GROUP_TARGET = 3.0
KILL_CHURN = 8  # about 900 notifications a trial
KILL_BATCH = 20


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def records(churn: int, n: int | None = None) -> list[dict[str, Any]]:
    points = read_new_start_aggregates(party="US")
    stream = synthetic_stream(
        "US", points, load_catalog(), random.Random(20110205), churn_pairs_per_period=churn
    )
    while n is not None and len(stream) < n:
        churn = churn * 2 + 10
        stream = synthetic_stream(
            "US", points, load_catalog(), random.Random(20110205), churn_pairs_per_period=churn
        )
    return stream if n is None else stream[:n]


# ---------------------------------------------------------------------- backends


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:
        return False


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str | None]:
    """A fresh database for one workspace: None for SQLite (the workspace's own file)."""
    if backend == "sqlite":
        yield None
        return
    import psycopg

    name = f"tl_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def durability_off(workspace: Workspace) -> None:
    """Every new connection of the workspace's engine without durable commits."""
    engine = workspace.engine
    engine.dispose()
    statement = (
        "PRAGMA synchronous=OFF"
        if engine.dialect.name == "sqlite"
        else "SET synchronous_commit = off"
    )

    def off(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()
        if engine.dialect.name == "postgresql":
            dbapi_connection.commit()

    event.listen(engine, "connect", off)


# ---------------------------------------------------------------------- part 1


def ack_rate(
    backend: str, folder: Path, stream: list[dict[str, Any]], batch: int, *, durable: bool
) -> float:
    path = folder / f"{backend}-{batch}-{'on' if durable else 'off'}"
    with database(backend, folder) as url, Workspace.init(path, "US", db_url=url) as ws:
        if not durable:
            durability_off(ws)
        signed = [sign(parse_notification(r), ws.signing_key) for r in stream]
        store = open_ledger(ws)
        start = time.perf_counter()
        for first in range(0, len(signed), batch):
            acks = store.submit(signed[first : first + batch])
            if acks[-1].status != "accepted":
                raise SystemExit(f"unexpected ack {acks[-1]}")
        return len(signed) / (time.perf_counter() - start)


def throughput(backend: str, folder: Path, n: int) -> bool:
    stream = records(2, n)
    per_notification = ack_rate(backend, folder, stream, 1, durable=True)
    grouped = ack_rate(backend, folder, stream, GROUP, durable=True)
    off = ack_rate(backend, folder, stream, 1, durable=False)
    ok = grouped / per_notification >= GROUP_TARGET
    print(f"{backend}: {len(stream)} acknowledged notifications, signatures verified")
    print(f"  durable, one commit per notification: {per_notification:10,.0f} /s")
    print(f"  durable, group commit of {GROUP}:        {grouped:10,.0f} /s")
    print(f"  durability off, one commit each:      {off:10,.0f} /s")
    print(
        f"  group / per-notification: {grouped / per_notification:5.1f}x "
        f"(target >= {GROUP_TARGET:.0f}x) {verdict(ok)}"
    )
    print(f"  durable / off (one commit each): {per_notification / off:5.2f}")
    return ok


# ---------------------------------------------------------------------- part 2


def child(path: str, churn: int, batch: int) -> None:
    with Workspace.open(path, writer="durability bench") as ws:
        store = open_ledger(ws)
        signed: list[Notification] = [
            sign(parse_notification(r), ws.signing_key) for r in records(churn)
        ]
        print("READY", flush=True)
        for first in range(0, len(signed), batch):
            acks = store.submit(signed[first : first + batch])
            print(
                "\n".join(f"ACK {a.sequence}" for a in acks if a.status != "rejected"), flush=True
            )


def kill_trial(
    backend: str, folder: Path, trial: int, kill_after: int
) -> tuple[int, int, bool, str]:
    """(acknowledged, of those present, audit clean, first finding) of one killed import."""
    path = folder / f"kill-{backend}-{trial}"
    with database(backend, folder) as url:
        Workspace.init(path, "US", db_url=url).close()
        process = subprocess.Popen(
            [sys.executable, __file__, "--child", str(path), str(KILL_CHURN), str(KILL_BATCH)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        acked: set[int] = set()
        for line in process.stdout:
            if line.startswith("ACK "):
                acked.add(int(line.split()[1]))
                if len(acked) >= kill_after:
                    os.kill(process.pid, signal.SIGKILL)
                    break
        process.wait()
        process.stdout.close()
        return _checked(path, url, acked)


def _checked(path: Path, url: str | None, acked: set[int]) -> tuple[int, int, bool, str]:
    from sqlalchemy import select

    from treatyledger.node.integrity import audit_store
    from treatyledger.store.ledger_tables import NotificationRow

    with Workspace.open(path, db_url=url) as ws:
        with ws.engine.connect() as conn:
            stored = set(
                conn.execute(
                    select(NotificationRow.sequence).where(NotificationRow.party == "US")
                ).scalars()
            )
        report, _state = audit_store(ws.engine, ws.rules)
    first = "" if report.ok else str(report.first)
    return len(acked), len(acked & stored), report.ok, first


def durability(backend: str, folder: Path, trials: int) -> bool:
    rng = random.Random(13)
    totals = [0, 0]
    clean = 0
    for trial in range(trials):
        acknowledged, present, ok, first = kill_trial(
            backend, folder, trial, rng.randrange(100, 700)
        )
        totals[0] += acknowledged
        totals[1] += present
        clean += ok
        if not ok or present != acknowledged:
            print(f"  trial {trial}: {acknowledged} acknowledged, {present} present; {first}")
    lost = totals[0] - totals[1]
    ok = lost == 0 and clean == trials
    print(
        f"{backend}: SIGKILL under load x{trials}: acknowledged {totals[0]}, present "
        f"{totals[1]}, lost {lost}; audits clean {clean}/{trials} {verdict(ok)}"
    )
    return ok


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        child(argv[1], int(argv[2]), int(argv[3]))
        return 0
    n = int(argv[0]) if argv else 1_000
    trials = int(argv[1]) if len(argv) > 1 else 10
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    backends = ["sqlite"]
    if postgres_reachable():
        backends.append("postgresql")
    else:
        print(f"PostgreSQL not reachable at {PG_ADMIN}: its runs are missing (MISS)")
    results: list[bool] = []
    with tempfile.TemporaryDirectory(prefix="tl-durability-") as tmp:
        folder = Path(tmp)
        for backend in backends:
            results.append(throughput(backend, folder, n))
        for backend in backends:
            results.append(durability(backend, folder, trials))
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0 if all(results) and len(backends) == 2 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

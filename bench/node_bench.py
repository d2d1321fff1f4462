"""Node load test: concurrent clients submit signed notifications to a served node.

The node runs as its own process (``treatyledger serve``, as deployed); this process runs the
clients (asyncio + httpx, one connection each). Every notification is signed in advance (not
timed), one per request; a notification counts once the node acknowledged it as accepted,
which it does only after the transaction holding it (and its log leaf) committed: durable.
Baseline, same run, same clients: the round-trip rate of ``GET /v1/health`` (no database
write, no signature). Targets (issue 19): >= 2,000 acknowledged notifications/s on SQLite with
p99 < 100 ms, >= 1,500/s on PostgreSQL. The node's CPU seconds (its process and its
verification workers, from /proc) and the clients' are reported beside the wall rates, with
the load average: on a shared machine the wall rates are lower bounds.

    .venv/bin/python bench/node_bench.py [--duration 30] [--clients 50]
        [--backends sqlite,postgresql] [--per-request 1,2,4]

``--per-request 1,2,4`` adds runs where each request carries a batch of 2 and of 4 (as a
submitter batching what it has queued would), each with its own rate and p99; the targets,
and the exit status, are the one-per-request runs'.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from treatyledger.ledger import sign
from treatyledger.model.notifications import Notification
from treatyledger.node.auth import Role, add_principal
from treatyledger.node.submission import submission_body
from treatyledger.store.workspace import Workspace

#: issue 19: acknowledged durable notifications/s with 50 clients, p99 under 100 ms (SQLite)
TARGET_RATE = {"sqlite": 2000.0, "postgresql": 1500.0}
TARGET_P99_MS = 100.0
START = datetime(2011, 2, 5, tzinfo=UTC)


def notification(party: str, sequence: int) -> dict[str, Any]:
    """A stored warhead entering accountability: a small, realistic notification."""
    moment = START + timedelta(seconds=sequence)
    return {
        "party": party,
        "sequence": sequence,
        "kind": "declare",
        "effective_time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "issued_time": (moment + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "payload": {
            "items": [
                {
                    "uid": f"{party}-WH-{sequence}",
                    "party": party,
                    "kind": "warhead",
                    "status": "stored",
                    "facility": f"{party}-STORE",
                }
            ],
            "facilities": [],
        },
    }


def presign(party: str, key: Any, count: int, per_request: int = 1) -> list[bytes]:
    """Request bodies of ``per_request`` signed notifications each, already JSON-encoded."""
    signed = [
        sign(Notification.model_validate(notification(party, sequence)), key)
        for sequence in range(1, count + 1)
    ]
    return [submission_body(signed[i : i + per_request]) for i in range(0, count, per_request)]


def start_node(
    workspace: Path, db_url: str | None, *extra: str
) -> tuple[subprocess.Popen[str], str]:
    """``treatyledger serve`` on a free port, its output (the access log) into ``node.log``
    beside the workspace: a pipe nobody reads fills at 64 KiB and blocks the node."""
    command = [
        sys.executable,
        "-m",
        "treatyledger.cli",
        "serve",
        "-w",
        str(workspace),
        "--port",
        "0",
        *extra,
    ]
    if db_url:
        command += ["--db", db_url]
    log_path = workspace.parent / "node.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    deadline = time.monotonic() + 120
    url = None
    while url is None:
        found = re.search(r"on (http://\S+)", log_path.read_text())
        if found:
            url = found.group(1)
        elif process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"the node did not start: {log_path.read_text()[-2000:]}")
        else:
            time.sleep(0.05)
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/v1/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the node did not answer /v1/health")


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bytes]:
    """One HTTP/1.1 request on a kept-alive connection: (status, body)."""
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return status, await reader.readexactly(length)


async def load(
    url: str,
    token: str,
    clients: int,
    duration: float,
    bodies: list[bytes] | None,
) -> tuple[int, list[float], int]:
    """Run ``clients`` closed-loop clients for ``duration`` seconds, each on its own kept-alive
    connection (a minimal HTTP/1.1 client, like wrk: a Python HTTP library costs more CPU per
    request than the node and would measure itself). With ``bodies`` each request submits the
    next body; without, each is GET /v1/health. Returns (acknowledged notifications or
    answered requests, latencies in s, failed requests)."""
    target = urlparse(url)
    host = target.netloc
    auth = f"Authorization: Bearer {token}\r\n"
    health = f"GET /v1/health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    latencies: list[float] = []
    reasons: list[str] = []
    done = 0
    failures = 0
    position = 0
    stop_at = time.perf_counter() + duration

    async def client() -> None:
        nonlocal done, failures, position
        reader, writer = await asyncio.open_connection(target.hostname, target.port)
        try:
            while time.perf_counter() < stop_at:
                if bodies is None:
                    raw = health
                else:
                    if position >= len(bodies):
                        return
                    body = bodies[position]
                    position += 1
                    raw = (
                        f"POST /v1/notifications HTTP/1.1\r\nHost: {host}\r\n{auth}"
                        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                    ).encode() + body
                began = time.perf_counter()
                status, answer = await _exchange(reader, writer, raw)
                latencies.append(time.perf_counter() - began)
                accepted = 1
                if bodies is not None and status == 200:
                    results = json.loads(answer)["results"]
                    accepted = sum(r["status"] == "accepted" for r in results)
                    if accepted < len(results):
                        accepted = 0
                if status == 200 and accepted:
                    done += accepted
                else:
                    failures += 1
                    if len(reasons) < 3:
                        reasons.append(f"{status} {answer[:300]!r}")
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    for reason in reasons:
        print(f"  failure: {reason}")
    return done, latencies, failures


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` and its live descendants, from /proc."""
    return sum(own_cpu(p) for p in tree_pids(pid))


def tree_pids(pid: int) -> list[int]:
    """``pid`` and its live descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue  # it ended meanwhile
    return found


def own_cpu(pid: int) -> float:
    """CPU seconds of process ``pid`` alone (all its threads): for the node's own process,
    the time its threads ran, most of it holding the GIL they share (the verification
    workers are other processes)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0  # it ended meanwhile


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run_backend(name: str, args: argparse.Namespace, bodies_for: Any) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db_url = None
        cleanup = None
        if name == "postgresql":
            db_url, cleanup = fresh_postgres()
        workspace_path = Path(tmp) / "us"
        with Workspace.init(workspace_path, "US", db_url=db_url) as ws:
            token = add_principal(ws.engine, "bench", Role.OWNER)
            key = ws.signing_key
        bodies = bodies_for(key)
        # the health baseline is anonymous: without its per-address limit (not measured here)
        process, url = start_node(workspace_path, db_url, "--rate-limit", "anonymous=none")
        try:
            health_cpu = tree_cpu(process.pid)
            answered, base_lat, _ = asyncio.run(
                load(url, token, args.clients, args.baseline_duration, None)
            )
            baseline = answered / args.baseline_duration
            health_cpu = (tree_cpu(process.pid) - health_cpu) / max(answered, 1)
            node_cpu, clients_cpu = tree_cpu(process.pid), time.process_time()
            main_cpu = own_cpu(process.pid)
            began = time.perf_counter()
            acked, latencies, failures = asyncio.run(
                load(url, token, args.clients, args.duration, bodies)
            )
            elapsed = min(time.perf_counter() - began, args.duration + 5)
            node_cpu = tree_cpu(process.pid) - node_cpu
            main_cpu = own_cpu(process.pid) - main_cpu
            clients_cpu = time.process_time() - clients_cpu
            loadavg = os.getloadavg()[0]
        finally:
            process.terminate()
            process.wait(timeout=20)
            if cleanup:
                cleanup()
    rate = acked / elapsed
    if os.environ.get("NODE_BENCH_TIMELINE"):
        chunk = max(1, len(latencies) // 10)
        for i in range(0, len(latencies), chunk):
            part = sorted(latencies[i : i + chunk])
            print(
                f"    requests {i:6d}+: p50 {part[len(part) // 2] * 1000:6.1f} ms, "
                f"max {part[-1] * 1000:6.1f} ms"
            )
    p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
    print(
        f"\n[{name}] {args.clients} clients, {elapsed:.1f} s, {args.per_request} signed "
        "notification(s) per request"
    )
    print(
        f"  baseline GET /v1/health:          {baseline:8.0f} req/s "
        f"(p99 {percentile(base_lat, 0.99) * 1000:.1f} ms; node CPU {health_cpu * 1e6:.0f} us a "
        "request)"
    )
    print(
        f"  acknowledged durable submissions: {rate:8.0f} notifications/s "
        f"({acked} accepted, {failures} failed)"
    )
    if acked >= len(bodies) * args.per_request:
        print("  (every pre-signed notification was sent: the rate is a lower bound)")
    print(f"  latency p50 {p50:.1f} ms, p99 {p99:.1f} ms; ratio to baseline {rate / baseline:.2f}")
    per = node_cpu / max(acked, 1) * 1e6
    main_per = main_cpu / max(acked, 1) * 1e6
    print(
        f"  CPU: node {node_cpu:.1f} s ({per:.0f} us a notification, workers included; "
        f"{main_per:.0f} us in the node's own process, which shares one GIL), "
        f"clients {clients_cpu:.1f} s; load average {loadavg:.1f} on {os.cpu_count()} cores"
    )
    target = TARGET_RATE[name]
    ok = rate >= target and (name != "sqlite" or p99 < TARGET_P99_MS)
    if args.per_request != 1:
        print(f"  (the targets are for one notification a request, not {args.per_request})")
    p99_part = f", p99 < {TARGET_P99_MS:.0f} ms" if name == "sqlite" else ""
    print(
        f"  target >= {target:,.0f}/s{p99_part}; figure {rate:,.0f}/s, p99 {p99:.1f} ms; "
        f"ratio to target {rate / target:.2f}: {'PASS' if ok else 'MISS'}"
    )
    return {
        "rate": rate,
        "p50": p50,
        "p99": p99,
        "baseline": baseline,
        "failures": failures,
        "ok": ok,
        "main_us": main_per,
        "node_us": per,
    }


def fresh_postgres() -> tuple[str, Any]:
    import psycopg

    admin = os.environ.get("TREATYLEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"tl_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}", drop


def postgres_reachable() -> bool:
    try:
        import psycopg

        admin = os.environ.get(
            "TREATYLEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"
        )
        with psycopg.connect(admin, connect_timeout=3):
            return True
    except Exception:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of submissions")
    parser.add_argument("--baseline-duration", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--max-rate",
        type=float,
        default=4000.0,
        help="notifications pre-signed per second of duration (an upper bound)",
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--per-request",
        default="1",
        help="notifications in each request's batch, or several (1,2,4): one run each; the "
        "targets are for 1",
    )
    args = parser.parse_args()
    sizes = [int(p) for p in str(args.per_request).split(",")]
    began = time.perf_counter()

    results = {}
    for backend in args.backends.split(","):
        if backend == "postgresql" and not postgres_reachable():
            print("\n[postgresql] not reachable at 127.0.0.1:5432: skipped")
            continue
        for size in sizes:
            run = argparse.Namespace(**{**vars(args), "per_request": size})
            # batched requests may pass --max-rate: more are signed for them
            count = int(args.duration * args.max_rate * (1 if size == 1 else 1.5))

            def bodies_for(key: Any, size: int = size, count: int = count) -> list[bytes]:
                # each workspace has its own key: sign per run, outside the timed part
                return presign("US", key, count, size)

            results[(backend, size)] = run_backend(backend, run, bodies_for)
    print(f"\n(total bench time {time.perf_counter() - began:.0f} s)")
    for (backend, size), r in results.items():
        verdict = "PASS" if r["ok"] else "MISS"
        if size != 1:
            verdict = "(batched: not the acceptance figure)"
        print(
            f"node {backend}, {size} a request: {r['rate']:,.0f} notifications/s, "
            f"p99 {r['p99']:.1f} ms (target {TARGET_RATE[backend]:,.0f}/s): {verdict}"
        )
    judged = [r for (_, size), r in results.items() if size == 1] or list(results.values())
    return 0 if all(r["ok"] for r in judged) else 1


if __name__ == "__main__":
    sys.exit(main())

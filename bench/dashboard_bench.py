"""Observer page render time from a workspace holding a whole decade of notifications.

The workspace: the US New START stream from 2011-02-05 to the last official data date
(``ledger.synthetic``, sized from the official aggregates, with routine churn so that it holds
a decade of traffic: about as many notifications as a party sent under the treaty), signed and
stored through the ledger store, as a node stores them. The node (with its dashboard) is served
on loopback in this process; a client fetches ``GET /observer`` as the public does.

Figures: the first render (cold: the replay to every data date), then repeated renders at one
date (warm: the node's summary cache; what a public page costs after the log last grew), and
renders at a new date each time (every one a cache miss: the worst case, a replay per request).
Baseline, same run, same client: ``GET /v1/public/summary`` (the same computation as JSON,
without the page). Target: warm p95 < 200 ms.

    .venv/bin/python bench/dashboard_bench.py [--churn 250] [--requests 200]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

from treatyledger.files import load_catalog
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger import sign
from treatyledger.ledger.synthetic import synthetic_stream
from treatyledger.model.notifications import Notification
from treatyledger.node.auth import Role, add_principal
from treatyledger.node.context import NodeContext
from treatyledger.node.server import serve_in_thread
from treatyledger.node.views import treaty
from treatyledger.report.dashboard import create_node_app
from treatyledger.store.ledger_store import LedgerStore
from treatyledger.store.workspace import Workspace

TARGET_P95_MS = 200.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def decade_workspace(path: Path, churn: int) -> tuple[Workspace, int, date]:
    workspace = Workspace.init(path, "US")
    points = read_new_start_aggregates(party="US")
    records = synthetic_stream(
        "US", points, load_catalog(), random.Random(2011), churn_pairs_per_period=churn
    )
    key = workspace.signing_key
    signed = [sign(Notification.model_validate(r), key) for r in records]
    store = LedgerStore(workspace.engine, treaty(workspace.engine, workspace.rules).policy)
    for start in range(0, len(signed), 2000):
        acks = store.submit(signed[start : start + 2000])
        assert all(a.status == "accepted" for a in acks), "the stream was not accepted"
    return workspace, len(signed), points[-1].date


def timed(client: httpx.Client, path: str) -> float:
    began = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - began
    assert response.status_code == 200, (path, response.status_code, response.text[:200])
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--churn", type=int, default=250, help="routine pairs per period")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--misses", type=int, default=10, help="renders at new dates")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        workspace, count, last = decade_workspace(Path(tmp) / "us", args.churn)
        print(
            f"workspace: {count:,} notifications, 2011-02-05 to {last}, "
            f"built in {time.perf_counter() - began:.0f} s"
        )
        observer = add_principal(workspace.engine, "public", Role.OBSERVER)
        running = serve_in_thread(create_node_app(NodeContext.from_workspace(workspace)))
        try:
            headers = {"Authorization": f"Bearer {observer}"}
            with (
                httpx.Client(base_url=running.url, timeout=120) as client,
                httpx.Client(base_url=running.url, headers=headers, timeout=120) as api_client,
            ):
                as_of = (last + timedelta(days=30)).isoformat()
                cold = timed(client, f"/observer?as_of={as_of}")
                page = [timed(client, f"/observer?as_of={as_of}") for _ in range(args.requests)]
                api = [
                    timed(api_client, f"/v1/public/summary?as_of={as_of}")
                    for _ in range(args.requests)
                ]
                misses = [
                    timed(client, f"/observer?as_of={(last + timedelta(days=31 + i)).isoformat()}")
                    for i in range(args.misses)
                ]
        finally:
            running.stop()
            workspace.close()
    p50, p95 = percentile(page, 0.5) * 1000, percentile(page, 0.95) * 1000
    api95 = percentile(api, 0.95) * 1000
    miss95 = percentile(misses, 0.95) * 1000
    print(f"observer page, first render (cold replay): {cold * 1000:.0f} ms")
    print(f"observer page, warm: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(page)} renders")
    print(
        f"baseline GET /v1/public/summary (same data as JSON): p95 {api95:.1f} ms; "
        f"page/JSON p95 ratio {p95 / api95:.2f}"
    )
    print(f"observer page at a new date each time (cache miss, replay): p95 {miss95:.0f} ms")
    verdict = "met" if p95 < TARGET_P95_MS else "MISSED"
    print(f"target warm p95 < {TARGET_P95_MS:.0f} ms: {verdict}")
    if p95 >= TARGET_P95_MS:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

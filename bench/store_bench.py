"""Store benchmark (plain script; `make bench` runs it).

A synthetic US stream (treatyledger.ledger.synthetic, sized with routine churn pairs) of
N = 100,000 notifications, signed with a fresh key, imported into a fresh SQLite workspace
(WAL, synchronous FULL) in batches of 1,000, each batch one committed transaction:

1. Import with signatures verified: the JSON of each signed notification goes through
   ``LedgerStore.submit`` (schema parse, Ed25519 verification, validation, log leaves, rows,
   items, index, commit). Baseline in the same run: raw Ed25519 verification of the same
   messages (``cryptography``, no parsing, no storage). Target >= 3,000 notifications/s.
2. The store alone, verification off: already parsed notifications through ``submit`` with
   ``verify_signatures=False`` (validation and everything written, nothing verified).
   Baseline in the same run: a raw ``executemany`` of 100,000 rows (party, sequence, the same
   signed bytes) into one SQLite table, committed every 1,000 rows, same pragmas.
   Target >= 20,000 notifications/s.

Usage: python bench/store_bench.py [N]
"""

from __future__ import annotations

import base64
import gc
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from treatyledger.files import load_catalog
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger import canonical_bytes, sign
from treatyledger.ledger.synthetic import synthetic_stream
from treatyledger.model.notifications import parse_notification
from treatyledger.store.ledger_store import open_ledger
from treatyledger.store.workspace import Workspace

BATCH = 1_000
VERIFIED_TARGET = 3_000
STORE_TARGET = 20_000


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def stream(n: int) -> list[dict[str, Any]]:
    """At least ``n`` notifications, cut to exactly ``n`` (a prefix of a valid stream)."""
    catalog = load_catalog()
    points = read_new_start_aggregates(party="US")
    churn = max(0, n // 40)
    while True:
        records = synthetic_stream(
            "US", points, catalog, random.Random(5), churn_pairs_per_period=churn
        )
        if len(records) >= n:
            return records[:n]
        churn = churn * 2 + 10


def import_all(workspace: Workspace, batches: list[list[Any]], *, verify: bool) -> float:
    store = open_ledger(workspace, verify_signatures=verify)
    gc.collect()
    gc.freeze()  # the setup's objects (the whole signed stream) are not the import's garbage
    start = time.perf_counter()
    for batch in batches:
        acks = store.submit(batch)
        if acks[-1].status != "accepted":
            raise SystemExit(f"unexpected ack {acks[-1]}")
    elapsed = time.perf_counter() - start
    gc.unfreeze()
    return elapsed


def raw_verify_rate(messages: list[bytes], signatures: list[bytes], key: Any) -> float:
    public = key.public_key()
    start = time.perf_counter()
    for message, signature in zip(messages, signatures, strict=True):
        public.verify(signature, message)
    return len(messages) / (time.perf_counter() - start)


def raw_insert_rate(path: Path, rows: list[tuple[str, int, bytes]]) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE t (party TEXT, sequence INTEGER, body BLOB, PRIMARY KEY (party, sequence))"
    )
    conn.commit()
    start = time.perf_counter()
    for first in range(0, len(rows), BATCH):
        conn.executemany("INSERT INTO t VALUES (?, ?, ?)", rows[first : first + BATCH])
        conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return len(rows) / elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        verified_ws = Workspace.init(root / "verified", "US")
        key = verified_ws.signing_key
        records = stream(n)
        start = time.perf_counter()
        signed = [sign(parse_notification(r), key) for r in records]
        sign_s = time.perf_counter() - start
        lines = [json.dumps(s.to_json_dict()) for s in signed]
        print(f"stream: {len(signed):,} notifications, signed in {sign_s:.1f} s")
        print(f"load average at start: {load()}")

        # 1. verified import from JSON, beside raw Ed25519 verification
        messages = [canonical_bytes(s) for s in signed]
        raw_signatures = [base64.b64decode(s.signature or "") for s in signed]
        # the baseline's rate is steady long before 100,000: a fifth keeps the bench short
        sample = len(messages) // 5
        verify_rate = raw_verify_rate(messages[:sample], raw_signatures[:sample], key)
        batches = [
            [json.loads(line) for line in lines[i : i + BATCH]] for i in range(0, len(lines), BATCH)
        ]
        elapsed = import_all(verified_ws, batches, verify=True)
        verified_ws.close()
        rate = len(signed) / elapsed
        print(f"baseline  raw Ed25519 verify:           {verify_rate:>10,.0f} /s")
        print(
            f"import    verified, from JSON:           {rate:>10,.0f} /s  "
            f"({elapsed:.1f} s; ratio to raw verify {rate / verify_rate:.2f})  "
            f"target >= {VERIFIED_TARGET:,}/s {verdict(rate >= VERIFIED_TARGET)}"
        )

        # 2. the store alone, beside raw executemany
        insert_rate = raw_insert_rate(
            root / "raw.db", [("US", s.sequence, canonical_bytes(s)) for s in signed]
        )
        store_ws = Workspace.init(root / "store", "US")
        parsed = [signed[i : i + BATCH] for i in range(0, len(signed), BATCH)]
        elapsed = import_all(store_ws, parsed, verify=False)
        store_ws.close()
        rate = len(signed) / elapsed
        print(f"baseline  raw sqlite executemany:       {insert_rate:>10,.0f} /s")
        print(
            f"store     verification off, parsed:      {rate:>10,.0f} /s  "
            f"({elapsed:.1f} s; ratio to raw insert {rate / insert_rate:.2f})  "
            f"target >= {STORE_TARGET:,}/s {verdict(rate >= STORE_TARGET)}"
        )
        print(f"load average at end: {load()}")


def load() -> str:
    """The machine's 1-minute load average: the figures above are only comparable under like
    loads (a shared 2-core machine)."""
    return f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


if __name__ == "__main__":
    main()

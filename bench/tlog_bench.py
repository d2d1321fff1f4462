"""Transparency-log benchmark: treatyledger.tlog beside a raw hashlib bound and pymerkle 7,
all measured in this run.

    .venv/bin/python bench/tlog_bench.py            # the standard run (about a minute)
    .venv/bin/python bench/tlog_bench.py --ten-million   # also: 10,000,000 durable appends,
                                                         # peak memory (several minutes)

pymerkle (GPL) is a benchmark-only comparison: `make bench` installs it into the venv; it is
never imported by src/ or tests/. Without it, its lines say "not installed" and the target
that needs it is reported as MISS.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from treatyledger.store.base import make_engine
from treatyledger.store.migrate import upgrade
from treatyledger.store.tlog_store import TlogReader, append_durably
from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.verifier import RFC6962, verify_consistency, verify_inclusion

try:
    import pymerkle
except ImportError:  # pragma: no cover - benchmark-only dependency
    pymerkle = None

N = 100_000
INCLUSION = 10_000
CONSISTENCY = 1_000
BATCH = 10_000  # leaves per committed transaction (a node groups concurrent appends)
SMALL_BATCH = 1_000
PYMERKLE_INCLUSION = 1_000  # pymerkle's SQLite proofs are slow; rate from a subset
ORIGIN = "bench.example/log"


def entries(count: int, start: int = 0) -> list[bytes]:
    # ~200-byte entries, the size of a small canonical notification
    pad = b"x" * 180
    return [b"notification %10d " % i + pad for i in range(start, start + count)]


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def cpu_pressure() -> str:
    """Linux PSI: the share of the last 10 s in which runnable tasks waited for a CPU. Other
    processes on a shared machine slow every wall-clock figure here by about 1/(1 - p)."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return "unknown"
    return line.split()[1].replace("avg10=", "") + " %"


def raw_hashlib(data: list[bytes]) -> None:
    sha256 = hashlib.sha256
    for entry in data:
        leaf = sha256(b"\x00" + entry).digest()
        sha256(b"\x01" + leaf + leaf).digest()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ten-million", action="store_true")
    args = parser.parse_args()
    data = entries(N)
    rng = random.Random(7)
    print(f"tlog bench: {N:,} entries of {len(data[0])} bytes; python {sys.version.split()[0]}")
    print(f"CPU pressure at start (PSI some avg10): {cpu_pressure()}")
    if pymerkle is None:
        print("pymerkle: not installed (pip install 'pymerkle>=7,<8')")
    else:
        print(f"pymerkle {pymerkle.__version__}")

    # -- in-memory appends vs the raw hashlib bound (2 SHA-256 per leaf) -----------------
    t_raw = min(timed(lambda: raw_hashlib(data)) for _ in range(3))
    raw_rate = N / t_raw
    t_mem = min(timed(lambda: MemoryLog(keep_leaves=False).append_many(data)) for _ in range(3))
    mem_rate = N / t_mem
    print(f"raw hashlib bound (2 hashes/leaf):  {raw_rate:12,.0f} leaves/s")
    print(f"treatyledger in-memory append:       {mem_rate:12,.0f} leaves/s")
    if pymerkle is not None:
        tree = pymerkle.InmemoryTree()
        t_pm = timed(lambda: [tree.append_entry(d) for d in data])
        print(f"pymerkle InmemoryTree append:        {N / t_pm:12,.0f} leaves/s")
    ratio = mem_rate / raw_rate
    print(f"  ratio to raw bound {ratio:.2f} (target >= 0.50): {verdict(ratio >= 0.5)}")

    with tempfile.TemporaryDirectory() as tmp:
        # -- durable appends: committed batches, SQLite WAL + synchronous FULL -----------
        def durable(batch: int, run: int) -> tuple[float, float]:
            # a fresh database per run; the last run's database serves the proofs below.
            # Returns (wall, CPU) seconds: the difference is time spent waiting for the disk.
            engine = make_engine(f"sqlite:///{tmp}/tlog-{batch}-{run}.db")
            upgrade(engine)
            start, cpu = time.perf_counter(), time.process_time()
            for first in range(0, N, batch):
                append_durably(engine, ORIGIN, data[first : first + batch])
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
            engine.dispose()
            return elapsed, cpu

        for batch, runs in ((SMALL_BATCH, 2), (N, 2), (BATCH, 3)):
            wall, cpu = min(durable(batch, run) for run in range(runs))
            print(
                f"treatyledger durable append (SQLite, {batch:,}/commit): {N / wall:10,.0f} "
                f"leaves/s (CPU time alone: {N / cpu:,.0f}/s)"
            )
        dur_rate = N / wall
        engine = make_engine(f"sqlite:///{tmp}/tlog-{BATCH}-2.db")
        pm_tree = None
        if pymerkle is not None:
            pm_tree = pymerkle.SqliteTree(f"{tmp}/pymerkle.db")
            t_pmd = timed(lambda: pm_tree.append_entries(data, chunksize=BATCH))
            print(f"pymerkle SqliteTree append_entries (one commit): {N / t_pmd:10,.0f} leaves/s")
        print(f"  target >= 100,000 leaves/s at {BATCH:,}/commit: {verdict(dur_rate >= 100_000)}")

        # -- inclusion proofs from storage, generated and verified -----------------------
        memory = MemoryLog(keep_leaves=False)
        memory.append_many(data)
        sizes = [rng.randint(1, N) for _ in range(INCLUSION)]
        cases = [(rng.randrange(s), s) for s in sizes]
        roots = {s: memory.root(s) for s in set(sizes)}
        with engine.connect() as conn:
            reader = TlogReader(conn, ORIGIN)

            def ours() -> None:
                for index, size in cases:
                    proof = reader.inclusion_proof(index, size)
                    verify_inclusion(
                        RFC6962, index, size, memory.levels[0][index], proof, roots[size]
                    )

            t_inc = timed(ours)
            inc_rate = INCLUSION / t_inc
            print(
                f"treatyledger inclusion proofs from SQLite: {inc_rate:10,.0f} proofs/s (+verify)"
            )

            pairs = []
            for _ in range(CONSISTENCY):
                size2 = rng.randint(2, N)
                pairs.append((rng.randint(1, size2 - 1), size2))
            croots = {s: memory.root(s) for pair in pairs for s in pair}

            def ours_consistency() -> None:
                for size1, size2 in pairs:
                    proof = reader.consistency_proof(size1, size2)
                    verify_consistency(RFC6962, size1, size2, proof, croots[size1], croots[size2])

            t_con = timed(ours_consistency)
            con_rate = CONSISTENCY / t_con
            print(
                f"treatyledger consistency proofs from SQLite: {con_rate:8,.0f} proofs/s (+verify)"
            )

        if pm_tree is not None:
            subset = cases[:PYMERKLE_INCLUSION]
            pm_roots = {s: pm_tree.get_root(s) for _, s in subset}

            def theirs() -> None:
                for index, size in subset:
                    proof = pm_tree.prove_inclusion(index + 1, size)
                    pymerkle.verify_inclusion(pm_tree.get_leaf(index + 1), pm_roots[size], proof)

            t_pmi = timed(theirs)
            pm_rate = len(subset) / t_pmi
            print(
                f"pymerkle SqliteTree inclusion proofs:      {pm_rate:10,.0f} proofs/s "
                f"(+verify; {len(subset):,} of them)"
            )
            speedup = inc_rate / pm_rate
            print(
                f"  speed-up over pymerkle {speedup:.1f}x (target >= 10x): {verdict(speedup >= 10)}"
            )
            psub = pairs[: CONSISTENCY // 4]
            pm_croots = {s: pm_tree.get_root(s) for pair in psub for s in pair}

            def theirs_consistency() -> None:
                for size1, size2 in psub:
                    proof = pm_tree.prove_consistency(size1, size2)
                    pymerkle.verify_consistency(pm_croots[size1], pm_croots[size2], proof)

            t_pmc = timed(theirs_consistency)
            print(
                f"pymerkle SqliteTree consistency proofs:    {len(psub) / t_pmc:10,.0f} proofs/s "
                f"(+verify; {len(psub):,} of them); ratio {con_rate / (len(psub) / t_pmc):.1f}x"
            )
            pm_tree.close()
        else:
            print("  speed-up over pymerkle: not measured (pymerkle not installed): MISS")
        engine.dispose()

        if args.ten_million:
            ten_million(Path(tmp))
    print(f"CPU pressure at end (PSI some avg10): {cpu_pressure()}")
    return 0


def ten_million(tmp: Path) -> None:
    """10,000,000 durable appends in committed batches of 10,000; peak resident memory."""
    total, batch = 10_000_000, 10_000
    engine = make_engine(f"sqlite:///{tmp}/ten_million.db")
    upgrade(engine)
    start = time.perf_counter()
    for first in range(0, total, batch):
        append_durably(engine, "bench.example/10m", entries(batch, first))
    elapsed = time.perf_counter() - start
    with engine.connect() as conn:
        reader = TlogReader(conn, "bench.example/10m")
        root = reader.root()
        proof = reader.inclusion_proof(1_234_567)
        leaf_hash = reader.leaf_hash(1_234_567)
        verify_inclusion(RFC6962, 1_234_567, total, leaf_hash, proof, root)
        proof = reader.consistency_proof(7_777_777)
        verify_consistency(RFC6962, 7_777_777, total, proof, reader.root(7_777_777), root)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"10,000,000 durable appends: {elapsed:.0f} s ({total / elapsed:,.0f} leaves/s); "
        f"proofs at size 10M verify; peak RSS {peak_mib:,.0f} MiB "
        f"(target <= 1024 MiB): {verdict(peak_mib <= 1024)}"
    )
    engine.dispose()


if __name__ == "__main__":
    sys.exit(main())

"""Proofs and durable appends at a large log beside a small one, in the same run (issue 19).

Builds two SQLite logs (WAL, synchronous FULL) through the store's bulk path
(``tlog_store.append_durably``, committed batches of 10,000 leaves of ~200 bytes): SMALL =
100,000 leaves (the baseline) and LARGE (``make bench``: 1,000,000; the acceptance run:
10,000,000, about 3.1 GB of database). Reports the build's durable append rate, wall and CPU,
overall and over its last tenth (the rate at that size).

Then random inclusion proofs (random index, random size) and random consistency proofs, each
child a fresh process (no in-process tile cache from an earlier run), generated from storage
and timed (wall, and the child's CPU time), verified afterwards, untimed, against the roots
at their sizes. Readers (VARIANTS): the stored rows alone; the reader as the product ships it
(the engine's cache of full upper tiles, ``store.tlog_tile_cache``, filled as proofs read
them: "shipped"); that cache preloaded when the reader opens. No per-reader tile cache
(``TlogReader(cached_tiles=0)``). Two readings, alternating the sizes in each round:

(a) page cache warm (the acceptance reading): each database file read whole into the OS page
    cache first, as on a serving node in steady state, so what is timed is the proof's own
    work, O(log n) point lookups. Target: the shipped reader's inclusion rate at LARGE at
    least 0.5 of the rate at SMALL (the ratio of the best round at each size).
(b) page cache dropped (``posix_fadvise(DONTNEED)``) before each child, as after a restart: the
    rate is the disk's, so it is reported, not judged, with what each proof read from storage
    (``/proc/self/io`` read_bytes, read() calls): at most a constant number of tile pages a
    proof at any size (its level-0 tiles), fewer where earlier proofs already read them.

Reports, never fails ``make bench``; exits 1 on a miss, which ``make bench-check`` fails on.

    python bench/proof_scale_bench.py [LARGE]      # default 1,000,000
    PROOF_BENCH_LARGE=10000000 make bench          # the acceptance size
    PROOF_BENCH_REUSE=DIR python bench/proof_scale_bench.py 10000000
        # keep the logs in DIR (log-N.db) and reuse them on later runs: the 10M build takes
        # minutes and 3.2 GB; delete DIR when done
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SMALL = 100_000
DEFAULT_LARGE = 1_000_000
ACCEPTANCE_LARGE = 10_000_000
BATCH = 10_000
INCLUSION = 2_000
CONSISTENCY = 500
ROUNDS = int(os.environ.get("PROOF_BENCH_ROUNDS", 3))
TARGET = 0.5
ORIGIN = "bench.example/scale"


def entries(count: int, start: int = 0) -> list[bytes]:
    # as bench/tlog_bench.py: ~200-byte entries, the size of a small canonical notification
    pad = b"x" * 180
    return [b"notification %10d " % i + pad for i in range(start, start + count)]


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f})"


def build(path: Path, n: int) -> dict[str, float]:
    from sqlalchemy import text

    from treatyledger.store.base import make_engine
    from treatyledger.store.migrate import upgrade
    from treatyledger.store.tlog_store import append_durably

    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    tail_from = n - n // 10
    wall, cpu = time.perf_counter(), time.process_time()
    tail_wall = tail_cpu = 0.0
    for first in range(0, n, BATCH):
        if first == tail_from:
            tail_wall, tail_cpu = time.perf_counter(), time.process_time()
        append_durably(engine, ORIGIN, entries(min(BATCH, n - first), first))
    end_wall, end_cpu = time.perf_counter(), time.process_time()
    with engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    return {
        "wall": end_wall - wall,
        "cpu": end_cpu - cpu,
        "tail_wall": end_wall - tail_wall,
        "tail_cpu": end_cpu - tail_cpu,
        "tail": n - tail_from,
    }


def pages(path: Path) -> str:
    """The database's page size: what a cold tile read costs depends on it (one read of a
    32 KiB page, or a chain of four 4 KiB pages in a database made before issue 19's change)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        size = db.execute("PRAGMA page_size").fetchone()[0]
    return f"; {size:,}-byte pages"


def drop_cached_pages(path: Path) -> None:
    """Evict the database's clean pages from the OS page cache (no root needed), so the
    child's reads go to the disk as a node's first reads after a restart would."""
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if each.exists():
            fd = os.open(each, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


#: The readers compared: the stored rows alone (as before issue 19's tile cache), the reader
#: as shipped (the engine's cache of full upper tiles, filled as proofs read them), and that
#: cache preloaded when the reader opens (its one-off cost reported apart). None keeps a
#: per-reader tile cache.
VARIANTS = {
    "rows": {"shared_tiles": False},
    "shipped": {"shared_tiles": True},
    "preload": {"shared_tiles": True, "preload": True},
}
JUDGED = "shipped"
READINGS = ("warm", "cold")


def io_counters() -> dict[str, int]:
    """This process's I/O counters (Linux): read_bytes is what reached the storage layer, the
    reads the page cache did not serve; syscr counts read() calls. Empty elsewhere."""
    try:
        with open("/proc/self/io") as counters:
            return {k: int(v) for k, v in (line.split(":") for line in counters)}
    except OSError:
        return {}


def timed(name: str, work: Any, cases: list[tuple[int, int]], out: dict[str, Any]) -> list[Any]:
    before = io_counters()
    start, cpu = time.perf_counter(), time.process_time()
    done = [work(a, b) for a, b in cases]
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    after = io_counters()
    out[name] = len(cases) / wall
    out[name + "_cpu"] = len(cases) / cpu
    for counter in ("read_bytes", "syscr"):
        if counter in after:
            out[f"{name}_{counter}"] = (after[counter] - before[counter]) / len(cases)
    return done


def child(path: str, n: int, seed: int, variant: str) -> None:
    """Timed proofs in this fresh process; prints a JSON line."""
    from treatyledger.store.base import make_engine
    from treatyledger.store.tlog_store import TlogReader
    from treatyledger.store.tlog_tile_cache import shared_tile_cache
    from treatyledger.tlog.verifier import RFC6962, verify_consistency, verify_inclusion

    rng = random.Random(seed)
    cases = []
    for _ in range(INCLUSION):
        size = rng.randint(1, n)
        cases.append((rng.randrange(size), size))
    pairs = []
    for _ in range(CONSISTENCY):
        size2 = rng.randint(2, n)
        pairs.append((rng.randint(1, size2 - 1), size2))
    engine = make_engine(f"sqlite:///{path}")
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        start, cpu = time.perf_counter(), time.process_time()
        reader = TlogReader(conn, ORIGIN, cached_tiles=0, **VARIANTS[variant])  # type: ignore[arg-type]
        out |= {"open": time.perf_counter() - start, "open_cpu": time.process_time() - cpu}
        proofs = timed("inclusion", reader.inclusion_proof, cases, out)
        cproofs = timed("consistency", reader.consistency_proof, pairs, out)
        # verified after the clock stops: the roots are reads of their own
        for (index, size), proof in zip(cases, proofs, strict=True):
            leaf = RFC6962.hash_leaf(entries(1, index)[0])
            verify_inclusion(RFC6962, index, size, leaf, proof, reader.root(size))
        for (size1, size2), proof in zip(pairs, cproofs, strict=True):
            verify_consistency(RFC6962, size1, size2, proof, reader.root(size1), reader.root(size2))
    out["cached_bytes"] = shared_tile_cache(engine).bytes
    engine.dispose()
    print(json.dumps(out))


def files_of(path: Path) -> list[Path]:
    wal, shm = path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
    return [each for each in (path, wal, shm) if each.exists()]


def fill_page_cache(path: Path) -> float:
    """Read the database whole into the OS page cache (a serving node's steady state);
    returns the MB read."""
    total = 0
    buffer = bytearray(1 << 20)
    for each in files_of(path):
        with open(each, "rb", buffering=0) as file:
            while got := file.readinto(buffer):
                total += got
    return total / 1e6


def resident(path: Path) -> str:
    """How much of the file the page cache holds (util-linux ``fincore``), if that is here."""
    if shutil.which("fincore") is None:
        return ""
    done = subprocess.run(
        ["fincore", "--bytes", "--noheadings", "--raw", "--output", "RES", str(path)],
        capture_output=True,
        text=True,
    )
    found = done.stdout.strip()
    return f", {int(found) / 1e6:,.0f} MB resident" if found.isdigit() else ""


def measure(path: Path, n: int, seed: int, variant: str, reading: str) -> dict[str, float]:
    if reading == "cold":
        drop_cached_pages(path)
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(path), str(n), str(seed), variant],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def report_build(n: int, built: dict[str, float], size_mb: float) -> None:
    print(
        f"  built {n:>12,} leaves: {built['wall']:7.1f} s wall, {built['cpu']:7.1f} s CPU "
        f"({n / built['wall']:,.0f} leaves/s wall, {n / built['cpu']:,.0f}/s CPU); last "
        f"{built['tail']:,}: {built['tail'] / built['tail_wall']:,.0f}/s wall, "
        f"{built['tail'] / built['tail_cpu']:,.0f}/s CPU; {size_mb:,.0f} MB"
    )


Results = dict[tuple[str, str, int], list[dict[str, Any]]]


def report_variant(reading: str, variant: str, large: int, results: Results, page: int) -> bool:
    """Print one reader's rates at both sizes in one reading, with their ratios (and, cold,
    what each proof read from storage); returns False on a miss of the judged one."""
    met_all = True
    print(f"   reader {variant!r}: {VARIANTS[variant]}")
    for kind in ("inclusion", "consistency"):
        runs = {n: results[(reading, variant, n)] for n in (SMALL, large)}
        best = {m: {n: max(r[m] for r in runs[n]) for n in runs} for m in (kind, kind + "_cpu")}
        ratio, ratio_cpu = (best[m][large] / best[m][SMALL] for m in (kind, kind + "_cpu"))
        judged = reading == "warm" and variant == JUDGED and kind == "inclusion"
        verdict = ""
        if judged:
            verdict = f" [target >= {TARGET}: {'PASS' if ratio >= TARGET else 'MISS'}]"
            met_all = ratio >= TARGET
        shown = {
            n: ", ".join(f"{r[kind]:,.0f} ({r[kind + '_cpu']:,.0f} CPU)" for r in runs[n])
            for n in runs
        }
        print(
            f"     {kind} proofs/s: {SMALL:,}: {shown[SMALL]}; {large:,}: {shown[large]}; "
            f"ratio of the best {ratio:.2f} wall, {ratio_cpu:.2f} CPU{verdict}"
        )
        if reading == "cold" and kind + "_read_bytes" in runs[SMALL][0]:
            io = []
            for n in (SMALL, large):
                read = [r[kind + "_read_bytes"] for r in runs[n]]
                calls = [r[kind + "_syscr"] for r in runs[n]]
                io.append(
                    f"{n:,}: "
                    + ", ".join(f"{b / 1024:.1f} KiB ({b / page:.2f} pages)" for b in read)
                    + " in "
                    + ", ".join(f"{c:.1f}" for c in calls)
                    + " read() calls"
                )
            print(f"       read from storage a proof: {'; '.join(io)}")
    if variant == "preload":
        for n in (SMALL, large):
            opened = results[(reading, variant, n)]
            print(
                f"     preload at {n:,}: "
                + ", ".join(f"{r['open']:.3f} s ({r['open_cpu']:.3f} s CPU)" for r in opened)
                + f"; {opened[-1]['cached_bytes'] / 1e6:.2f} MB of full upper tiles"
            )
    return met_all


def logs(large: int, reuse: str | None, tmp: str) -> dict[int, Path]:
    """The two logs, built (or reused from PROOF_BENCH_REUSE)."""
    paths = {}
    for n in (SMALL, large):
        paths[n] = Path(reuse or tmp) / f"log-{n}.db"
        if reuse and paths[n].exists():
            megabytes = paths[n].stat().st_size / 1e6
            print(f"  reused {paths[n]} ({megabytes:,.0f} MB){pages(paths[n])}")
            continue
        paths[n].parent.mkdir(parents=True, exist_ok=True)
        partial = paths[n].with_name(paths[n].name + ".partial")
        partial.unlink(missing_ok=True)  # an interrupted build is never reused
        built = build(partial, n)
        partial.rename(paths[n])
        report_build(n, built, paths[n].stat().st_size / 1e6)
        print(f"   {pages(paths[n])}")
    return paths


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
        return 0
    env_large = int(os.environ.get("PROOF_BENCH_LARGE", DEFAULT_LARGE))
    large = int(sys.argv[1]) if len(sys.argv) > 1 else env_large
    print(f"proof scale bench: {SMALL:,} and {large:,} leaves; {load()}")
    if large < ACCEPTANCE_LARGE:
        print(
            f"  (the target is stated for {ACCEPTANCE_LARGE:,}: "
            f"PROOF_BENCH_LARGE={ACCEPTANCE_LARGE})"
        )
    results: Results = {(r, v, n): [] for r in READINGS for v in VARIANTS for n in (SMALL, large)}
    with tempfile.TemporaryDirectory(dir=os.environ.get("PROOF_BENCH_DIR")) as tmp:
        paths = logs(large, os.environ.get("PROOF_BENCH_REUSE"), tmp)
        with sqlite3.connect(f"file:{paths[large]}?mode=ro", uri=True) as db:
            page = int(db.execute("PRAGMA page_size").fetchone()[0])
        for reading in READINGS:
            if reading == "warm":
                for n in (SMALL, large):
                    read = fill_page_cache(paths[n])
                    print(f"  page cache filled: {read:,.0f} MB of {n:,}{resident(paths[n])}")
            print(f"  {reading} runs from {load()}")
            for run in range(ROUNDS):
                for variant in VARIANTS:
                    for n in (SMALL, large):
                        results[(reading, variant, n)].append(
                            measure(paths[n], n, run, variant, reading)
                        )
    ok = True
    titles = {
        "warm": "(a) page cache warm, fresh reader process: the acceptance reading",
        "cold": "(b) page cache dropped before each child: the disk's rate, not judged",
    }
    for reading in READINGS:
        print(f"  {titles[reading]}")
        for variant in VARIANTS:
            ok = report_variant(reading, variant, large, results, page) and ok
    print(f"  {load()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

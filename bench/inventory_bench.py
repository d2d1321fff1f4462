"""`treatyledger count --inventory` on a 1,000,000-row CSV, as a user runs it (a separate
process: start-up, reading, validation, derivation and counting), beside the plainest honest
reading of the same file: a `csv.DictReader` loop that touches every row, in the same run.

Targets (issue 19): under 5 s and under 1 GB peak RSS. The file is the realistic shape of
an item-level declaration: ICBM launchers with UIDs at 50 bases, each holding a missile that
holds a warhead, and stored missiles at 5 storage sites (four rows per launcher). Reports,
never fails (a loaded machine would fail any wall-clock target).

    .venv/bin/python bench/inventory_bench.py [--rows N]
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = ["party", "kind", "system_type", "status", "uid", "facility", "facility_type"]
HEADER += ["contained_in", "warheads"]


def write_inventory(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        for i in range(rows // 4):
            base, store = f"US-BASE-{i % 50}", f"US-STORE-{i % 5}"
            writer.writerow(
                ["US", "icbm_launcher", "MM III", "deployed", f"L{i}", base, "icbm_base", "", ""]
            )
            writer.writerow(["US", "icbm", "MM III", "deployed", f"M{i}", "", "", f"L{i}", "1"])
            writer.writerow(["US", "warhead", "", "deployed", f"W{i}", "", "", f"M{i}", ""])
            writer.writerow(
                ["US", "icbm", "MM III", "non_deployed", f"S{i}", store, "storage", "", ""]
            )


def plain_reading(path: Path) -> float:
    began = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as source:
        total = sum(1 for row in csv.DictReader(source) if row["kind"])
    assert total > 0
    return time.perf_counter() - began


def treatyledger_count(path: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) of the child and its deployed-warheads line."""
    began = time.perf_counter()
    command = [sys.executable, "-m", "treatyledger.cli", "count", "--rules", "new-start"]
    command += ["--format", "json", "--inventory", str(path)]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, peak, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inventory.csv"
        write_inventory(path, args.rows)
        baseline = plain_reading(path)
        elapsed, peak, output = treatyledger_count(path)
        assert '"deployed_warheads"' in output, output[:400]
        print(f"count --inventory, {args.rows:,} rows: {elapsed:.2f} s, peak RSS {peak:,.0f} MiB")
        print(f"csv.DictReader over the same file (baseline): {baseline:.2f} s")
        print(f"ratio {elapsed / baseline:.1f}x the plain reading")
        print(
            f"targets: under 5 s {'PASS' if elapsed < 5 else 'MISS'}; "
            f"under 1 GB {'PASS' if peak < 1024 else 'MISS'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

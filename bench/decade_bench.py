"""The decade exercise as a benchmark: New START 2011-2026 between two party nodes, as
``make demo`` runs it (``treatyledger.exercise.run_exercise``), phases timed.

Phases: generation (both streams, signed), notify (submitted over HTTP and acknowledged),
limit proofs, sync (each party verifies and mirrors the other's log), inspections, witness and
evidence (where the exercise has them), counts and reports. Each phase's wall time and the
process's CPU time (the nodes are threads of this process, so CPU time covers them: on a
machine shared with other work it is the fairer figure). Baseline, same run: Python's own
cost of importing the package and starting nothing (``import treatyledger.exercise``).
Target: the exercise under 60 s on 2 cores. Reports; never fails on the target.

    .venv/bin/python bench/decade_bench.py [--until 2026-02-05] [--volume 1.0] [--seed 2011]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

TARGET_S = 60.0


def import_baseline() -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import treatyledger.exercise"], check=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--until", type=date.fromisoformat, default=None)
    parser.add_argument("--volume", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2011)
    args = parser.parse_args()
    from treatyledger.exercise import run_exercise

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="decade-bench-") as folder:
        result = run_exercise(
            Path(folder), until=args.until, seed=args.seed, volume=args.volume, say=lambda _: None
        )
    notifications = sum(result.notifications.values())
    print(
        f"decade exercise: {notifications:,} notifications "
        f"({', '.join(f'{p} {n:,}' for p, n in result.notifications.items())}), "
        f"{result.official_rows} official rows verified, all match: {result.all_match}, "
        f"inspections agree: {not result.inspections.disagreements}"
    )
    print(f"{'phase':<14}{'wall s':>9}{'cpu s':>9}")
    for phase, wall in result.timings.items():
        print(f"{phase:<14}{wall:9.1f}{result.cpu.get(phase, 0.0):9.1f}")
    total, cpu = result.timings["total"], result.cpu["total"]
    print(
        f"rate: {notifications / total:,.0f} notifications/s end to end (wall); "
        f"baseline: importing the package alone takes {import_baseline():.1f} s"
    )
    verdict = "met" if total < TARGET_S else ("met in CPU time" if cpu < TARGET_S else "MISSED")
    print(
        f"target < {TARGET_S:.0f} s: {verdict} (wall {total:.0f} s, CPU {cpu:.0f} s; load "
        f"average {load:.1f} on {os.cpu_count()} cores at the start)"
    )


if __name__ == "__main__":
    main()

"""Start-up of the command line: ``treatyledger --help`` and a few ``<command> --help`` beside
``python -c "import typer, rich"`` (the floor any Typer + Rich program pays), measured in the
same run, each the median wall time of N fresh processes. Target (issue 12): every ``--help``
within 2x the floor.

What is timed: the whole process, interpreter start to exit, as a user waits for it (the
entry point's own interpreter, output to a pipe), with the package's bytecode compiled first
as an installed package has it (an environment with PYTHONDONTWRITEBYTECODE would otherwise
compile every module of ours at each start, and none of typer's or rich's, which pip
compiled). Reports; never fails.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = int(os.environ.get("STARTUP_RUNS", "11"))
TARGET_RATIO = 2.0
EXE = str(Path(sys.executable).with_name("treatyledger"))
BASELINE = [sys.executable, "-c", "import typer, rich"]
COMMANDS = [
    ["--help"],
    ["count", "--help"],
    ["log", "verify", "consistency", "--help"],
    ["peer", "sync", "--help"],
    ["analyze", "upload", "--help"],
    ["inspect", "simulate", "--help"],
    ["zk", "prove", "--help"],
]


def median_seconds(argv: list[str], runs: int) -> float:
    env = {k: v for k, v in os.environ.items() if k != "TREATYLEDGER_WORKSPACE"}
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, env=env, timeout=300)
        times.append(time.perf_counter() - began)
        if done.returncode != 0:
            print(f"  {' '.join(argv)} exited {done.returncode}: {done.stderr[-300:]!r}")
    return statistics.median(times)


def main() -> int:
    import compileall

    import treatyledger

    compileall.compile_dir(str(Path(treatyledger.__file__).parent), quiet=1)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"start-up, median of {RUNS} processes each (load average {load:.1f})")
    # interleave the floor with the commands so a change in machine load hits both alike
    floor_times = []
    rows = []
    for argv in COMMANDS:
        floor_times.append(median_seconds(BASELINE, RUNS))
        rows.append((argv, median_seconds([EXE, *argv], RUNS)))
    floor = statistics.median(floor_times)
    print(f"  python -c 'import typer, rich': {floor * 1000:7.1f} ms (the floor)")
    worst = 0.0
    for argv, seconds in rows:
        ratio = seconds / floor
        worst = max(worst, ratio)
        print(f"  treatyledger {' '.join(argv):34} {seconds * 1000:7.1f} ms  {ratio:4.2f}x")
    verdict = "met" if worst <= TARGET_RATIO else "NOT met"
    print(f"  worst {worst:.2f}x the floor; target {TARGET_RATIO:.0f}x: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

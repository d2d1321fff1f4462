"""Run every benchmark in bench/ (files named *_bench.py), one process each.

Benchmarks report and compare; a run on a noisy machine is not a failure: ``make bench``
lists the scripts that exited non-zero (a missed target, or a crash: read its output) and
exits 0. ``make bench-check`` (``--check``) exits 1 when any did."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

check = "--check" in sys.argv[1:]
failed = []
for script in sorted(Path(__file__).parent.glob("*_bench.py")):
    print(f"\n=== {script.name} ===", flush=True)
    if subprocess.run([sys.executable, str(script)]).returncode != 0:
        failed.append(script.name)
if failed:
    print(f"\nexited non-zero (a missed target or a failure): {', '.join(failed)}")
    if check:
        sys.exit(1)

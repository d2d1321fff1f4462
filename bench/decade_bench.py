"""The decade exercise as a benchmark: New START 2011-2026 between two party nodes, as
``make demo`` runs it (``treatyledger.exercise.run_exercise``), phases timed.

Phases: generation (both streams, signed), notify (submitted over HTTP and acknowledged),
limit proofs, sync (each party verifies and mirrors the other's log), witness, inspections,
evidence, counts and reports. Each phase's wall time and the process's CPU time (the nodes are
threads of this process, so CPU time covers them: on a machine shared with other work it is
the fairer figure).

Baseline, same run: the bare ledger, in-process: the same seed's streams, signed, each
notification applied with every check the node makes of it (schema, Ed25519 signature,
state machine, deadlines: ``LedgerState.apply_record``) and nothing else (no HTTP, no SQLite,
no log, no proofs). Each phase's CPU is printed as a ratio to it: what the nodes, the store,
the log and the peer verification add to validating the notifications once. Target: the
exercise under 60 s on 2 cores. Reports; never fails on the target.

    .venv/bin/python bench/decade_bench.py [--until 2026-02-05] [--volume 1.0] [--seed 2011]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

TARGET_S = 60.0


def bare_ledger(seed: int, until: date | None, volume: float) -> tuple[float, float, int]:
    """(wall s, CPU s, notifications) of the baseline: both streams validated in-process."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from treatyledger.exercise.nodes import RULES
    from treatyledger.exercise.plan import play, signed_records
    from treatyledger.files import load_catalog, load_rule_set
    from treatyledger.ledger import LedgerState, policy_from_rule_set

    exercise = play(RULES, seed, until=until, volume=volume)
    keys = {p: Ed25519PrivateKey.generate() for p in exercise.streams}
    signed = [r for p, stream in exercise.streams.items() for r in signed_records(stream, keys[p])]
    policy = policy_from_rule_set(load_rule_set(RULES), load_catalog())
    state = LedgerState(policy, keys={p: [k.public_key()] for p, k in keys.items()})
    began, cpu = time.perf_counter(), time.process_time()
    for record in signed:
        state.apply_record(record)
    return time.perf_counter() - began, time.process_time() - cpu, len(signed)


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
    base_wall, base_cpu, base_n = bare_ledger(args.seed, args.until, args.volume)
    print(
        f"baseline, same run: the bare ledger validated the same {base_n:,} notifications "
        f"in-process in {base_wall:.1f} s wall, {base_cpu:.1f} s CPU "
        f"({base_n / base_cpu:,.0f}/s of CPU)"
    )
    print(f"{'phase':<14}{'wall s':>9}{'cpu s':>9}{'cpu / baseline':>16}")
    for phase, wall in result.timings.items():
        cpu = result.cpu.get(phase, 0.0)
        print(f"{phase:<14}{wall:9.1f}{cpu:9.1f}{cpu / base_cpu:15.1f}x")
    total, cpu = result.timings["total"], result.cpu["total"]
    print(
        f"rate: {notifications / total:,.0f} notifications/s end to end (wall), "
        f"{notifications / cpu:,.0f}/s of CPU"
    )
    verdict = "met" if total < TARGET_S else ("met in CPU time" if cpu < TARGET_S else "MISSED")
    print(
        f"target < {TARGET_S:.0f} s: {verdict} (wall {total:.0f} s, CPU {cpu:.0f} s; load "
        f"average {load:.1f} on {os.cpu_count()} cores at the start)"
    )


if __name__ == "__main__":
    main()

"""Benchmark: the vectorised Monte Carlo of treaty years against a plain Python loop.

Regime: New START-like, 10 Type One inspections a year among 12 ICBM bases of 50 deployed
missiles each (no revisits within a year), each confirming the RVs on one random missile;
the cheater carries extra RVs on 20 missiles spread over the bases. Target: 1,000,000
simulated inspection years in under 10 s and at least 50x faster than the loop.

The loop is timed on LOOP_YEARS years and scaled linearly to 1,000,000 (it does the same
work per year, so the scaling is fair and saves ~15 s of waiting); both estimates are checked
against the exact answer.
"""

from __future__ import annotations

import time

import numpy as np

from treatyledger.inspect import simulation

YEARS = 1_000_000
LOOP_YEARS = 50_000
REPEATS = 3
TARGET_RATIO = 50.0
TARGET_SECONDS = 10.0


def main() -> None:
    scenario = simulation.extra_rvs_scenario([50] * 12, 20, 10)
    exact = simulation.exact_detection_probability(scenario)

    simulation.simulate_years(scenario, 10_000, np.random.default_rng(0))  # warm-up
    # Best of REPEATS for both, so a busy shared machine penalises neither side more.
    vectorised = loop_measured = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = simulation.simulate_years(scenario, YEARS, np.random.default_rng(1))
        vectorised = min(vectorised, time.perf_counter() - start)
        start = time.perf_counter()
        hits = simulation.python_loop_detection(scenario, LOOP_YEARS, np.random.default_rng(2))
        loop_measured = min(loop_measured, time.perf_counter() - start)
    loop_scaled = loop_measured * YEARS / LOOP_YEARS

    ratio = loop_scaled / vectorised
    print(f"scenario: {scenario.description}, 10 inspections/year, exact P = {exact:.5f}")
    print(
        f"vectorised numpy (best of {REPEATS}): {YEARS:,} years in {vectorised:.3f} s "
        f"(P = {result.probability:.5f}, "
        f"95% CI {result.confidence_low:.5f}..{result.confidence_high:.5f})"
    )
    print(
        f"plain Python loop (best of {REPEATS}): {LOOP_YEARS:,} years in {loop_measured:.3f} s "
        f"(P = {hits / LOOP_YEARS:.5f}), scaled to {YEARS:,} years: {loop_scaled:.2f} s"
    )
    print(f"ratio loop/vectorised: {ratio:.1f}x")
    print(f"target >= {TARGET_RATIO:.0f}x: {'PASS' if ratio >= TARGET_RATIO else 'MISS'}")
    print(
        f"target < {TARGET_SECONDS:.0f} s for {YEARS:,} years: "
        f"{'PASS' if vectorised < TARGET_SECONDS else 'MISS'}"
    )
    inside = result.confidence_low <= exact <= result.confidence_high
    print(f"exact answer inside the 95% interval: {'yes' if inside else 'NO'}")


if __name__ == "__main__":
    main()

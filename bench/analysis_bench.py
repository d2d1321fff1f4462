"""Analysis benchmarks (plain script; `make bench` runs it).

1. Breakout timeline of the bundled US 2020 force (12 submarines, 4 system types, 7 warhead
   types): the exact piecewise-linear curve (ramps + kinks found by tangent intersection)
   against the naive baseline measured in the same run: a maximum flow evaluated every day
   up to the same end day (1-day resolution). Printed: both times, the ratio, and how far the
   naive curve's day to reach 3,500 warheads is from the exact one. Target: exact >= 2x faster
   (its point is exactness and a cost independent of the horizon; speed is a side benefit).
2. The whole `analyze compare` computation on that force (two scenarios; counts under four
   rule sets, upload potential and breakout for each). Target: under 1 s.
3. Summarising a 100,000-item inventory with a UID per item (`force_of`), beside validating
   those items into an Inventory (the reader's share of the work) in the same run.
   Target: summarising under 1 s.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from treatyledger.analysis.breakout import _Evaluator, breakout_of, build_ramps, supply_steps
from treatyledger.analysis.scenarios import compare
from treatyledger.analysis.upload import force_of
from treatyledger.files import load_catalog, load_rule_set, read_bundled_inventory
from treatyledger.files.analysis_params import HEDGE_INVENTORY, load_upload_parameters
from treatyledger.model import inventory_of, make_item

LEVEL = 3500


def best_of(repeats: int, action: Callable[[], Any]) -> tuple[float, Any]:
    best, result = math.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    catalog = load_catalog()
    params = load_upload_parameters()
    inventory = read_bundled_inventory(HEDGE_INVENTORY, catalog)
    force = force_of(inventory, catalog, params)

    exact_s, timeline = best_of(10, lambda: breakout_of(force, params, catalog))

    def naive() -> float | None:
        evaluator = _Evaluator(
            force, build_ramps(force, params, catalog), supply_steps(force, params)
        )
        current = force.current_warheads
        for day in range(int(timeline.end_day) + 2):
            if current + evaluator.total(float(day)) >= LEVEL:
                return float(day)
        return None

    naive_s, naive_day = best_of(5, naive)
    exact_day = timeline.days_to_reach(LEVEL)
    ratio = naive_s / exact_s
    print(f"breakout, exact curve: {exact_s * 1000:.1f} ms ({len(timeline.days)} points)")
    last_day = int(timeline.end_day) + 1
    print(f"breakout, naive daily max flow to day {last_day}: {naive_s * 1000:.1f} ms")
    print(f"ratio {ratio:.1f}x  target >= 2x  {verdict(ratio >= 2)}")
    print(f"days to {LEVEL}: exact {exact_day:.2f}, naive {naive_day}")

    rule_sets = [
        load_rule_set(n) for n in ("sort-us-2002", "sort-ru-2002", "new-start", "total-stockpile")
    ]
    compare_s, _ = best_of(3, lambda: compare(inventory, catalog, params, rule_sets))
    print(
        f"analyze compare (2 scenarios x 4 rule sets): {compare_s * 1000:.1f} ms  "
        f"target < 1 s  {verdict(compare_s < 1.0)}"
    )

    rows = []
    for i in range(100_000):
        if i % 10 < 6:
            rows.append(
                {
                    "uid": f"W{i}",
                    "party": "US",
                    "kind": "warhead",
                    "status": "stored",
                    "warhead_type": ("W78", "W76-1", "W88", "W80-1")[i % 4],
                }
            )
        else:
            rows.append(
                {
                    "uid": f"M{i}",
                    "party": "US",
                    "kind": "slbm",
                    "system_type": "Trident II",
                    "status": "deployed",
                    "warheads": 4,
                }
            )
    validate_s, big = best_of(1, lambda: inventory_of(make_item(r) for r in rows))
    summarise_s, _ = best_of(3, lambda: force_of(big, catalog, params))
    print(
        f"force_of, 100,000 items: {summarise_s * 1000:.0f} ms; validating them into an "
        f"Inventory (baseline): {validate_s * 1000:.0f} ms; ratio {validate_s / summarise_s:.1f}x  "
        f"target < 1 s  {verdict(summarise_s < 1.0)}"
    )


if __name__ == "__main__":
    main()

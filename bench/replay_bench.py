"""Replay 1,000,000 notifications into ledger state (target >= 100,000 a second).

The stream: the US force from its 2011-02-05 New START baseline to 2018-09-01
(``treatyledger.ledger.synthetic``, official aggregates), padded with routine self-cancelling
pairs (an RV loaded then unloaded, a spare missile moved and moved back) to 1,000,000
notifications. Timed: ``treatyledger.ledger.replay`` of the decoded JSON records (what the store
holds), every check of the state machine run, signatures not re-verified (they are checked once,
on acceptance). Baselines in the same run: ``json.loads`` of the same notifications (the bare
cost of reading them), and a naive state machine that validates each notification on a deep
copy of the state before swapping it in (timed on a sample, scaled).
"""

from __future__ import annotations

import copy
import gc
import json
import random
import time
from datetime import date

from treatyledger.files import load_catalog, load_rule_set
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger import LedgerState, policy_from_rule_set, replay, time_series
from treatyledger.ledger.synthetic import synthetic_stream

TARGET = 1_000_000
NAIVE_SAMPLE = 500


def best_of(runs: int, work):  # type: ignore[no-untyped-def]
    """The shortest of ``runs`` timings (the machine is shared) and the last result."""
    best = float("inf")
    result = None
    for _ in range(runs):
        # the cyclic collector off for every timing alike: a million fresh dicts would
        # otherwise trigger full collections that time the collector, not the code
        gc.collect()
        gc.disable()
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
        gc.enable()
    return best, result


def naive_replay(records, policy) -> LedgerState:  # type: ignore[no-untyped-def]
    """Validate-then-swap by deep copy: the obvious way to make rejection change nothing."""
    state = LedgerState(policy)
    for record in records:
        trial = copy.deepcopy(state)
        trial.apply_record(record, trusted=True)
        state = trial
    return state


def main() -> None:
    catalog = load_catalog()
    rule_set = load_rule_set("new-start")
    policy = policy_from_rule_set(rule_set, catalog, require_signatures=False)
    points = [p for p in read_new_start_aggregates(party="US") if p.date <= date(2018, 12, 31)]
    base = len(synthetic_stream("US", points, catalog, random.Random(1)))
    pairs = (TARGET - base) // (2 * (len(points) - 1)) + 1
    started = time.perf_counter()
    records = synthetic_stream(
        "US", points, catalog, random.Random(1), churn_pairs_per_period=pairs
    )
    print(f"generated {len(records):,} notifications in {time.perf_counter() - started:.1f} s")
    lines = [json.dumps(r, separators=(",", ":")) for r in records]
    del records

    def decode() -> list:  # type: ignore[type-arg]
        return [json.loads(line) for line in lines]

    decode_s, decoded = best_of(2, decode)
    lines.clear()
    replay_s, state = best_of(2, lambda: replay(decoded, policy))
    sample = decoded[:NAIVE_SAMPLE]
    naive_s, _ = best_of(1, lambda: naive_replay(sample, policy))
    series_s, series = best_of(
        1, lambda: time_series(decoded, policy, rule_set, [p.date for p in points])
    )

    n = len(decoded)
    rate = n / replay_s
    decode_rate = n / decode_s
    naive_rate = NAIVE_SAMPLE / naive_s
    last = series[-1].totals["US"]
    assert (
        last["deployed_delivery_vehicles"],
        last["deployed_warheads"],
        last["deployed_and_nondeployed_launchers"],
    ) == (
        points[-1].deployed_delivery_vehicles,
        points[-1].deployed_warheads,
        points[-1].deployed_and_nondeployed_launchers,
    ), "the replayed stream does not reach the official 2018 figures"
    print(f"items in state: {len(state.uids()):,}")
    print(f"replay:              {rate:12,.0f} notifications/s ({replay_s:.2f} s for {n:,})")
    print(f"baseline json.loads: {decode_rate:12,.0f} notifications/s ({decode_s:.2f} s)")
    print(f"baseline deep-copy:  {naive_rate:12,.0f} notifications/s (sample of {NAIVE_SAMPLE:,})")
    print(f"ratio replay / json.loads: {rate / decode_rate:.2f}")
    print(f"ratio replay / deep-copy state machine: {rate / naive_rate:,.0f}x")
    print(
        f"time series, {len(points)} dates, one pass over {n:,}: {series_s:.2f} s "
        f"(replaying per date would take about {len(points) * replay_s:.1f} s)"
    )
    print(f"target >= 100,000 notifications/s: {'PASS' if rate >= 100_000 else 'MISS'}")


if __name__ == "__main__":
    main()

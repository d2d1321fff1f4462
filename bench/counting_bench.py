"""Counting 1,000,000 generated items under `new-start` and `start1` (target: under 1 s per
rule set on the 2-core development machine), against the naive per-item reference evaluator
measured in the same run.

What is timed: `treatyledger.rules.count(table, rule_set, catalog)` on an InventoryTable that
is built directly from generated numpy arrays (one row per item, quantity 1, as in a database
with a UID per item): the rule set's definitions (treaty status from containment, facility and
role: 80 % of missiles sit in a launcher, 5 % of items have a role) and then its clauses.
Building the table and decoding it into reference rows are NOT timed
(their times are printed for information), nor is reading a file. The baseline is
`reference_count` (one Python loop over rows per clause) on the same rows.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from treatyledger.files import load_catalog, load_rule_set, rule_set_names
from treatyledger.model import STATUSES_BY_KIND, ItemKind, inventory_of, make_item
from treatyledger.rules import InventoryTable, count
from treatyledger.rules.reference import reference_count, rows_of_table
from treatyledger.rules.table import (
    ARMAMENTS,
    BASINGS,
    FACILITY_TYPES,
    KINDS,
    NO_ARMAMENT,
    NO_BASING,
    NO_CAPACITY,
    NO_ROLE,
    ROLES,
    STATUSES,
)

N_ITEMS = 1_000_000
TARGET_S = 1.0
TIMED_RULE_SETS = ("new-start", "start1")
KIND_WEIGHTS = {
    ItemKind.WARHEAD: 0.45,
    ItemKind.ICBM: 0.12,
    ItemKind.SLBM: 0.12,
    ItemKind.ICBM_LAUNCHER: 0.12,
    ItemKind.SLBM_LAUNCHER: 0.12,
    ItemKind.HEAVY_BOMBER: 0.05,
    ItemKind.SUBMARINE: 0.02,
}


def generate(n: int, seed: int = 20201201) -> InventoryTable:
    rng = np.random.default_rng(seed)
    catalog = load_catalog()
    # types every built-in rule set can count (START I needs MOU attributions)
    icbm_types = [t for t in catalog if t.kind == "icbm" and t.start1_attributed_warheads]
    slbm_types = [t for t in catalog if t.kind == "slbm" and t.start1_attributed_warheads]
    bomber_types = [t for t in catalog if t.kind == "heavy_bomber" and t.lrna_capacity]
    types = (*icbm_types, *slbm_types, *bomber_types)
    type_ids = {t.id: i for i, t in enumerate(types)}

    kinds = list(KIND_WEIGHTS)
    kind = rng.choice(
        [KINDS.index(k) for k in kinds], size=n, p=list(KIND_WEIGHTS.values())
    ).astype(np.int8)
    status = np.zeros(n, np.int8)
    type_index = np.full(n, -1, np.int32)
    for k in kinds:
        rows = np.flatnonzero(kind == KINDS.index(k))
        allowed = [STATUSES.index(s) for s in sorted(STATUSES_BY_KIND[k])]
        weights = np.array([4.0 if STATUSES[c] == "deployed" else 1.0 for c in allowed])
        status[rows] = rng.choice(allowed, size=rows.size, p=weights / weights.sum())
        if k in (ItemKind.ICBM, ItemKind.ICBM_LAUNCHER):
            pool = [type_ids[t.id] for t in icbm_types]
        elif k in (ItemKind.SLBM, ItemKind.SLBM_LAUNCHER, ItemKind.SUBMARINE):
            pool = [type_ids[t.id] for t in slbm_types]
        elif k is ItemKind.HEAVY_BOMBER:
            pool = [type_ids[t.id] for t in bomber_types]
        else:
            continue
        type_index[rows] = rng.choice(pool, size=rows.size)

    is_bomber = kind == KINDS.index(ItemKind.HEAVY_BOMBER)
    is_vehicle = np.isin(kind, [KINDS.index(k) for k in (ItemKind.ICBM, ItemKind.SLBM)]) | is_bomber
    type_basing = np.array([BASINGS.index(t.basing) for t in types] + [NO_BASING])
    type_capacity = np.array([t.lrna_capacity or NO_CAPACITY for t in types] + [NO_CAPACITY])
    armament = np.where(is_bomber, rng.integers(0, len(ARMAMENTS), size=n), NO_ARMAMENT).astype(
        np.int8
    )
    warheads = np.where(is_vehicle, rng.integers(0, 9, size=n), 0).astype(np.int64)
    container = np.full(n, -1, np.int32)
    for missile, launcher in (
        (ItemKind.ICBM, ItemKind.ICBM_LAUNCHER),
        (ItemKind.SLBM, ItemKind.SLBM_LAUNCHER),
    ):
        missiles = np.flatnonzero(kind == KINDS.index(missile))
        launchers = np.flatnonzero(kind == KINDS.index(launcher))
        inside = int(0.8 * min(missiles.size, launchers.size))
        container[rng.choice(missiles, inside, replace=False)] = rng.choice(
            launchers, inside, replace=False
        )
    loaded = warheads > 0
    loaded[container[container >= 0]] = True
    role = np.where(rng.random(n) < 0.05, rng.integers(0, len(ROLES), size=n), NO_ROLE)
    return InventoryTable(
        party_ids=("RU", "US"),
        system_types=types,
        party=rng.integers(0, 2, size=n, dtype=np.int32),
        kind=kind,
        status=status,
        armament=armament,
        basing=type_basing[type_index].astype(np.int8),
        facility_type=rng.integers(0, len(FACILITY_TYPES) + 1, size=n).astype(np.int8),
        contained=((kind == KINDS.index(ItemKind.WARHEAD)) & (rng.random(n) < 0.3))
        | (container >= 0),
        type_index=type_index,
        quantity=np.ones(n, np.int64),
        warheads=warheads,
        lrna_capacity=np.where(is_bomber, type_capacity[type_index], NO_CAPACITY).astype(np.int64),
        role=role.astype(np.int8),
        identified=np.ones(n, np.bool_),
        container=container,
        loaded=loaded,
    )


def best_of(repeats: int, action) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best = float("inf")
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> int:
    catalog = load_catalog()
    started = time.perf_counter()
    table = generate(N_ITEMS)
    elapsed = time.perf_counter() - started
    print(f"generated {N_ITEMS:,} items as an InventoryTable in {elapsed:.2f} s (not timed)")
    started = time.perf_counter()
    rows = rows_of_table(table)
    print(f"decoded them into reference rows in {time.perf_counter() - started:.2f} s (not timed)")

    missed = False
    for name in rule_set_names():
        rule_set = load_rule_set(name)
        engine_s, result = best_of(3, lambda rs=rule_set: count(table, rs, catalog))
        line = f"{name:16s} engine {engine_s * 1000:8.1f} ms"
        if name in TIMED_RULE_SETS:
            started = time.perf_counter()
            expected = reference_count(rows, rule_set)
            reference_s = time.perf_counter() - started
            if expected != result:
                print(f"{name}: engine and reference DISAGREE")
                return 1
            verdict = "PASS" if engine_s < TARGET_S else "MISS"
            missed |= engine_s >= TARGET_S
            line += (
                f"   reference {reference_s:7.2f} s   ratio {reference_s / engine_s:6.0f}x   "
                f"target < {TARGET_S:.0f} s: {verdict}"
            )
        print(line)
    inventory_path(catalog)
    return 1 if missed else 0


def inventory_path(catalog) -> None:  # type: ignore[no-untyped-def]
    """For information: counting from validated Item objects (what `count --inventory` does
    after reading a file) includes building the table; measured on 100,000 items."""
    n = 100_000
    items = [
        make_item(
            {
                "party": "US" if i % 2 else "RU",
                "kind": "icbm",
                "status": "deployed",
                "system_type": "MM III",
                "uid": f"MM3-{i}",
                "warheads": 1 + i % 3,
            }
        )
        for i in range(n)
    ]
    inventory = inventory_of(items)
    rule_set = load_rule_set("new-start")
    elapsed, _ = best_of(3, lambda: count(inventory, rule_set, catalog))
    print(f"count(Inventory of {n:,} Item objects) incl. building the table: {elapsed:.2f} s")


if __name__ == "__main__":
    sys.exit(main())

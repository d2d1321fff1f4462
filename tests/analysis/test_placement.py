"""Placement is a maximum flow: checked against a linear program (scipy) on random cases."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from treatyledger.analysis.placement import place

GROUPS = ["g0", "g1", "g2", "g3"]
SYSTEMS = ["s0", "s1", "s2"]

cases = st.fixed_dictionaries(
    {
        "supply": st.lists(st.integers(0, 50), min_size=4, max_size=4),
        "slots": st.lists(st.integers(0, 50), min_size=3, max_size=3),
        "edges": st.lists(st.lists(st.booleans(), min_size=3, max_size=3), min_size=4, max_size=4),
    }
)


def lp_optimum(supply: list[int], slots: list[int], edges: list[list[bool]]) -> float:
    pairs = [(g, s) for g in range(4) for s in range(3) if edges[g][s]]
    if not pairs:
        return 0.0
    rows, bounds = [], []
    for g in range(4):
        rows.append([1.0 if p[0] == g else 0.0 for p in pairs])
        bounds.append(supply[g])
    for s in range(3):
        rows.append([1.0 if p[1] == s else 0.0 for p in pairs])
        bounds.append(slots[s])
    result = linprog(-np.ones(len(pairs)), A_ub=np.array(rows), b_ub=np.array(bounds))
    return float(-result.fun)


@settings(max_examples=80, deadline=None)
@given(case=cases)
def test_placement_matches_the_linear_program_and_respects_every_bound(case: dict) -> None:  # type: ignore[type-arg]
    supply = dict(zip(GROUPS, map(float, case["supply"]), strict=True))
    slots = dict(zip(SYSTEMS, map(float, case["slots"]), strict=True))
    fits = {
        g: [s for s, fit in zip(SYSTEMS, case["edges"][i], strict=True) if fit]
        for i, g in enumerate(GROUPS)
    }
    placed = place(supply, slots, fits)
    total = sum(placed.values())
    assert abs(total - lp_optimum(case["supply"], case["slots"], case["edges"])) < 1e-6
    for (group, system), amount in placed.items():
        assert system in fits[group] and amount > 0
    for group in GROUPS:
        assert sum(a for (g, _), a in placed.items() if g == group) <= supply[group] + 1e-9
    for system in SYSTEMS:
        assert sum(a for (_, s), a in placed.items() if s == system) <= slots[system] + 1e-9


def test_nothing_is_placed_without_a_compatible_system() -> None:
    assert place({"g": 10.0}, {"s": 10.0}, {"g": []}) == {}

"""Integer allocations the synthetic and decade streams share: a total split by shares, and
reentry vehicles spread over missiles to reach an aggregate with the fewest changes."""

from __future__ import annotations

from collections.abc import Sequence


def split(total: int, shares: Sequence[float]) -> list[int]:
    """``total`` split by ``shares`` with largest-remainder rounding (sums exactly; ties go to
    the earlier share)."""
    if total < 0:
        raise ValueError(f"cannot split a negative total {total}")
    weight = sum(shares)
    exact = [total * s / weight for s in shares]
    parts = [int(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def spread_rvs(rvs: dict[str, int], capacity: dict[str, int], target: int) -> dict[str, int]:
    """New loads: ``rvs`` moved by the fewest changes to ``target`` in all, one reentry
    vehicle at a time to the missile least (or from the one most) loaded for its capacity."""
    loads = dict(rvs)
    total = sum(loads.values())
    room = sum(capacity[m] for m in loads)
    if target > room:
        raise ValueError(
            f"{target} reentry vehicles do not fit on {len(loads)} deployed missiles "
            f"(capacity {room}); the force cannot reach this aggregate"
        )
    if target < 0:
        raise ValueError(f"negative reentry-vehicle target {target}: more bombers than warheads")
    step = 1 if target > total else -1
    while total != target:
        # one sweep: every missile that can move by one, least (or most) loaded first
        order = sorted(loads, key=lambda m: (loads[m] / capacity[m], m), reverse=step < 0)
        floor = 1 if step < 0 and any(loads[m] > 1 for m in loads) else 0
        moved = False
        for m in order:
            if total == target:
                break
            if step > 0 and loads[m] < capacity[m]:
                loads[m] += 1
            elif step < 0 and loads[m] > floor:
                loads[m] -= 1
            else:
                continue
            total += step
            moved = True
        if not moved:
            raise ValueError("cannot reach the reentry-vehicle target")
    return loads

"""Placing warheads into free slots: a maximum flow on a small bipartite graph.

Warhead groups (warhead types that fit the same delivery systems) on one side, system types
on the other; an edge wherever the compatibility table says a group fits a system. The most
warheads that can be placed is the maximum flow from the supplies through the edges into the
free slots. The graph has a handful of nodes, so plain Edmonds-Karp is ample; capacities
may be fractional (slots opening over time) and the result is exact up to ``EPSILON``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence

EPSILON = 1e-9


def place(
    supply: Mapping[str, float],
    slots: Mapping[str, float],
    fits: Mapping[str, Sequence[str]],
) -> dict[tuple[str, str], float]:
    """The most warheads placeable: ``{(group, system): amount}``.

    ``supply``: warheads available per group; ``slots``: free warhead slots per system;
    ``fits``: the systems each group fits (systems missing from ``slots`` take nothing).
    """
    groups = [g for g, amount in supply.items() if amount > EPSILON and fits.get(g)]
    systems = [s for s, amount in slots.items() if amount > EPSILON]
    if not groups or not systems:
        return {}
    source, sink = 0, 1
    group_node = {g: 2 + i for i, g in enumerate(groups)}
    system_node = {s: 2 + len(groups) + i for i, s in enumerate(systems)}
    size = 2 + len(groups) + len(systems)
    capacity = [[0.0] * size for _ in range(size)]
    unbounded = sum(supply[g] for g in groups) + 1.0
    for g in groups:
        capacity[source][group_node[g]] = supply[g]
        for s in fits[g]:
            if s in system_node:
                capacity[group_node[g]][system_node[s]] = unbounded
    for s in systems:
        capacity[system_node[s]][sink] = slots[s]
    flow = _max_flow(capacity, source, sink)
    placed: dict[tuple[str, str], float] = {}
    for g in groups:
        for s in systems:
            amount = flow[group_node[g]][system_node[s]]
            if amount > EPSILON:
                placed[(g, s)] = amount
    return placed


def _max_flow(capacity: list[list[float]], source: int, sink: int) -> list[list[float]]:
    """Edmonds-Karp: augment along shortest residual paths until none is left."""
    size = len(capacity)
    flow = [[0.0] * size for _ in range(size)]
    while (parent := _shortest_augmenting_path(capacity, flow, source, sink)) is not None:
        path = []
        node = sink
        while node != source:
            path.append((parent[node], node))
            node = parent[node]
        push = min(capacity[a][b] - flow[a][b] for a, b in path)
        for a, b in path:
            flow[a][b] += push
            flow[b][a] -= push
    return flow


def _shortest_augmenting_path(
    capacity: list[list[float]], flow: list[list[float]], source: int, sink: int
) -> list[int] | None:
    """Breadth-first search of the residual graph: each node's parent, or None at the end."""
    size = len(capacity)
    parent = [-1] * size
    parent[source] = source
    queue = deque([source])
    while queue and parent[sink] < 0:
        node = queue.popleft()
        for nxt in range(size):
            if parent[nxt] < 0 and capacity[node][nxt] - flow[node][nxt] > EPSILON:
                parent[nxt] = node
                queue.append(nxt)
    return parent if parent[sink] >= 0 else None

"""``TableCache``: a table built with what an earlier build resolved is the table built from
scratch (every column, party and type codes, labels) and counts the same, over random steps
that keep, change, drop and add items, as the node's tallies do to today's inventory."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_support import catalog
from test_rules_properties import FACILITIES, PARTIES, all_rule_sets, build, rows

from treatyledger.model import Inventory, make_item
from treatyledger.rules import InventoryTable, TableCache, count
from treatyledger.rules.table import _COLUMN_DTYPES

#: what a step does to each item it finds
KEEP, CHANGE, DROP = "keep", "change", "drop"

steps = st.lists(
    st.tuples(
        st.lists(st.sampled_from([KEEP, KEEP, CHANGE, DROP]), max_size=30),  # per item
        st.lists(rows(), max_size=8),  # added
        st.lists(rows(), max_size=30),  # the fields of changed items, in turn
    ),
    min_size=1,
    max_size=6,
)


def assert_same_table(cached: InventoryTable, fresh: InventoryTable) -> None:
    assert cached.party_ids == fresh.party_ids
    assert [t.id for t in cached.system_types] == [t.id for t in fresh.system_types]
    for name in _COLUMN_DTYPES:
        column, expected = getattr(cached, name), getattr(fresh, name)
        assert column.dtype == expected.dtype, name
        assert np.array_equal(column, expected), name
    assert [cached.label(r) for r in range(len(cached))] == [
        fresh.label(r) for r in range(len(fresh))
    ]


def step(inventory: Inventory, ops: list[str], added: list[Any], changes: list[Any]) -> Inventory:
    carriers, others = inventory.items[: len(PARTIES)], inventory.items[len(PARTIES) :]
    kept = []
    for index, item in enumerate(others):
        op = ops[index] if index < len(ops) else KEEP
        if op == CHANGE and changes:
            kept.append(make_item(changes.pop()))  # a new object in the item's place
        elif op != DROP:
            kept.append(item)  # the same object: the cache knows it
    new = [make_item(fields) for fields in added]
    return Inventory.model_construct(
        items=(*carriers, *kept, *new), facilities={f.id: f for f in FACILITIES}
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(rows(), max_size=20), steps)
def test_a_cached_table_is_the_table_built_afresh(
    first: list[dict[str, Any]], plan: list[tuple[list[str], list[Any], list[Any]]]
) -> None:
    cache = TableCache()
    inventory = build(first)
    for ops, added, changes in [([], [], []), *plan]:
        inventory = step(inventory, ops, added, list(changes))
        cached = InventoryTable.from_inventory(inventory, catalog(), cache)
        fresh = InventoryTable.from_inventory(inventory, catalog())
        assert_same_table(cached, fresh)
        for rule_set in all_rule_sets():
            assert count(cached, rule_set, catalog()) == count(inventory, rule_set, catalog())


def test_only_new_and_changed_items_are_resolved_again() -> None:
    inventory = build([{"party": "US", "kind": "icbm", "status": "deployed",
                        "system_type": "MM III", "quantity": 1}] * 5)  # fmt: skip
    cache = TableCache()
    InventoryTable.from_inventory(inventory, catalog(), cache)
    assert cache.resolved == len(inventory.items)
    InventoryTable.from_inventory(inventory, catalog(), cache)
    assert cache.resolved == 0
    grown = step(inventory, [CHANGE], [{"party": "RU", "kind": "warhead", "status": "stored",
                 "quantity": 2}], [{"party": "UA", "kind": "warhead", "status": "stored",
                 "quantity": 3}])  # fmt: skip
    table = InventoryTable.from_inventory(grown, catalog(), cache)
    assert cache.resolved == 2
    assert_same_table(table, InventoryTable.from_inventory(grown, catalog()))

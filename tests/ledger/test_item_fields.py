"""``LedgerState.item_fields`` is exactly the JSON form of ``LedgerState.item``: the store
writes it as the materialized item body without building the Item."""

from __future__ import annotations

import random

from ledger_helpers import catalog, policy

from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger import LedgerState
from treatyledger.ledger.synthetic import synthetic_stream


def test_item_fields_equal_the_items_json_form_throughout_a_stream() -> None:
    records = synthetic_stream(
        "US",
        read_new_start_aggregates(party="US"),
        catalog(),
        random.Random(3),
        churn_pairs_per_period=20,
    )
    kinds = {r["kind"] for r in records}
    assert {"declare", "load", "unload", "move", "convert", "eliminate", "retire"} <= kinds
    state = LedgerState(policy())
    checked = 0
    for position, record in enumerate(records):
        state.apply_record(record, trusted=True)
        if position % 250 and position != len(records) - 1:
            continue
        for uid in state.uids():
            item = state.item(uid)
            assert item is not None
            assert state.item_fields(uid) == item.model_dump(mode="json", exclude_none=True)
            checked += 1
    assert checked > 1000
    assert state.item_fields("no-such-uid") is None

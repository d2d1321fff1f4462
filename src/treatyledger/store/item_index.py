"""Which items a notification touched: the rows of the item -> notification index
(``ledger_item_notifications``) the store writes and the audit recomputes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from treatyledger.ledger.outcomes import Outcome
from treatyledger.ledger.state import LedgerState


def changed_items(state: LedgerState, record: Mapping[str, Any], outcome: Outcome) -> set[str]:
    """The items (UIDs of the notification's party) whose state it may have changed."""
    party = record["party"]
    if record["kind"] == "correction":
        # a correction re-validates the whole log: any item of the party may have changed
        return set(state.uids(party))
    touched = set(outcome.touched)
    # loading a container moves what it contains to the container's facility
    stack = [c for uid in touched for c in state.contents(uid, party)]
    while stack:
        uid = stack.pop()
        if uid not in touched:
            touched.add(uid)
            stack.extend(state.contents(uid, party))
    return touched

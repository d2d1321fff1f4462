"""Which items a notification touched: the rows of the item -> notification index
(``ledger_item_notifications``) the store writes and the audit recomputes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, select

from treatyledger.ledger.outcomes import Outcome
from treatyledger.ledger.state import LedgerState
from treatyledger.store.ledger_tables import ItemNotificationRow


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


def index_rows(conn: Connection, party: str) -> Iterator[tuple[str, int]]:
    """``party``'s index rows as (uid, sequence), in key order (streamed)."""
    query = (
        select(ItemNotificationRow.uid, ItemNotificationRow.sequence)
        .where(ItemNotificationRow.party == party)
        .order_by(ItemNotificationRow.uid, ItemNotificationRow.sequence)
        .execution_options(yield_per=10_000)  # the statement's, not the connection's
    )
    for uid, sequence in conn.execute(query):
        yield uid, int(sequence)


class IndexDigest:
    """SHA-256 over index rows fed in key order (each row length-prefixed, so unambiguous):
    what a snapshot records of the index up to its position, under its MAC."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def add(self, uid: str, sequence: int) -> None:
        self._hash.update(f"{len(uid)}:{uid}{sequence}\n".encode())

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def index_digest(conn: Connection, party: str, through: int) -> str:
    """The digest of ``party``'s index rows of notifications up to ``through``."""
    digest = IndexDigest()
    for uid, sequence in index_rows(conn, party):
        if sequence <= through:
            digest.add(uid, sequence)
    return digest.hexdigest()

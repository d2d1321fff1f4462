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


def index_rows(conn: Connection, party: str, *, after: int = 0) -> Iterator[tuple[str, int]]:
    """``party``'s index rows of notifications after ``after`` as (uid, sequence), in key
    order (streamed)."""
    query = (
        select(ItemNotificationRow.uid, ItemNotificationRow.sequence)
        .where(ItemNotificationRow.party == party, ItemNotificationRow.sequence > after)
        .order_by(ItemNotificationRow.uid, ItemNotificationRow.sequence)
        .execution_options(yield_per=10_000)  # the statement's, not the connection's
    )
    for uid, sequence in conn.execute(query):
        yield uid, int(sequence)


#: index rows per read of ``index_digest`` (a page's text is hashed in one update)
_DIGEST_PAGE = 50_000


def index_digest(conn: Connection, party: str, through: int) -> str:
    """The digest of ``party``'s index rows of notifications up to ``through``: SHA-256 over
    the rows in key order, each length-prefixed so that the text is unambiguous
    (``{len(uid)}:{uid}{sequence}\n``); what a snapshot records of the index up to its
    position, under its MAC. Read through the driver's cursor and hashed a page at a time
    (a hash update per row cost a microsecond a row at start)."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cursor = conn.exec_driver_sql(
        "SELECT uid, sequence FROM ledger_item_notifications "
        f"WHERE party = {mark} AND sequence <= {mark} ORDER BY uid, sequence",
        (party, through),
    ).cursor
    digest = hashlib.sha256()
    while rows := cursor.fetchmany(_DIGEST_PAGE):
        digest.update("".join([f"{len(uid)}:{uid}{sequence}\n" for uid, sequence in rows]).encode())
    return digest.hexdigest()

"""Which items a notification touched: the rows of the item -> notification index
(``ledger_item_notifications``) the store writes and the audit recomputes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, select

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


#: sequences a block of the index digest's chain spans
INDEX_BLOCK = 10_000

#: the digests of complete blocks this process hashed, per engine and party: a committed
#: notification's index rows are never changed (a later one adds rows of its own sequence), so
#: a block below the committed sequence is hashed once, not at every snapshot. A row edited
#: after its block was hashed leaves the recorded digest as it was, and the next start-up
#: check, which hashes every block from the rows, finds it.
_COMPLETE_BLOCKS: WeakKeyDictionary[Engine, dict[str, dict[int, bytes]]] = WeakKeyDictionary()


def complete_blocks(engine: Engine, party: str) -> dict[int, bytes]:
    """The digests of ``party``'s complete index blocks this process hashed on ``engine``."""
    return _COMPLETE_BLOCKS.setdefault(engine, {}).setdefault(party, {})


def index_digest(
    conn: Connection, party: str, through: int, blocks: dict[int, bytes] | None = None
) -> str:
    """The digest of ``party``'s index rows of notifications up to ``through``, what a snapshot
    records of the index up to its position under its MAC: a chain over blocks of
    ``INDEX_BLOCK`` sequences, ``h_k = SHA-256(h_(k-1) || SHA-256(rows of block k))``, each
    block's rows in (sequence, uid) order as ``{sequence}:{len(uid)}:{uid}\n`` (length-prefixed,
    so the text is unambiguous), the last block up to ``through``. ``blocks``: digests of
    complete blocks hashed before (``complete_blocks``), used and added to; without it every
    block is read. Sorted here, not by the database, so no collation can change the text."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        "SELECT sequence, uid FROM ledger_item_notifications "
        f"WHERE party = {mark} AND sequence > {mark} AND sequence <= {mark}"
    )
    chain = b""
    for first in range(0, max(through, 0), INDEX_BLOCK):
        last = min(first + INDEX_BLOCK, through)
        kept = blocks if blocks is not None and last == first + INDEX_BLOCK else None
        block = kept.get(first // INDEX_BLOCK) if kept is not None else None
        if block is None:
            rows = sorted(conn.exec_driver_sql(sql, (party, first, last)).cursor.fetchall())
            text = "".join([f"{sequence}:{len(uid)}:{uid}\n" for sequence, uid in rows])
            block = hashlib.sha256(text.encode()).digest()
            if kept is not None:
                kept[first // INDEX_BLOCK] = block
        chain = hashlib.sha256(chain + block).digest()
    return chain.hex() if chain else hashlib.sha256(b"").hexdigest()

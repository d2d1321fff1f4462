"""The derived tables against a replay: the materialized items and the item -> notification
index (``history --uid``); for the full audit (``store.ledger_audit``) and the start-up check
(``store.ledger_startup``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from treatyledger.ledger.state import LedgerState
from treatyledger.model.items import Item
from treatyledger.store.ledger_reads import item_body
from treatyledger.store.ledger_tables import ItemNotificationRow, ItemRow

if TYPE_CHECKING:  # the report type is ledger_audit's, which imports this module
    from treatyledger.store.ledger_audit import WorkspaceAudit


def audit_items(conn: Connection, report: WorkspaceAudit, state: LedgerState) -> None:
    """The materialized items table against the replay."""
    stored: dict[tuple[str, str], str | None] = {}
    for party, uid, body in conn.execute(select(ItemRow.party, ItemRow.uid, ItemRow.body)):
        try:
            stored[(party, uid)] = item_body(Item.model_validate_json(body))
        except ValueError:  # a body that is not an item: it differs from any replay
            stored[(party, uid)] = None
    replayed = {}
    for party, uid in state.item_keys():
        item = state.item(uid, party)
        if item is not None:
            replayed[(party, uid)] = item_body(item)
    report.items_checked = len(replayed)
    for party, uid in sorted(replayed.keys() | stored.keys()):
        where = f"item {party}/{uid}"
        if (party, uid) not in stored:
            report.add("derived.items", where, "missing from the items table")
        elif (party, uid) not in replayed:
            report.add("derived.items", where, "in the items table, not in the notifications")
        elif stored[(party, uid)] != replayed[(party, uid)]:
            report.add("derived.items", where, "items table differs from the notifications")


def audit_index(
    conn: Connection, report: WorkspaceAudit, expected: Mapping[tuple[str, str], set[int]]
) -> None:
    """The item -> notification index (``history --uid``) against the replay."""
    stored: dict[tuple[str, str], set[int]] = {}
    query = select(
        ItemNotificationRow.party, ItemNotificationRow.uid, ItemNotificationRow.sequence
    ).execution_options(yield_per=10_000)
    for party, uid, sequence in conn.execute(query):
        stored.setdefault((party, uid), set()).add(int(sequence))
    compare_index(report, stored, expected)


def compare_index(
    report: WorkspaceAudit,
    stored: Mapping[tuple[str, str], set[int]],
    expected: Mapping[tuple[str, str], set[int]],
) -> None:
    """A finding per item whose stored index rows are not the expected ones."""
    for party, uid in sorted(expected.keys() | stored.keys()):
        found, wanted = stored.get((party, uid), set()), expected.get((party, uid), set())
        if found != wanted:
            extra, missing = sorted(found - wanted), sorted(wanted - found)
            report.add(
                "derived.index",
                f"item {party}/{uid}",
                f"history index lists {extra or 'nothing'} extra, {missing or 'nothing'} missing",
            )


__all__ = ["audit_index", "audit_items", "compare_index"]

"""The rows the store writes in bulk (DBAPI executemany with SQLAlchemy's compiled SQL and
converters) read back exactly as the notifications and the replayed items say, on both
backends."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC

from sqlalchemy import select

from treatyledger.files import load_catalog
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger import leaf_bytes, replay, sign
from treatyledger.ledger.records import parse_time
from treatyledger.ledger.synthetic import synthetic_stream
from treatyledger.model.notifications import parse_notification
from treatyledger.store.ledger_reads import item_body
from treatyledger.store.ledger_store import LedgerStore
from treatyledger.store.ledger_tables import ItemNotificationRow, ItemRow, NotificationRow
from treatyledger.store.policy import workspace_policy
from treatyledger.store.workspace import Workspace


def imported(workspace: Workspace, ledger_store: LedgerStore) -> list[dict[str, object]]:
    points = read_new_start_aggregates(party="US")[:3]
    records = synthetic_stream(
        "US", points, load_catalog(), random.Random(11), churn_pairs_per_period=40
    )[:600]
    assert {"declare", "load", "unload", "move"} <= {r["kind"] for r in records}
    signed = [sign(parse_notification(r), workspace.signing_key) for r in records]
    for start in range(0, len(signed), 250):
        acks = ledger_store.submit(signed[start : start + 250])
        assert {a.status for a in acks} == {"accepted"}
    return [s.to_json_dict() for s in signed]


def test_stored_item_bodies_are_the_replayed_items_byte_for_byte(
    workspace: Workspace, ledger_store: LedgerStore
) -> None:
    records = imported(workspace, ledger_store)
    state = replay(records, workspace_policy(workspace.engine, workspace.rules))
    with workspace.engine.connect() as conn:
        stored = dict(conn.execute(select(ItemRow.uid, ItemRow.body)).all())
    expected = {uid: item_body(item) for uid in state.uids() if (item := state.item(uid))}
    assert stored == expected


def test_stored_notification_rows_carry_the_leaf_its_hash_and_its_times(
    workspace: Workspace, ledger_store: LedgerStore
) -> None:
    records = imported(workspace, ledger_store)
    query = select(NotificationRow).order_by(NotificationRow.sequence)
    with workspace.engine.connect() as conn:
        rows = conn.execute(query).all()
        index = conn.execute(select(ItemNotificationRow.sequence)).scalars().all()
    assert len(rows) == len(records)
    assert set(index) == {r.sequence for r in rows}  # every one of them touched an item
    for row, record in zip(rows, records, strict=True):
        assert bytes(row.signed_bytes) == leaf_bytes(record)
        assert row.content_hash == hashlib.sha256(leaf_bytes(record)).hexdigest()
        assert row.kind == record["kind"]
        assert row.leaf_index == record["sequence"] - 1
        for column in ("effective_time", "issued_time"):
            value = getattr(row, column)
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value
            assert value == parse_time(str(record[column]))
    accepted = {r.accepted_at for r in rows[:250]}
    assert len(accepted) == 1  # one batch, one committed acceptance time

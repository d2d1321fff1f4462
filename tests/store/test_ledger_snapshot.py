"""Snapshots of the ledger's derived state: a store starts from the latest one that matches its
log and replays only the notifications after it; a stale, foreign, tampered or malformed one is
ignored and the state rebuilt by a full replay. The oracle is a fresh replay of the stored
records (``ledger.replay``). Runs on both backends."""

from __future__ import annotations

import json
import zlib
from typing import Any

from sqlalchemy import delete, select, update

from factory import Notifier, base_force
from treatyledger.ledger import replay
from treatyledger.ledger.derived import export_derived
from treatyledger.ledger.records import parse_time
from treatyledger.ledger.replay import state_at
from treatyledger.store.ledger_reads import workspace_inventory
from treatyledger.store.ledger_snapshot import check_snapshot
from treatyledger.store.ledger_store import LedgerStore, open_ledger
from treatyledger.store.ledger_tables import (
    ItemNotificationRow,
    LedgerSnapshotRow,
    NotificationRow,
)
from treatyledger.store.workspace import Workspace


def history(us: Notifier) -> list[Any]:
    return [
        us.declare(base_force()),
        us.make("load", {"container": "US-L1", "items": ["US-M1"]}),
        us.make("load", {"container": "US-M1", "warheads": 2}),
    ]


def replayed(store: LedgerStore) -> dict[str, Any]:
    """What a full, independent replay of the stored records derives."""
    state = replay(store.records(), store.policy)
    return {"derived": export_derived(state), "items": state.snapshot()}


def derived(store: LedgerStore) -> dict[str, Any]:
    return {"derived": export_derived(store.state), "items": store.state.snapshot()}


def snapshot_row(store: LedgerStore) -> tuple[str, bytes, str]:
    with store.engine.connect() as conn:
        row = conn.execute(
            select(LedgerSnapshotRow.positions, LedgerSnapshotRow.body, LedgerSnapshotRow.digest)
        ).one()
    return row[0], bytes(row[1]), row[2]


def set_snapshot(store: LedgerStore, **values: Any) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(LedgerSnapshotRow).values(**values))


def test_a_store_starts_from_its_snapshot_and_replays_only_the_tail(
    workspace: Workspace, us: Notifier
) -> None:
    store = open_ledger(workspace)
    first, second, third = history(us)
    store.submit([first, second])
    store.save_snapshot()
    store.submit([third])
    reopened = open_ledger(workspace)
    assert reopened.loaded is not None
    assert (reopened.loaded.source, reopened.loaded.replayed) == ("snapshot", 1)
    assert derived(reopened) == replayed(reopened)
    assert reopened.items()["US-M1"].warheads == 2


def test_a_snapshot_is_written_every_so_many_notifications(
    workspace: Workspace, us: Notifier
) -> None:
    store = open_ledger(workspace)
    store.snapshot_every = 2
    store.submit(history(us))
    positions, _, _ = snapshot_row(store)
    assert json.loads(positions)["US"]["sequence"] == 3
    assert open_ledger(workspace).loaded.replayed == 0  # type: ignore[union-attr]


def test_a_tampered_snapshot_body_is_ignored_and_the_state_rebuilt(
    workspace: Workspace, us: Notifier
) -> None:
    store = open_ledger(workspace)
    store.submit(history(us))
    store.save_snapshot()
    _, body, _ = snapshot_row(store)
    data = json.loads(zlib.decompress(body))
    data["parties"]["US"]["items"]["US-M1"]["warheads"] = 1  # a lie about the RVs
    set_snapshot(store, body=zlib.compress(json.dumps(data).encode()))
    reopened = open_ledger(workspace)
    assert reopened.loaded is not None
    assert reopened.loaded.source == "replay"
    assert "MAC" in (reopened.loaded.rejected or "")
    assert reopened.items()["US-M1"].warheads == 2
    assert derived(reopened) == replayed(reopened)


def test_a_snapshot_needs_the_key_that_wrote_it(workspace: Workspace, us: Notifier) -> None:
    store = open_ledger(workspace)
    store.submit(history(us))
    store.save_snapshot()
    keyless = LedgerStore(store.engine, store.policy, home_party="US")  # no MAC key
    assert keyless.loaded is not None
    assert keyless.loaded.source == "replay"


def test_a_snapshot_beyond_the_log_is_stale_and_ignored(workspace: Workspace, us: Notifier) -> None:
    store = open_ledger(workspace)
    store.submit(history(us))
    store.save_snapshot()
    positions, body, digest = snapshot_row(store)
    with store.engine.begin() as conn:  # the notifications restored to an earlier point
        for table in (ItemNotificationRow, NotificationRow):
            conn.execute(delete(table).where(table.party == "US", table.sequence > 2))
        problem = check_snapshot(conn, positions, body, digest, store.namespace, store.snapshot_key)
    assert problem is not None and "US#3" in problem
    reopened = open_ledger(workspace)
    assert reopened.loaded is not None
    assert (reopened.loaded.source, reopened.loaded.replayed) == ("replay", 2)
    assert derived(reopened) == replayed(reopened)


def test_a_snapshot_over_a_rewritten_notification_is_refused(
    workspace: Workspace, us: Notifier
) -> None:
    store = open_ledger(workspace)
    store.submit(history(us))
    store.save_snapshot()
    positions, body, digest = snapshot_row(store)
    with store.engine.begin() as conn:
        conn.execute(
            update(NotificationRow)
            .where(NotificationRow.party == "US", NotificationRow.sequence == 3)
            .values(signed_bytes=b'{"party":"US"}')
        )
        problem = check_snapshot(conn, positions, body, digest, store.namespace, store.snapshot_key)
    assert problem is not None and "not the log's leaf" in problem


def test_a_sound_snapshot_passes_the_check(workspace: Workspace, us: Notifier) -> None:
    store = open_ledger(workspace)
    store.submit(history(us))
    store.save_snapshot()
    with store.engine.connect() as conn:
        assert (
            check_snapshot(conn, *snapshot_row(store), store.namespace, store.snapshot_key) is None
        )


def test_duplicates_and_corrections_read_the_log_back_from_the_database(
    workspace: Workspace, us: Notifier
) -> None:
    store = open_ledger(workspace)
    notifications = history(us)
    store.submit(notifications)
    store.save_snapshot()
    reopened = open_ledger(workspace)
    assert [a.status for a in reopened.submit(notifications[1:2])] == ["duplicate"]
    correction = us.make(
        "correction",
        {
            "kind": "load",
            "effective_time": us.data("x", {}, sequence=3)["effective_time"],
            "payload": {"container": "US-M1", "warheads": 3},
            "reason": "three RVs, not two",
        },
        corrects={"party": "US", "sequence": 3},
    )
    assert reopened.submit([correction])[0].status == "accepted"
    assert reopened.items()["US-M1"].warheads == 3
    assert derived(reopened) == replayed(reopened)
    assert [r["sequence"] for r in reopened.state.log("US")] == [1, 2, 3, 4]


def counted(inventory: Any) -> dict[str, Any]:
    return {i.uid: i.model_dump(mode="json") for i in inventory.items}


def test_count_workspace_reads_the_snapshot_and_agrees_with_a_replay(
    workspace: Workspace, us: Notifier
) -> None:
    store = open_ledger(workspace)
    notifications = history(us)
    store.submit(notifications[:2])
    store.save_snapshot()
    store.submit(notifications[2:])
    db_url = workspace.config.database_url
    expected = replay(store.records(), store.policy).inventory()
    assert counted(workspace_inventory(workspace.path, None)) == counted(expected)
    assert workspace_inventory_reads_snapshot(workspace.path, db_url)


def workspace_inventory_reads_snapshot(path: Any, db_url: str | None) -> bool:
    """Whether a count of the workspace now would start from its snapshot."""
    with Workspace.open(path, db_url) as ws:
        store = open_ledger(ws)
        return store.loaded is not None and store.loaded.source == "snapshot"


def test_count_workspace_as_of_a_past_day_still_replays_to_that_day(
    workspace: Workspace, us: Notifier
) -> None:
    store = open_ledger(workspace)
    first, second, third = history(us)
    store.submit([first, second, third])
    store.save_snapshot()
    day = parse_time(first.to_json_dict()["effective_time"]).date()
    last = parse_time(third.to_json_dict()["effective_time"]).date()
    records = store.records()
    for when in {day, last}:
        expected = state_at(records, store.policy, when).inventory()
        assert counted(workspace_inventory(workspace.path, when)) == counted(expected)

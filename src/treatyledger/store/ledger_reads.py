"""Reading what the ledger store wrote: the stored notifications (in sequence order per
party, the input of ``treatyledger.ledger.replay``, or in acceptance order), an item's
history through the item -> notification index, the materialized items and their agreement
with a fresh replay, and a workspace's replayed inventory."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, select

from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.records import parse_time
from treatyledger.ledger.replay import as_datetime, replay, state_at
from treatyledger.model.catalog import Catalog
from treatyledger.model.items import Inventory, Item
from treatyledger.model.notifications import Notification, parse_notification
from treatyledger.store.ledger_tables import (
    ItemNotificationRow,
    ItemRow,
    NotificationRow,
    PartyRow,
)
from treatyledger.store.policy import workspace_policy
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.checkpoint import DEFAULT_NAMESPACE


@dataclass(frozen=True)
class StoredNotification:
    """One accepted notification as stored."""

    party: str
    sequence: int
    kind: str
    effective_time: datetime
    issued_time: datetime
    late: bool
    leaf_index: int | None
    accepted_at: datetime
    record: dict[str, Any]  # the signed envelope in JSON form


def load_records(
    engine: Engine, party: str | None = None, *, after_sequence: int = 0
) -> list[dict[str, Any]]:
    """Every stored notification (of ``party``; with ``after_sequence``, only those of higher
    sequence) in JSON form, in sequence order per party."""
    with engine.connect() as conn:
        return list(iter_records(conn, party, after_sequence=after_sequence))


def records_of_kinds(engine: Engine, kinds: set[str]) -> list[dict[str, Any]]:
    """Every stored notification of these kinds, all parties, in sequence order per party
    (the regime's events and databases, without decoding the rest of the log)."""
    with engine.connect() as conn:
        return [json.loads(bytes(signed)) for (signed,) in conn.execute(kinds_query(kinds))]


def kinds_query(kinds: set[str]) -> Select[bytes]:
    """``records_of_kinds``'s query: a range of ``ix_ledger_notifications_kind`` per kind."""
    return (
        select(NotificationRow.signed_bytes)
        .where(NotificationRow.kind.in_(sorted(kinds)))
        .order_by(NotificationRow.party, NotificationRow.sequence)
    )


def recorded_parties(engine: Engine) -> list[str]:
    """The parties with at least one stored notification (the workspace's own and mirrored).
    One primary-key probe per registered party: a DISTINCT over the notifications read every
    row's key, on each regime view rebuild."""
    with engine.connect() as conn:
        return [party for (party,) in conn.execute(recorded_parties_query())]


def recorded_parties_query() -> Select[str]:
    stored = select(NotificationRow.sequence).where(NotificationRow.party == PartyRow.party)
    return select(PartyRow.party).where(stored.exists()).order_by(PartyRow.party)


def ledger_version(engine: Engine) -> tuple[int, int]:
    """(parties, sum of their last sequences): changes whenever any log grows (a mirrored
    peer's included; logs only grow). One primary-key lookup per party, not a scan of the
    notifications (it is read on every view request: a count(*) was O(log size) each)."""
    last = (
        select(func.max(NotificationRow.sequence))
        .where(NotificationRow.party == PartyRow.party)
        .scalar_subquery()
    )
    query = select(func.count(), func.coalesce(func.sum(last), 0)).select_from(PartyRow)
    with engine.connect() as conn:
        parties, total = conn.execute(query).one()
    return int(parties), int(total)


def notifications_in_acceptance_order(engine: Engine) -> list[Notification]:
    """Every stored notification, all parties, in the order the store accepted them (ties
    within one committed batch broken by party, then sequence)."""
    query = select(NotificationRow.signed_bytes).order_by(
        NotificationRow.accepted_at, NotificationRow.party, NotificationRow.sequence
    )
    with engine.connect() as conn:
        return [parse_notification(json.loads(bytes(signed))) for (signed,) in conn.execute(query)]


def notification_history(
    engine: Engine, uid: str, party: str | None = None
) -> list[StoredNotification]:
    """Every stored notification that touched item ``uid`` (of ``party``), in sequence order;
    reads the item -> notification index, no replay needed."""
    query = (
        select(NotificationRow)
        .join(
            ItemNotificationRow,
            (ItemNotificationRow.party == NotificationRow.party)
            & (ItemNotificationRow.sequence == NotificationRow.sequence),
        )
        .where(ItemNotificationRow.uid == uid)
        .order_by(NotificationRow.party, NotificationRow.sequence)
    )
    if party is not None:
        query = query.where(ItemNotificationRow.party == party)
    with engine.connect() as conn:
        return [_stored(row) for row in conn.execute(query)]


def records_version(engine: Engine, party: str) -> tuple[int, int]:
    """(count, last sequence) of a party's notifications: changes whenever one is added."""
    with engine.connect() as conn:
        row = conn.execute(
            select(func.count(), func.max(NotificationRow.sequence)).where(
                NotificationRow.party == party
            )
        ).one()
    return int(row[0]), int(row[1] or 0)


def iter_records(
    conn: Connection, party: str | None, *, after_sequence: int = 0
) -> Iterator[dict[str, Any]]:
    query = select(NotificationRow.signed_bytes).order_by(
        NotificationRow.party, NotificationRow.sequence
    )
    if party is not None:
        query = query.where(NotificationRow.party == party)
    if after_sequence:
        query = query.where(NotificationRow.sequence > after_sequence)
    for (signed,) in conn.execution_options(yield_per=2000).execute(query):
        yield json.loads(bytes(signed))


def _stored(row: Any) -> StoredNotification:
    return StoredNotification(
        party=row.party,
        sequence=row.sequence,
        kind=row.kind,
        effective_time=_utc(row.effective_time),
        issued_time=_utc(row.issued_time),
        late=row.late,
        leaf_index=row.leaf_index,
        accepted_at=_utc(row.accepted_at),
        record=json.loads(bytes(row.signed_bytes)),
    )


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time the store writes is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def item_body(item: Item) -> str:
    """The stored form of an item: its JSON with absent fields omitted, keys sorted."""
    return stored_body(item.model_dump(mode="json", exclude_none=True))


def stored_body(fields: Mapping[str, Any]) -> str:
    """The stored form of an item's JSON fields (keys sorted)."""
    return json.dumps(fields, sort_keys=True)


def materialized_items(conn: Connection, party: str) -> dict[str, Item]:
    """``party``'s materialized items by UID (a UID names an item within its party)."""
    query = select(ItemRow.uid, ItemRow.body).where(ItemRow.party == party)
    return {uid: Item.model_validate_json(body) for uid, body in conn.execute(query)}


def all_materialized_items(conn: Connection) -> dict[tuple[str, str], Item]:
    """Every materialized item by (party, uid)."""
    query = select(ItemRow.party, ItemRow.uid, ItemRow.body)
    return {(p, uid): Item.model_validate_json(body) for p, uid, body in conn.execute(query)}


def materialized_differences(engine: Engine, policy: LedgerPolicy) -> list[str]:
    """Where the materialized items table differs from a fresh replay of the stored
    notifications (empty when consistent). The crash-safety test relies on this."""
    with engine.connect() as conn:
        records = list(iter_records(conn, None))
        stored = {
            f"{party}/{uid}": item_body(item)
            for (party, uid), item in all_materialized_items(conn).items()
        }
    state = replay(records, policy)
    replayed = {}
    for party, uid in state.item_keys():
        item = state.item(uid, party)
        assert item is not None
        replayed[f"{party}/{uid}"] = item_body(item)
    differences = [
        f"{uid}: missing from the items table" for uid in replayed.keys() - stored.keys()
    ]
    differences += [
        f"{uid}: in the items table, not in the replay" for uid in stored.keys() - replayed.keys()
    ]
    differences += [
        f"{uid}: items table {stored[uid]} != replay {replayed[uid]}"
        for uid in sorted(stored.keys() & replayed.keys())
        if stored[uid] != replayed[uid]
    ]
    return sorted(differences)


def workspace_inventory(
    workspace: Path, as_of: date | None, catalog: Catalog | None = None, party: str | None = None
) -> Inventory:
    """The inventory of a workspace's replayed notifications as of the end of ``as_of`` (all
    of them if None), every party's items unless ``party`` is given. This is the second
    inventory source of ``count --workspace``. Where ``as_of`` is after every (corrected)
    effective time, the state is the current one: the latest snapshot that matches the log
    plus the notifications after it (``store.ledger_snapshot``), not a replay."""
    from treatyledger.store.ledger_snapshot import load_state, snapshot_key

    with Workspace.open(workspace) as ws:
        policy = workspace_policy(ws.engine, ws.rules, catalog=catalog)
        if as_of is None or _after_every_effective_time(ws.engine, as_of):
            key = snapshot_key(ws.signing_key)
            loaded = load_state(ws.engine, policy, {}, DEFAULT_NAMESPACE, key)
            return loaded.state.inventory(party)
        records = load_records(ws.engine)
    return state_at(records, policy, as_of).inventory(party)


def _after_every_effective_time(engine: Engine, as_of: date) -> bool:
    """Whether the end of ``as_of`` is at or after every notification's effective time, the
    corrected ones included (then the state as of that day is the current state)."""
    # per party, the last of its (party, effective_time) index: a max over the whole table
    # would read all of that index
    per_party = (
        select(func.max(NotificationRow.effective_time))
        .where(NotificationRow.party == PartyRow.party)
        .scalar_subquery()
    )
    with engine.connect() as conn:
        latest = conn.execute(select(func.max(per_party)).select_from(PartyRow)).scalar_one()
    times = [] if latest is None else [_utc(latest)]
    for correction in records_of_kinds(engine, {"correction"}):
        times.append(parse_time(correction["payload"]["effective_time"]))
    return all(t <= as_datetime(as_of) for t in times)


#: the most notifications one page of ``notification_page`` returns
MAX_PAGE = 200


@dataclass(frozen=True)
class NotificationQuery:
    """Which of a party's notifications to list: kinds (any if empty), effective dates from
    ``since`` to ``until`` inclusive (UTC days), only late ones."""

    party: str
    kinds: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    late_only: bool = False


def notification_page(
    engine: Engine, query: NotificationQuery, *, offset: int = 0, limit: int = 50
) -> tuple[int, list[StoredNotification]]:
    """(how many match, the page of them from ``offset``, newest sequence first); at most
    ``MAX_PAGE`` a page, whatever is asked."""
    limit = max(1, min(limit, MAX_PAGE))
    conditions = [NotificationRow.party == query.party]
    if query.kinds:
        conditions.append(NotificationRow.kind.in_(query.kinds))
    if query.since is not None:
        start = datetime.combine(query.since, datetime.min.time(), UTC)
        conditions.append(NotificationRow.effective_time >= start)
    if query.until is not None:
        end = datetime.combine(query.until + timedelta(days=1), datetime.min.time(), UTC)
        conditions.append(NotificationRow.effective_time < end)
    if query.late_only:
        conditions.append(NotificationRow.late.is_(True))
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).where(*conditions)).scalar_one()
        rows = conn.execute(
            select(NotificationRow)
            .where(*conditions)
            .order_by(NotificationRow.sequence.desc())
            .offset(max(0, offset))
            .limit(limit)
        ).all()
    return int(total), [_stored(row) for row in rows]


def stored_notification(engine: Engine, party: str, sequence: int) -> StoredNotification | None:
    """One stored notification by party and sequence."""
    with engine.connect() as conn:
        row = conn.execute(
            select(NotificationRow).where(
                NotificationRow.party == party, NotificationRow.sequence == sequence
            )
        ).first()
    return None if row is None else _stored(row)


def materialized_item(engine: Engine, party: str, uid: str) -> Item | None:
    """The current state of ``party``'s item ``uid`` from the materialized items table."""
    query = select(ItemRow.body).where(ItemRow.party == party, ItemRow.uid == uid)
    with engine.connect() as conn:
        body = conn.execute(query).scalar_one_or_none()
    return None if body is None else Item.model_validate_json(body)

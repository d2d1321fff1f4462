"""Durable submission of notifications: verify, validate, persist in one transaction, then ack.

``LedgerStore(engine, policy)`` loads the in-memory ``LedgerState`` by replaying every stored
notification (signatures were verified on acceptance, so replay trusts them). ``submit(batch)``
then, for each notification in order: parses it against the schema (dicts from hostile input),
verifies its signature against the party's registered keys, validates and applies it to the
state (``LedgerState.apply_record``: a rejected notification changes nothing). The accepted
ones of the batch are written in ONE transaction: the notification rows (canonical signed
bytes), the party's transparency-log leaves (``tlog_store.append_leaves``), the item ->
notification index and the materialized current items. Only after the commit does ``submit``
return the acks (accepted with leaf index, duplicate, or rejected with rule and reason; late
and violation flags). If the transaction fails, the in-memory state is rebuilt from the
database and the error propagates: nothing of the batch was acknowledged.

A rejected notification never takes the rest of its batch down; the notifications after it
are validated against the state without it (a sequence gap then rejects the later ones of
the same party, as it must). Re-submitting already accepted notifications is idempotent
(``duplicate``), which is how an interrupted import resumes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Insert, Table, insert, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from treatyledger.errors import TreatyLedgerError
from treatyledger.ledger.outcomes import NotificationRejected, Outcome, Rule
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.records import parse_time
from treatyledger.ledger.replay import replay, state_at
from treatyledger.ledger.signing import (
    canonical_bytes_of_leaf,
    leaf_bytes,
    public_key_from_base64,
)
from treatyledger.ledger.state import LedgerState
from treatyledger.model.catalog import Catalog
from treatyledger.model.items import Inventory, Item
from treatyledger.model.notifications import (
    Notification,
    NotificationSchemaError,
    parse_notification,
)
from treatyledger.store.ledger_tables import (
    ItemNotificationRow,
    ItemRow,
    NotificationRow,
    PartyKeyRow,
    PartyRow,
)
from treatyledger.store.policy import workspace_policy
from treatyledger.store.tlog_store import append_leaves
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.checkpoint import DEFAULT_NAMESPACE, origin_for_party
from treatyledger.tlog.entries import leaf_for_entry

#: Bound on one batch (hostile input; memory). The CLI submits files in batches of this or less.
MAX_BATCH = 10_000

AckStatus = Literal["accepted", "duplicate", "rejected"]


class StoreError(TreatyLedgerError):
    """The store could not persist a batch; nothing of it was acknowledged."""


@dataclass(frozen=True, slots=True)
class Ack:
    """The answer for one submitted notification, given only after its transaction committed.

    ``accepted``: stored now, with its log ``leaf_index``; ``duplicate``: the same content was
    already stored (idempotent re-submission); ``rejected``: changed nothing, ``rule``,
    ``item`` and ``reason`` say why. ``late`` and ``flags`` (e.g. ``transfer.third_state``)
    mark accepted notifications.
    """

    party: str
    sequence: int | None
    status: AckStatus
    leaf_index: int | None = None
    late: bool = False
    flags: tuple[str, ...] = ()
    rule: str | None = None
    item: str | None = None
    reason: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.party}#{self.sequence if self.sequence is not None else '?'}"

    def to_json_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"party": self.party, "sequence": self.sequence}
        data["status"] = self.status
        for name in ("leaf_index", "rule", "item", "reason"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.late:
            data["late"] = True
        if self.flags:
            data["flags"] = list(self.flags)
        return data


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


@dataclass(slots=True)
class _Pending:
    record: Mapping[str, Any]
    signed: bytes  # the canonical signed envelope: the stored bytes and the log leaf
    outcome: Outcome
    position: int  # in the batch
    touched: set[str]
    leaf_index: int | None = None


class LedgerStore:
    """The ledger of one database: in-memory state plus durable, acknowledged submission."""

    def __init__(
        self,
        engine: Engine,
        policy: LedgerPolicy,
        *,
        verify_signatures: bool = True,
        namespace: str = DEFAULT_NAMESPACE,
    ):
        self.engine = engine
        self.policy = policy
        #: False only for benchmarks and trusted bulk loads: signatures are not checked.
        self.verify_signatures = verify_signatures
        self.namespace = namespace
        self.state = LedgerState(policy)
        self._parties: set[str] = set()
        self._stale = False
        self.reload()

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Rebuild the in-memory state from the database (keys, then every notification)."""
        with self.engine.connect() as conn:
            keys: dict[str, list[Any]] = {}
            for party, key in conn.execute(select(PartyKeyRow.party, PartyKeyRow.public_key)):
                keys.setdefault(party, []).append(public_key_from_base64(key))
            parties = set(conn.execute(select(PartyRow.party)).scalars())
            state = LedgerState(self.policy, keys=keys)
            state.replay_records(_decoded(conn, None))
        self.state = state
        self._parties = parties

    def register_key(self, party: str, public_key: str) -> None:
        """Make a key registered in the database (e.g. by Workspace.register_party_key)
        usable for verification without reloading."""
        self.state.register_key(party, public_key_from_base64(public_key))
        self._parties.add(party)

    def next_sequence(self, party: str) -> int:
        return self.state.next_sequence(party)

    # ------------------------------------------------------------------ submission

    def submit(self, notifications: Iterable[Notification | Mapping[str, Any]]) -> list[Ack]:
        """Validate and durably store a batch; returns one Ack per notification, in order,
        after the commit. Raises StoreError (nothing acknowledged) if the write fails."""
        batch = list(notifications)
        if len(batch) > MAX_BATCH:
            raise StoreError(f"a batch holds at most {MAX_BATCH} notifications, got {len(batch)}")
        if self._stale:  # an earlier batch failed after touching the in-memory state
            self.reload()
        # From here the in-memory state may run ahead of the database until the commit.
        self._stale = True
        try:
            acks, pending, duplicates = self._validate(batch)
            if pending:
                self._persist(pending)
        except Exception as exc:
            failure = StoreError(
                f"could not store the batch ({type(exc).__name__}: {exc}); "
                "nothing of it was acknowledged"
            )
            with contextlib.suppress(Exception):  # unreachable: reload before the next batch
                self.reload()  # bring the state back to what the database holds
                self._stale = False
            raise failure from exc
        self._stale = False
        for p in pending:
            o = p.outcome
            acks[p.position] = Ack(
                o.party, o.sequence, "accepted", p.leaf_index, o.late, tuple(o.flags)
            )
        if duplicates:
            known = {(p.outcome.party, p.outcome.sequence): p.leaf_index for p in pending}
            missing = [
                (o.party, o.sequence) for _, o in duplicates if (o.party, o.sequence) not in known
            ]
            known.update(self._leaf_indices(missing))
            for position, o in duplicates:
                acks[position] = Ack(
                    o.party, o.sequence, "duplicate", known.get((o.party, o.sequence))
                )
        return [a for a in acks if a is not None]

    def _validate(
        self, batch: list[Notification | Mapping[str, Any]]
    ) -> tuple[list[Ack | None], list[_Pending], list[tuple[int, Outcome]]]:
        """Apply the batch to the in-memory state: the acks of rejected notifications, the
        accepted ones to persist, the duplicates."""
        acks: list[Ack | None] = [None] * len(batch)
        pending: list[_Pending] = []
        duplicates: list[tuple[int, Outcome]] = []
        state = self.state
        verify = self.verify_signatures
        for position, each in enumerate(batch):
            try:
                notification = each if isinstance(each, Notification) else parse_notification(each)
            except NotificationSchemaError as exc:
                party, sequence = _ref_of(each)
                acks[position] = Ack(
                    party, sequence, "rejected", rule=Rule.SCHEMA.value, reason=str(exc)
                )
                continue
            record = notification.to_json_dict()
            party = record["party"]
            if party not in self._parties:
                acks[position] = Ack(
                    party,
                    record["sequence"],
                    "rejected",
                    rule=Rule.UNKNOWN_SIGNER.value,
                    reason=f"party {party} is not registered in this ledger (register its key)",
                )
                continue
            signed: bytes | None = None
            message: bytes | None = None
            if verify:  # one canonicalization gives the log leaf and the signed message
                signed = leaf_bytes(record)
                message = canonical_bytes_of_leaf(record, signed)
            try:
                # no digest passed: the ledger hashes content only to tell a duplicate from a
                # replay, which is rare; hashing every notification for it is not
                outcome = state.apply_record(record, trusted=not verify, message=message)
            except NotificationRejected as exc:
                acks[position] = Ack(
                    exc.party,
                    exc.sequence,
                    "rejected",
                    rule=exc.rule.value,
                    item=exc.item,
                    reason=exc.reason,
                )
                continue
            if outcome.status == "duplicate":
                duplicates.append((position, outcome))
                continue
            if signed is None:
                signed = leaf_bytes(record)
            touched = _changed_items(state, record, outcome)
            pending.append(_Pending(record, signed, outcome, position, touched))
        return acks, pending, duplicates

    def _persist(self, pending: list[_Pending]) -> None:
        now = datetime.now(UTC)
        by_party: dict[str, list[_Pending]] = {}
        for p in pending:
            by_party.setdefault(p.outcome.party, []).append(p)
        with self.engine.begin() as conn:
            for party, group in by_party.items():
                origin = origin_for_party(party, self.namespace)
                first = append_leaves(conn, origin, [leaf_for_entry(p.signed) for p in group])
                for offset, p in enumerate(group):
                    p.leaf_index = first + offset
            sha256 = hashlib.sha256
            _insert_many(
                conn,
                _notifications_statement,
                [
                    (
                        p.outcome.party,
                        p.outcome.sequence,
                        p.record["kind"],
                        parse_time(p.record["effective_time"]),
                        parse_time(p.record["issued_time"]),
                        p.signed,
                        sha256(p.signed).hexdigest(),
                        p.outcome.late,
                        p.leaf_index,
                        now,
                    )
                    for p in pending
                ],
            )
            index_rows = [
                (p.outcome.party, uid, p.outcome.sequence) for p in pending for uid in p.touched
            ]
            if index_rows:
                _insert_many(conn, _item_notifications_statement, index_rows)
            latest: dict[tuple[str, str], int] = {}
            for p in pending:
                for uid in p.touched:
                    latest[(p.outcome.party, uid)] = p.outcome.sequence
            _upsert_items(conn, self.state, latest)

    def _leaf_indices(self, refs: Sequence[tuple[str, int]]) -> dict[tuple[str, int], int | None]:
        if not refs:
            return {}
        found: dict[tuple[str, int], int | None] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(refs), 500):
                chunk = refs[start : start + 500]
                rows = conn.execute(
                    select(
                        NotificationRow.party, NotificationRow.sequence, NotificationRow.leaf_index
                    ).where(tuple_(NotificationRow.party, NotificationRow.sequence).in_(chunk))
                )
                for party, sequence, leaf_index in rows:
                    found[(party, sequence)] = leaf_index
        return found

    # ------------------------------------------------------------------ reading

    def records(self, party: str | None = None) -> list[dict[str, Any]]:
        """Every stored notification (of ``party``) in JSON form, in sequence order per party:
        the input of ``treatyledger.ledger.replay``."""
        return load_records(self.engine, party)

    def history(self, uid: str, party: str | None = None) -> list[StoredNotification]:
        """Every notification that touched item ``uid``, in sequence order."""
        return notification_history(self.engine, uid, party)

    def items(self, party: str | None = None) -> dict[str, Item]:
        """The materialized current items (uid -> Item), read from the database."""
        with self.engine.connect() as conn:
            return materialized_items(conn, party)


# ---------------------------------------------------------------------- workspace glue


def open_ledger(
    workspace: Workspace, *, catalog: Catalog | None = None, verify_signatures: bool = True
) -> LedgerStore:
    """The LedgerStore of a workspace, state loaded."""
    policy = workspace_policy(workspace.engine, workspace.rules, catalog=catalog)
    return LedgerStore(workspace.engine, policy, verify_signatures=verify_signatures)


def load_records(engine: Engine, party: str | None = None) -> list[dict[str, Any]]:
    """Every stored notification (of ``party``) in JSON form, in sequence order per party."""
    with engine.connect() as conn:
        return list(_decoded(conn, party))


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


# ---------------------------------------------------------------------- helpers


def _ref_of(data: Any) -> tuple[str, int | None]:
    if isinstance(data, Mapping):
        party = data.get("party")
        sequence = data.get("sequence")
        return (
            str(party)[:128] if party is not None else "?",
            sequence if isinstance(sequence, int) and not isinstance(sequence, bool) else None,
        )
    return "?", None


def _decoded(conn: Connection, party: str | None) -> Iterator[dict[str, Any]]:
    query = select(NotificationRow.signed_bytes).order_by(
        NotificationRow.party, NotificationRow.sequence
    )
    if party is not None:
        query = query.where(NotificationRow.party == party)
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


def _changed_items(state: LedgerState, record: Mapping[str, Any], outcome: Outcome) -> set[str]:
    """The items whose state this accepted notification may have changed."""
    if record["kind"] == "correction":
        # a correction re-validates the whole log: any item of the party may have changed
        party = record["party"]
        return {uid for uid in state.uids() if _party_of(state, uid) == party}
    touched = set(outcome.touched)
    # loading a container moves what it contains to the container's facility
    stack = [c for uid in touched for c in state.contents(uid)]
    while stack:
        uid = stack.pop()
        if uid not in touched:
            touched.add(uid)
            stack.extend(state.contents(uid))
    return touched


def _party_of(state: LedgerState, uid: str) -> str | None:
    item = state.item(uid)
    return None if item is None else item.party


def item_body(item: Item) -> str:
    """The stored form of an item: its JSON with absent fields omitted, keys sorted."""
    return _body(item.model_dump(mode="json", exclude_none=True))


def _body(fields: Mapping[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True)


def _upsert_items(
    conn: Connection, state: LedgerState, latest: Mapping[tuple[str, str], int]
) -> None:
    rows = []
    for (party, uid), sequence in latest.items():
        # the state's JSON form of the item: building the Item only to dump it again would
        # cost more than the rest of the row
        fields = state.item_fields(uid)
        if fields is None:  # pragma: no cover - touched items exist
            continue
        rows.append((party, uid, fields["kind"], fields["status"], _body(fields), sequence))
    if rows:
        _insert_many(conn, _upsert_items_statement, rows)


# ---------------------------------------------------------------------- bulk writes


def _upsert_items_statement(dialect: str) -> Insert:
    upsert = (pg_insert if dialect == "postgresql" else sqlite_insert)(ItemRow)
    return upsert.on_conflict_do_update(
        index_elements=[ItemRow.party, ItemRow.uid],
        set_={
            "kind": upsert.excluded.kind,
            "status": upsert.excluded.status,
            "body": upsert.excluded.body,
            "last_sequence": upsert.excluded.last_sequence,
        },
    )


def _notifications_statement(_dialect: str) -> Insert:
    return insert(NotificationRow)


def _item_notifications_statement(_dialect: str) -> Insert:
    return insert(ItemNotificationRow)


@dataclass(frozen=True, slots=True)
class _DriverInsert:
    """An INSERT of every column of a table, ready for the DBAPI's executemany: the SQL that
    SQLAlchemy compiles for the dialect, whether it takes named parameters, and SQLAlchemy's
    own conversions of the columns that need one (e.g. datetimes to SQLite's text form)."""

    sql: str
    columns: tuple[str, ...]
    named: bool
    conversions: tuple[tuple[int, Callable[[Any], Any]], ...]


_DRIVER_INSERTS: dict[tuple[Callable[[str], Insert], str, str, str], _DriverInsert] = {}


def _driver_insert(conn: Connection, build: Callable[[str], Insert]) -> _DriverInsert:
    dialect = conn.dialect
    key = (build, dialect.name, dialect.driver, dialect.paramstyle)
    found = _DRIVER_INSERTS.get(key)
    if found is not None:
        return found
    statement = build(dialect.name)
    compiled = statement.compile(dialect=dialect)
    table = statement.table
    assert isinstance(table, Table)
    columns = tuple(table.c.keys())
    named = compiled.positiontup is None
    if (set(compiled.params) if named else tuple(compiled.positiontup or ())) != (
        set(columns) if named else columns
    ):  # pragma: no cover - the statements above insert every column
        raise StoreError(f"{table.name}: the insert does not take every column in order")
    conversions = []
    for position, name in enumerate(columns):
        convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            conversions.append((position, convert))
    found = _DriverInsert(str(compiled), columns, named, tuple(conversions))
    _DRIVER_INSERTS[key] = found
    return found


def _insert_many(
    conn: Connection, build: Callable[[str], Insert], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (tuples in the table's column order) in one DBAPI executemany, inside
    the caller's transaction. SQLAlchemy's Core executemany builds and converts a parameter
    dict per row, which cost more than SQLite's own insert; here each column that needs a
    conversion gets it in one pass, with SQLAlchemy's converter, once per distinct object (a
    batch shares one acceptance time; a datetime conversion costs about 1 us)."""
    if not rows:
        return
    insert_ = _driver_insert(conn, build)
    params: list[Any] = rows
    if insert_.conversions:
        columns: list[Iterable[Any]] = list(zip(*rows, strict=True))
        for position, convert in insert_.conversions:
            values = columns[position]
            # by identity, not equality: equal aware datetimes of other zones convert apart
            converted = {id(value): value for value in values}
            for key, value in converted.items():
                converted[key] = convert(value)
            columns[position] = map(converted.__getitem__, map(id, values))
        params = list(zip(*columns, strict=True))
    if insert_.named:
        params = [dict(zip(insert_.columns, row, strict=True)) for row in params]
    conn.exec_driver_sql(insert_.sql, params)


def materialized_items(conn: Connection, party: str | None = None) -> dict[str, Item]:
    query = select(ItemRow.uid, ItemRow.body)
    if party is not None:
        query = query.where(ItemRow.party == party)
    return {uid: Item.model_validate_json(body) for uid, body in conn.execute(query)}


def materialized_differences(engine: Engine, policy: LedgerPolicy) -> list[str]:
    """Where the materialized items table differs from a fresh replay of the stored
    notifications (empty when consistent). The crash-safety test relies on this."""
    with engine.connect() as conn:
        records = list(_decoded(conn, None))
        stored = {uid: item_body(item) for uid, item in materialized_items(conn).items()}
    state = replay(records, policy)
    replayed = {}
    for uid in state.uids():
        item = state.item(uid)
        assert item is not None
        replayed[uid] = item_body(item)
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
    inventory source of ``count --workspace``."""
    with Workspace.open(workspace) as ws:
        policy = workspace_policy(ws.engine, ws.rules, catalog=catalog)
        records = load_records(ws.engine)
    state = replay(records, policy) if as_of is None else state_at(records, policy, as_of)
    return state.inventory(party)

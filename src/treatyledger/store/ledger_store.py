"""Durable submission of notifications: verify, validate, persist in one transaction, then ack.

``LedgerStore(engine, policy)`` loads the in-memory ``LedgerState`` from the latest sound
snapshot plus the notifications after it, or by replaying every stored notification (trusting
their signatures: a node passes ``state=`` the state of its start-up check,
``store.ledger_startup``, or of the full audit, ``store.ledger_audit``, which checked them).
``submit(batch)`` then, for each notification in order: parses it against the schema (dicts
from hostile input), verifies its signature against the party's registered keys, validates and
applies it to the state (``LedgerState.apply_record``: a rejected notification changes
nothing). The accepted ones of the batch are written in ONE transaction: the notification rows
(canonical signed bytes), the party's transparency-log leaves (``tlog_store.append_leaves``),
the item -> notification index and the materialized current items. Only after the commit does
``submit`` return the acks (accepted with leaf index, duplicate, or rejected with rule and
reason; late and violation flags). If the transaction fails, the in-memory state is rebuilt
from the database and the error propagates: nothing of the batch was acknowledged.

A rejected notification never takes the rest of its batch down; the notifications after it
are validated against the state without it (a sequence gap then rejects the later ones of
the same party, as it must). An ``Unsigned`` notification (a party's own, without a sequence)
takes its sequence number when it is judged and is signed then, so a rejected one takes no
number and the ones after it are judged on their own. Re-submitting already accepted
notifications is idempotent (``duplicate``), which is how an interrupted import resumes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Insert, insert, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from treatyledger.ledger.errors import NotificationRejected
from treatyledger.ledger.outcomes import Outcome, Rule
from treatyledger.ledger.policy import DEFAULT_MAX_FUTURE, LedgerPolicy
from treatyledger.ledger.records import parse_time
from treatyledger.ledger.signing import (
    public_key_from_base64,
)
from treatyledger.ledger.state import LedgerState
from treatyledger.model.catalog import Catalog
from treatyledger.model.errors import NotificationSchemaError
from treatyledger.model.items import Item
from treatyledger.store.bulk import insert_many
from treatyledger.store.collector_pause import collector_paused
from treatyledger.store.errors import BatchTooLarge, StoreError
from treatyledger.store.item_index import changed_items
from treatyledger.store.ledger_reads import (
    StoredNotification,
    all_materialized_items,
    load_records,
    materialized_items,
    notification_history,
    stored_body,
)
from treatyledger.store.ledger_snapshot import (
    SNAPSHOT_EVERY,
    LoadedState,
    load_state,
    save_snapshot,
    snapshot_key,
)
from treatyledger.store.ledger_tables import (
    ItemNotificationRow,
    ItemRow,
    NotificationRow,
    PartyKeyRow,
    PartyRow,
)
from treatyledger.store.policy import workspace_policy
from treatyledger.store.signature_pool import POOL_MIN
from treatyledger.store.submission_prep import (
    Dispatched,
    PoolFeed,
    Prepared,
    Refused,
    Submitted,
    prepare,
    ref_of,
    start_workers,
)
from treatyledger.store.submission_prep import (
    Unsigned as Unsigned,  # re-exported: callers build them for submit
)
from treatyledger.store.tlog_store import append_leaves
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.checkpoint import DEFAULT_NAMESPACE, origin_for_party
from treatyledger.tlog.entries import leaf_for_entry

log = logging.getLogger(__name__)

#: Bound on one batch (hostile input; memory). The CLI submits files in batches of this or less.
MAX_BATCH = 10_000

AckStatus = Literal["accepted", "duplicate", "rejected"]


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
        home_party: str | None = None,
        snapshot_key: bytes | None = None,
        snapshot_every: int | None = SNAPSHOT_EVERY,
        state: LedgerState | None = None,
        unsnapshotted: int = 0,
        pool_min: int | None = None,
    ):
        """``pool_min``: once the workers started by ``start_workers`` are ready, batches
        of at least this many go to the verification pool (default: only batches of
        ``signature_pool.POOL_MIN``). A server passes 1: its writer's thread shares the GIL
        with every request, so parsing and verifying elsewhere is what frees it, even for a
        batch of one; before the workers are ready a small batch does not wait for them."""
        self.engine = engine
        self.pool_min = pool_min
        self._warming: list[Future[Any]] = []
        #: the workspace's own party: its declarations of a UID this ledger holds as another
        #: party's are refused (uid.other_party); the other parties' are mirrored as they are
        self.home_party = home_party
        self.policy = policy
        #: False only for benchmarks and trusted bulk loads: signatures are not checked.
        self.verify_signatures = verify_signatures
        self.namespace = namespace
        self.state = LedgerState(policy)
        self._parties: set[str] = set()
        #: the parties and keys the verification pool prepares against
        self._feed = PoolFeed()
        self._stale = False
        #: an error of ours interrupted a notification's validation: reload before the next batch
        self._reload_after = False
        #: how many times the state was rebuilt from the database (tests, the benchmark)
        self.reloads = 0
        #: the MAC key of the derived-state snapshots (``store.ledger_snapshot``)
        self.snapshot_key = snapshot_key
        #: write a snapshot once this many notifications were accepted since the last (None:
        #: never on its own; ``save_snapshot`` still does)
        self.snapshot_every = snapshot_every
        #: how the last reload built the state (snapshot or replay, and why not a snapshot)
        self.loaded: LoadedState | None = None
        self._since_snapshot = 0
        if state is None:
            self.reload()
        else:  # loaded and checked already (store.ledger_startup, store.ledger_audit)
            self.state = state
            self._since_snapshot = unsnapshotted
            with engine.connect() as conn:
                self._parties = set(conn.execute(select(PartyRow.party)).scalars())
            self._feed.update(self._parties, state.registered_keys())

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Rebuild the in-memory state from the database: keys, then the latest snapshot of
        the derived state that matches the log plus the notifications after it, or every
        notification (``store.ledger_snapshot.load_state``). The records stay in the
        database: the state reads them back when it needs them."""
        with self.engine.connect() as conn:
            keys: dict[str, list[Any]] = {}
            for party, key in conn.execute(select(PartyKeyRow.party, PartyKeyRow.public_key)):
                keys.setdefault(party, []).append(public_key_from_base64(key))
            parties = set(conn.execute(select(PartyRow.party)).scalars())
        loaded = load_state(self.engine, self.policy, keys, self.namespace, self.snapshot_key)
        self.state = loaded.state
        self.loaded = loaded
        self._since_snapshot = loaded.replayed
        self._parties = parties
        self._feed.update(parties, self.state.registered_keys())
        self.reloads += 1

    def start_workers(self) -> list[Future[Any]]:
        """Start the verification pool's workers ahead of the first large batch (a server
        does at start); the futures are done when they are ready."""
        self._warming = list(start_workers()) if self.verify_signatures else []
        return list(self._warming)

    def _pool_minimum(self) -> int:
        """The smallest batch sent to the pool now."""
        return self.pool_min if self.pool_min is not None and self._ready() else POOL_MIN

    def _ready(self) -> bool:
        """Whether the workers started by ``start_workers`` are ready."""
        return bool(self._warming) and all(f.done() for f in self._warming)

    def prepare_ahead(self, notifications: Sequence[Submitted]) -> list[Dispatched | None]:
        """Send notifications to be submitted later to the verification pool now, e.g. on
        the event loop while the batch before them commits; pass the answer to
        ``submit(ahead=)``. None for each when it does not go (no signatures checked, the
        workers not ready yet, a batch under ``pool_min``): they go with their batch."""
        if self.verify_signatures and self.pool_min is not None and self._ready():
            return self._feed.dispatch(notifications, self.pool_min)
        return [None] * len(notifications)

    @property
    def unsnapshotted(self) -> int:
        """How many notifications were accepted (or replayed) since the last snapshot."""
        return self._since_snapshot

    def save_snapshot(self) -> None:
        """Persist the derived state as the latest snapshot (between batches)."""
        save_snapshot(self.engine, self.state, self.namespace, self.snapshot_key)
        self._since_snapshot = 0

    def _after_commit(self, accepted: int) -> None:
        # the committed records are read back from the database when needed, not held
        self.state.forget_stored()
        self._since_snapshot += accepted
        every = self.snapshot_every
        if every is not None and self._since_snapshot >= every:
            try:
                self.save_snapshot()
            except Exception:  # the batch is committed; a later snapshot will do
                log.exception("could not write the ledger snapshot")

    def register_key(self, party: str, public_key: str) -> None:
        """Make a key registered in the database (e.g. by Workspace.register_party_key)
        usable for verification without reloading."""
        self.state.register_key(party, public_key_from_base64(public_key))
        self._parties.add(party)
        self._feed.update(self._parties, self.state.registered_keys())

    def next_sequence(self, party: str) -> int:
        return self.state.next_sequence(party)

    # ------------------------------------------------------------------ submission

    def submit(
        self,
        notifications: Iterable[Submitted],
        ahead: Sequence[Dispatched | None] | None = None,
    ) -> list[Ack]:
        """Validate and durably store a batch; returns one Ack per notification, in order,
        after the commit. Raises StoreError (nothing acknowledged) if the write fails.
        ``ahead``: what ``prepare_ahead`` sent of these notifications (one per notification);
        an answer the pool prepared against parties or keys changed since is sent again.

        A ``Received`` notification (bytes off the wire) must be the RFC 8785 canonical form
        of what it decodes to, and its signature is checked over those very bytes."""
        batch = list(notifications)
        if ahead is not None and len(ahead) != len(batch):
            raise ValueError("ahead must hold one entry per notification")
        if len(batch) > MAX_BATCH:
            raise BatchTooLarge(
                f"a batch holds at most {MAX_BATCH} notifications, got {len(batch)}"
            )
        if self._stale or self._reload_after:
            # an earlier batch failed after touching the in-memory state
            self.reload()
            self._reload_after = False
        # From here the in-memory state may run ahead of the database until the commit.
        self._stale = True
        try:
            with collector_paused():
                acks, pending, duplicates = self._validate(batch, ahead)
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
        self._after_commit(len(pending))
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
        self, batch: list[Submitted], ahead: Sequence[Dispatched | None] | None
    ) -> tuple[list[Ack | None], list[_Pending], list[tuple[int, Outcome]]]:
        """Apply the batch to the in-memory state: the acks of rejected notifications, the
        accepted ones to persist, the duplicates. Each notification is judged alone: one that
        fails in any way (schema, encoding, signature, a rule, or an error of ours) is rejected
        by itself and the rest of the batch goes on."""
        acks: list[Ack | None] = [None] * len(batch)
        pending: list[_Pending] = []
        duplicates: list[tuple[int, Outcome]] = []
        pooled: list[Dispatched | None] = [None] * len(batch)
        if self.verify_signatures:
            pooled = self._feed.answers(batch, ahead, self._pool_minimum())
        for position, each in enumerate(batch):
            try:
                handle = pooled[position]
                pre = handle.answer() if handle is not None else None
                result = self._validate_one(each, pre)
            except NotificationRejected as exc:
                result = Ack(
                    exc.party,
                    exc.sequence,
                    "rejected",
                    rule=exc.rule.value,
                    item=exc.item,
                    reason=exc.reason,
                )
            except MemoryError:  # the machine is in trouble, not this notification
                raise
            except Exception:  # a failure of ours must not take the batch down
                party, sequence = ref_of(each)
                incident = secrets.token_hex(8)  # as node.problems.new_incident
                log.exception("incident %s: validating %s#%s failed", incident, party, sequence)
                # the state may hold part of what failed: rebuild it before the next batch
                self._reload_after = True
                result = Ack(
                    party,
                    sequence,
                    "rejected",
                    rule=Rule.INTERNAL.value,
                    reason=f"the node could not validate this notification (incident {incident})",
                )
            if isinstance(result, Ack):
                if isinstance(each, Unsigned):  # it took no sequence number
                    result = dataclasses.replace(result, sequence=None)
                acks[position] = result
            elif isinstance(result, Outcome):
                duplicates.append((position, result))
            else:
                result.position = position
                pending.append(result)
        return acks, pending, duplicates

    def _validate_one(
        self, each: Submitted, pre: Prepared | Refused | None
    ) -> Ack | Outcome | _Pending:
        """One notification: a rejection, a duplicate's outcome, or what to persist. ``pre``:
        the notification prepared and verified already, or refused (in the pool)."""
        if isinstance(pre, Refused):
            r = pre
            return Ack(r.party, r.sequence, "rejected", rule=r.rule, reason=r.reason)
        if pre is None:
            if isinstance(each, Unsigned):
                party = str(each.draft.get("party"))
                try:
                    each = each.signed(self.state.next_sequence(party))
                except NotificationSchemaError as exc:
                    reason = str(exc)
                    return Ack(party[:128], None, "rejected", rule=Rule.SCHEMA.value, reason=reason)
            ready = prepare(each, self._parties, self.verify_signatures)
            if isinstance(ready, Refused):
                r = ready
                return Ack(r.party, r.sequence, "rejected", rule=r.rule, reason=r.reason)
            pre = ready
        record, signed, message = pre.record, pre.signed, pre.message
        party = record["party"]
        sequence = record["sequence"]
        # only the pool's True is trusted; otherwise the state checks and names the rule
        verify = message is not None and not pre.verified()
        if party == self.home_party and sequence == self.state.next_sequence(party):
            claimed = self.state.claimed_by_other_party(record)
            if claimed is not None:
                if verify:  # a forged notification hears why it is forged, not this
                    self.state.check_signature(record, message)
                return Ack(
                    party,
                    sequence,
                    "rejected",
                    rule=Rule.UID_OTHER_PARTY.value,
                    item=claimed[0],
                    reason=f"{claimed[0]} names an item of {claimed[1]} in this ledger; a party "
                    "declares UIDs of its own",
                )
        # no digest passed: the ledger hashes content only to tell a duplicate from a
        # replay, which is rare; hashing every notification for it is not
        outcome = self.state.apply_record(
            record, trusted=not verify, message=message, now=datetime.now(UTC)
        )
        if outcome.status == "duplicate":
            return outcome
        touched = changed_items(self.state, record, outcome)
        return _Pending(record, signed, outcome, -1, touched)

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
            insert_many(
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
                insert_many(conn, _item_notifications_statement, index_rows)
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
        """``party``'s materialized current items (uid -> Item; default: the home party's),
        read from the database."""
        party = party or self.home_party
        with self.engine.connect() as conn:
            if party is not None:
                return materialized_items(conn, party)
            found = all_materialized_items(conn)
        if len({uid for _, uid in found}) != len(found):
            raise ValueError("several parties have items with the same UID: name the party")
        return {uid: item for (_, uid), item in found.items()}


# ---------------------------------------------------------------------- workspace glue


def open_ledger(
    workspace: Workspace,
    *,
    catalog: Catalog | None = None,
    verify_signatures: bool = True,
    max_future: timedelta | None = DEFAULT_MAX_FUTURE,
) -> LedgerStore:
    """The LedgerStore of a workspace, state loaded."""
    policy = workspace_policy(
        workspace.engine, workspace.rules, catalog=catalog, max_future=max_future
    )
    return LedgerStore(
        workspace.engine,
        policy,
        verify_signatures=verify_signatures,
        home_party=workspace.party,
        snapshot_key=snapshot_key(workspace.signing_key),
    )


# ---------------------------------------------------------------------- helpers


def _upsert_items(
    conn: Connection, state: LedgerState, latest: Mapping[tuple[str, str], int]
) -> None:
    rows = []
    for (party, uid), sequence in latest.items():
        # the state's JSON form of the item: building the Item only to dump it again would
        # cost more than the rest of the row
        fields = state.item_fields(uid, party)
        if fields is None:  # pragma: no cover - touched items exist
            continue
        rows.append((party, uid, fields["kind"], fields["status"], stored_body(fields), sequence))
    if rows:
        insert_many(conn, _upsert_items_statement, rows)


# ---------------------------------------------------------------------- statements


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

"""The workspace audit: nothing read back from storage is trusted.

``audit_workspace`` re-derives everything the database holds from the one thing an attacker
with write access to it cannot forge, the parties' signatures:

1. every party's transparency log, from its stored leaves (``tlog_store.audit``: tiles, and
   each stored checkpoint's root and signature);
2. every stored notification, in sequence order per party: no sequence missing, its bytes
   the RFC 8785 form of a schema-valid notification, its columns and content hash those of
   its bytes, its log leaf (the next of its party's log) byte for byte the leaf of its bytes,
   its signature valid under the party's registered keys, and the whole replay valid under
   the ledger's rules (which also checks the signature: the replay is not ``trusted``);
3. the derived tables (materialized items, item -> notification index) equal to that replay;
4. each mirrored peer log's trusted checkpoint: signed by the peer, and the mirror's own tree
   has its root.

Each discrepancy is a ``Finding`` naming its rule and the first place it shows, in the order
found (parties in name order, notifications in sequence order), so the first finding is the
first bad entry. The audit's replay is the state a node would load, handed back so that the
node does not replay twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from treatyledger.ledger.errors import NotificationRejected
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.records import parse_time
from treatyledger.ledger.signing import canonical_bytes_of_leaf, leaf_bytes, public_key_from_base64
from treatyledger.ledger.state import LedgerState
from treatyledger.model.errors import NotificationSchemaError
from treatyledger.model.items import Item
from treatyledger.model.notifications import parse_notification
from treatyledger.store import tlog_store
from treatyledger.store.item_index import changed_items
from treatyledger.store.ledger_reads import item_body
from treatyledger.store.ledger_snapshot import record_source
from treatyledger.store.ledger_tables import (
    ItemNotificationRow,
    ItemRow,
    NotificationRow,
    PartyKeyRow,
    PartyRow,
)
from treatyledger.store.node_tables import PeerSyncState
from treatyledger.store.tlog_tables import TlogLeafRow, TlogLogRow
from treatyledger.tlog.checkpoint import DEFAULT_NAMESPACE, origin_for_party
from treatyledger.tlog.entries import leaf_for_entry
from treatyledger.tlog.errors import EntryError
from treatyledger.tlog.proofs import ProofError
from treatyledger.tlog.verifier import VerificationError, VerifierKey, verify_checkpoint

#: findings kept in full; beyond it only counted (a tampered table can fail every row)
MAX_FINDINGS = 200
_CHUNK = 2_000


@dataclass(frozen=True)
class Finding:
    """One discrepancy: the rule that caught it, where (``US#5``, a log origin, an item)."""

    rule: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.detail} [{self.rule}]"

    def to_json_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "where": self.where, "detail": self.detail}


@dataclass
class WorkspaceAudit:
    """What the audit checked and what it found (no finding: the store is sound)."""

    notifications_checked: int = 0
    items_checked: int = 0
    logs: list[tlog_store.AuditReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: findings beyond ``MAX_FINDINGS``, counted only
    more: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    def add(self, rule: str, where: str, detail: str) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(Finding(rule, where, detail))
        else:
            self.more += 1

    def summary(self) -> str:
        """One line for an operator: the first bad entry and how many more."""
        if self.ok:
            return "no discrepancy"
        rest = len(self.findings) - 1 + self.more
        return f"{self.first}" + (f" (and {rest} more)" if rest else "")

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "notifications_checked": self.notifications_checked,
            "items_checked": self.items_checked,
            "leaves_checked": sum(r.leaves_checked for r in self.logs),
            "tiles_checked": sum(r.tiles_checked for r in self.logs),
            "checkpoints_checked": sum(r.checkpoints_checked for r in self.logs),
            "findings": [f.to_json_dict() for f in self.findings],
            "more_findings": self.more,
        }


def audit_workspace(
    engine: Engine,
    policy: LedgerPolicy,
    *,
    log_vkey: Callable[[str, str], VerifierKey],
    namespace: str = DEFAULT_NAMESPACE,
) -> tuple[WorkspaceAudit, LedgerState]:
    """Audit everything stored in ``engine`` (see the module docstring). ``log_vkey(party,
    public key)``: the verifier key of a party's log checkpoints from a registered key.
    Returns the report and the replayed state (complete only when the report is ok)."""
    report = WorkspaceAudit()
    with engine.connect() as conn:
        keys: dict[str, list[Any]] = {}
        log_keys: dict[str, list[VerifierKey]] = {}
        for party, key in conn.execute(select(PartyKeyRow.party, PartyKeyRow.public_key)):
            keys.setdefault(party, []).append(public_key_from_base64(key))
            log_keys.setdefault(origin_for_party(party, namespace), []).append(log_vkey(party, key))
        state = LedgerState(policy, keys=keys)
        state.attach_source(record_source(engine))  # a party's records are not all held
        parties = sorted(
            set(conn.execute(select(PartyRow.party)).scalars())
            | set(conn.execute(select(NotificationRow.party).distinct()).scalars())
        )
        index: dict[tuple[str, str], set[int]] = {}
        for party in parties:
            origin = origin_for_party(party, namespace)
            # notifications first: a changed leaf is then named by its notification
            _audit_notifications(conn, report, state, party, origin, index)
            state.forget_stored()
            _audit_log(conn, report, origin, log_keys.get(origin, ()))
        _audit_items(conn, report, state)
        _audit_index(conn, report, index)
        _audit_mirrors(conn, report, log_keys)
    return report, state


# ---------------------------------------------------------------------- the logs


def _audit_log(
    conn: Connection, report: WorkspaceAudit, origin: str, keys: Sequence[VerifierKey]
) -> None:
    try:
        log = tlog_store.audit(conn, origin, keys[0] if keys else None)
    except tlog_store.LogNotFoundError:
        return  # a party without notifications; one with some is caught by its first leaf
    except (ValueError, TypeError) as exc:  # a leaf or tile stored with the wrong type
        report.add("log.unreadable", f"log {origin}", f"cannot be read back: {exc}")
        return
    report.logs.append(log)
    for problem in log.problems:
        report.add("log.tree", f"log {origin}", problem)


# ---------------------------------------------------------------------- the notifications


def _rows(conn: Connection, party: str) -> Iterator[Any]:
    after = 0
    while True:
        rows = conn.execute(
            select(NotificationRow)
            .where(NotificationRow.party == party, NotificationRow.sequence > after)
            .order_by(NotificationRow.sequence)
            .limit(_CHUNK)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].sequence


def _leaves(conn: Connection, origin: str, start: int, count: int) -> dict[int, bytes]:
    log_pk = conn.execute(select(TlogLogRow.id).where(TlogLogRow.origin == origin)).scalar()
    if log_pk is None:
        return {}
    rows = conn.execute(
        select(TlogLeafRow.idx, TlogLeafRow.leaf).where(
            TlogLeafRow.log == log_pk,
            TlogLeafRow.idx >= start,
            TlogLeafRow.idx < start + count,
        )
    )
    return {int(i): blob for i, leaf in rows if (blob := _blob(leaf)) is not None}


def _audit_notifications(
    conn: Connection,
    report: WorkspaceAudit,
    state: LedgerState,
    party: str,
    origin: str,
    index: dict[tuple[str, str], set[int]],
) -> None:
    expected = 1
    leaves: dict[int, bytes] = {}
    for row in _rows(conn, party):
        where = f"{party}#{row.sequence}"
        if row.sequence != expected:
            report.add(
                "notification.missing",
                f"{party}#{expected}",
                f"not stored (the next stored is #{row.sequence}): a row was deleted",
            )
        leaf_index = row.sequence - 1  # a party's log holds its notifications in order
        expected = row.sequence + 1
        report.notifications_checked += 1
        if leaf_index not in leaves:
            leaves = _leaves(conn, origin, leaf_index, _CHUNK)
        record = _check_row(report, where, row, leaf_index, leaves.get(leaf_index))
        if record is not None:
            _replay_one(report, state, where, record, bytes(row.signed_bytes), index)
    log_size = _stored_log_size(conn, origin)
    if log_size is not None and log_size > expected - 1:
        report.add(
            "log.extra_leaves",
            f"log {origin}",
            f"{log_size} leaves for {expected - 1} notifications of {party}",
        )


def _stored_log_size(conn: Connection, origin: str) -> int | None:
    size = conn.execute(select(TlogLogRow.size).where(TlogLogRow.origin == origin)).scalar()
    return None if size is None else int(size)


def _check_row(
    report: WorkspaceAudit, where: str, row: Any, leaf_index: int, leaf: bytes | None
) -> dict[str, Any] | None:
    """The record of a stored row whose bytes, columns and leaf agree; None (with a finding)
    when its bytes cannot be a notification at all."""
    signed = _blob(row.signed_bytes)
    if signed is None:
        report.add("notification.encoding", where, "signed_bytes is stored as text, not bytes")
        return None
    try:
        record = parse_notification(json.loads(signed)).to_json_dict()
        canonical = leaf_bytes(record)
    except (ValueError, NotificationSchemaError) as exc:
        report.add("notification.encoding", where, f"stored bytes are not a notification: {exc}")
        return None
    if canonical != signed:
        report.add("notification.encoding", where, "stored bytes are not in canonical form")
    if hashlib.sha256(signed).hexdigest() != row.content_hash:
        report.add("notification.hash", where, "content_hash is not SHA-256 of the stored bytes")
    mismatched = _column_mismatches(row, record)
    if mismatched:
        report.add(
            "notification.columns",
            where,
            f"columns {', '.join(mismatched)} disagree with the signed bytes",
        )
    _check_leaf(report, where, row, leaf_index, leaf, signed)
    return record


def _column_mismatches(row: Any, record: Mapping[str, Any]) -> list[str]:
    found = []
    if (row.party, row.sequence) != (record["party"], record["sequence"]):
        found.append("party/sequence")
    if row.kind != record["kind"]:
        found.append("kind")
    for column in ("effective_time", "issued_time"):
        if _utc(getattr(row, column)) != parse_time(record[column]):
            found.append(column)
    return found


def _check_leaf(
    report: WorkspaceAudit, where: str, row: Any, leaf_index: int, leaf: bytes | None, signed: bytes
) -> None:
    if row.leaf_index != leaf_index:
        report.add(
            "notification.leaf_index",
            where,
            f"claims log leaf {row.leaf_index}, its place in the log is leaf {leaf_index}",
        )
    if leaf is None:
        report.add("notification.leaf", where, f"log leaf {leaf_index} is missing")
        return
    try:
        matches = leaf_for_entry(signed) == leaf
    except EntryError:
        matches = False
    if not matches:
        report.add(
            "notification.leaf",
            where,
            f"stored bytes differ from log leaf {leaf_index} (the notification or the leaf "
            "was changed)",
        )


def _replay_one(
    report: WorkspaceAudit,
    state: LedgerState,
    where: str,
    record: dict[str, Any],
    signed: bytes,
    index: dict[tuple[str, str], set[int]],
) -> None:
    message = canonical_bytes_of_leaf(record, signed)
    try:
        outcome = state.apply_record(record, message=message)
    except NotificationRejected as exc:
        rule = exc.rule.value
        kind = "notification.signature" if rule.startswith("signature.") else "notification.replay"
        report.add(kind, where, f"does not replay: {rule}: {exc.reason}")
        return
    if outcome.status != "accepted":
        report.add("notification.replay", where, f"replays as {outcome.status}")
        return
    party = record["party"]
    for uid in changed_items(state, record, outcome):
        index.setdefault((party, uid), set()).add(record["sequence"])


# ---------------------------------------------------------------------- derived tables


def _audit_items(conn: Connection, report: WorkspaceAudit, state: LedgerState) -> None:
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


def _audit_index(
    conn: Connection, report: WorkspaceAudit, expected: Mapping[tuple[str, str], set[int]]
) -> None:
    """The item -> notification index (``history --uid``) against the replay."""
    stored: dict[tuple[str, str], set[int]] = {}
    query = select(ItemNotificationRow.party, ItemNotificationRow.uid, ItemNotificationRow.sequence)
    for party, uid, sequence in conn.execution_options(yield_per=10_000).execute(query):
        stored.setdefault((party, uid), set()).add(int(sequence))
    for party, uid in sorted(expected.keys() | stored.keys()):
        found, wanted = stored.get((party, uid), set()), expected.get((party, uid), set())
        if found != wanted:
            extra, missing = sorted(found - wanted), sorted(wanted - found)
            report.add(
                "derived.index",
                f"item {party}/{uid}",
                f"history index lists {extra or 'nothing'} extra, {missing or 'nothing'} missing",
            )


# ---------------------------------------------------------------------- mirrors


def _audit_mirrors(
    conn: Connection, report: WorkspaceAudit, log_keys: Mapping[str, Sequence[VerifierKey]]
) -> None:
    """Each peer log's trusted checkpoint is the peer's, and the mirror's tree has its root."""
    for origin, size, root, note in conn.execute(
        select(
            PeerSyncState.origin,
            PeerSyncState.size,
            PeerSyncState.root_hash,
            PeerSyncState.checkpoint,
        ).order_by(PeerSyncState.origin)
    ):
        if not note or not size:
            continue
        where = f"mirror {origin}"
        checkpoint = _verified(note, log_keys.get(origin, ()))
        if checkpoint is None:
            report.add("mirror.checkpoint", where, "trusted checkpoint is not signed by the peer")
            continue
        if checkpoint.size != size or checkpoint.root != (None if root is None else bytes(root)):
            report.add(
                "mirror.checkpoint", where, "sync state disagrees with its signed checkpoint"
            )
        try:
            mirrored = tlog_store.TlogReader(conn, origin).root(checkpoint.size)
        except (tlog_store.TlogStoreError, ProofError, ValueError) as exc:
            report.add("mirror.root", where, f"mirror cannot give the root at {size}: {exc}")
            continue
        if mirrored != checkpoint.root:
            report.add(
                "mirror.root",
                where,
                f"mirrored tree at size {checkpoint.size} does not have the peer's signed root",
            )


def _verified(note: str, keys: Sequence[VerifierKey]) -> Any:
    for key in keys:
        try:
            return verify_checkpoint(note, key).checkpoint
        except VerificationError:
            continue
    return None


def _blob(value: object) -> bytes | None:
    """A stored binary value as bytes; None for a value stored with another type."""
    return bytes(value) if isinstance(value, bytes | bytearray | memoryview) else None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


__all__ = ["MAX_FINDINGS", "Finding", "WorkspaceAudit", "audit_workspace"]

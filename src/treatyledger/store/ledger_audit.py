"""The workspace audit: nothing read back from storage is trusted.

``audit_workspace`` re-derives everything the database holds from the one thing an attacker
with write access to it cannot forge, the parties' signatures:

1. every party's transparency log, from its stored leaves (``tlog_audit.audit``: tiles, and
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

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Engine, String, select, type_coerce

from treatyledger.ledger.errors import NotificationRejected
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.records import parse_time
from treatyledger.ledger.signing import canonical_bytes_of_leaf, leaf_bytes, public_key_from_base64
from treatyledger.ledger.state import LedgerState
from treatyledger.model.errors import NotificationSchemaError
from treatyledger.model.notifications import parse_notification
from treatyledger.store import signature_pool, tlog_audit
from treatyledger.store.derived_audit import audit_index, audit_items, compare_index
from treatyledger.store.item_index import changed_items
from treatyledger.store.ledger_snapshot import record_source
from treatyledger.store.ledger_tables import (
    NotificationRow,
    PartyKeyRow,
    PartyRow,
)
from treatyledger.store.log_audit import audit_log
from treatyledger.store.mirror_audit import audit_mirrors
from treatyledger.store.tlog_tables import TlogLeafRow, TlogLogRow
from treatyledger.tlog.checkpoint import DEFAULT_NAMESPACE, origin_for_party
from treatyledger.tlog.entries import leaf_for_entry
from treatyledger.tlog.errors import EntryError
from treatyledger.tlog.verifier import VerifierKey

#: findings kept in full; beyond it only counted (a tampered table can fail every row)
MAX_FINDINGS = 200
_CHUNK = 2_000
_LEAF_CHUNK = 10_000
_decode_json = json.JSONDecoder().decode


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
    logs: list[tlog_audit.AuditReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: findings beyond ``MAX_FINDINGS``, counted only
    more: int = 0
    #: the start-up check (``store.ledger_startup``): per party, the sequence up to which the
    #: state came from the sound snapshot (those rows were matched to their leaves, not
    #: replayed); empty for the full audit, which replays every row
    snapshot_through: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def replayed(self) -> int:
        """How many rows were replayed (not taken from the snapshot)."""
        return self.notifications_checked - sum(self.snapshot_through.values())

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
            "from_snapshot": dict(self.snapshot_through),
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
        keys, log_keys = party_keys(conn, namespace, log_vkey)
        state = LedgerState(policy, keys=keys)
        state.attach_source(record_source(engine))  # a party's records are not all held
        index: dict[tuple[str, str], set[int]] = {}
        for party in stored_parties(conn):
            origin = origin_for_party(party, namespace)
            # notifications first: a changed leaf is then named by its notification
            audit_notifications(conn, report, state, party, origin, index)
            state.forget_stored()
            audit_log(conn, report, origin, log_keys.get(origin, ()))
        audit_items(conn, report, state)
        audit_index(conn, report, index)
        audit_mirrors(conn, report, log_keys)
    return report, state


def party_keys(
    conn: Connection, namespace: str, log_vkey: Callable[[str, str], VerifierKey]
) -> tuple[dict[str, list[Ed25519PublicKey]], dict[str, list[VerifierKey]]]:
    """The registered notification keys by party, and the log keys by log origin."""
    keys: dict[str, list[Ed25519PublicKey]] = {}
    log_keys: dict[str, list[VerifierKey]] = {}
    for party, key in conn.execute(select(PartyKeyRow.party, PartyKeyRow.public_key)):
        keys.setdefault(party, []).append(public_key_from_base64(key))
        log_keys.setdefault(origin_for_party(party, namespace), []).append(log_vkey(party, key))
    return keys, log_keys


def stored_parties(conn: Connection) -> list[str]:
    """Every party registered or with a stored notification, in name order."""
    return sorted(
        set(conn.execute(select(PartyRow.party)).scalars())
        | set(conn.execute(select(NotificationRow.party).distinct()).scalars())
    )


# ---------------------------------------------------------------------- the notifications


#: the columns the audit checks (not ``accepted_at``: a datetime to parse per row for nothing);
#: the times as the driver gives them (SQLite: SQLAlchemy's text form, parsed by the start-up
#: check's fast path with ``datetime.fromisoformat``, a third of its cost through SQLAlchemy's
#: own conversion; PostgreSQL: datetimes)
_CHECKED = (
    NotificationRow.party,
    NotificationRow.sequence,
    NotificationRow.kind,
    type_coerce(NotificationRow.effective_time, String).label("effective_time"),
    type_coerce(NotificationRow.issued_time, String).label("issued_time"),
    NotificationRow.signed_bytes,
    NotificationRow.content_hash,
    NotificationRow.leaf_index,
)


def _row_pages(
    conn: Connection, party: str, after: int = 0, *, through: int | None = None
) -> Iterator[Sequence[Any]]:
    bound = () if through is None else (NotificationRow.sequence <= through,)
    while True:
        rows = conn.execute(
            select(*_CHECKED)
            .where(NotificationRow.party == party, NotificationRow.sequence > after, *bound)
            .order_by(NotificationRow.sequence)
            .limit(_CHUNK)
        ).all()
        if not rows:
            return
        yield rows
        after = rows[-1].sequence


def _leaf_range(
    conn: Connection, log_pk: int | None, start: int, stop: int | None
) -> list[tuple[int, Any]]:
    """The stored leaves from ``start`` (to ``stop``), in index order, as stored (the log's
    audit names a leaf of the wrong type)."""
    if log_pk is None:
        return []
    query = select(TlogLeafRow.idx, TlogLeafRow.leaf).where(
        TlogLeafRow.log == log_pk, TlogLeafRow.idx >= start
    )
    query = query.limit(_LEAF_CHUNK) if stop is None else query.where(TlogLeafRow.idx < stop)
    rows = conn.execute(query.order_by(TlogLeafRow.idx)).all()
    return [(int(i), leaf if (blob := _blob(leaf)) is None else blob) for i, leaf in rows]


@dataclass(frozen=True, slots=True)
class _Checked:
    where: str
    record: dict[str, Any]
    signed: bytes


def audit_notifications(
    conn: Connection,
    report: WorkspaceAudit,
    state: LedgerState,
    party: str,
    origin: str,
    index: dict[tuple[str, str], set[int]],
    *,
    through: int = 0,
) -> None:
    """``party``'s stored rows in sequence order, as ``checked_leaf_pages`` checks them."""
    for _ in checked_leaf_pages(conn, report, state, party, origin, index, through=through):
        pass


def checked_leaf_pages(
    conn: Connection,
    report: WorkspaceAudit,
    state: LedgerState,
    party: str,
    origin: str,
    index: dict[tuple[str, str], set[int]],
    *,
    through: int = 0,
    after: int = 0,
) -> Iterator[list[tuple[int, Any]]]:
    """``party``'s stored rows in sequence order: each against its log leaf; those after
    ``through`` also parsed, canonical and replayed into ``state`` with their signatures
    checked (those up to it are in ``state`` already: a sound snapshot). Yields the log's
    leaves as it reads them, every one in index order (after the rows they are the leaves
    of), so that the log's audit hashes them in the same pass (``audit_log``). ``after``:
    the rows up to it and their leaves are checked already (``store.committed_rows``)."""
    log_pk = log_pk_of(conn, origin)
    expected, read = after + 1, after  # leaves [0, read) yielded
    for rows in _row_pages(conn, party, after):
        chunk = _leaf_range(conn, log_pk, read, max(read, rows[-1].sequence))
        read = max(read, rows[-1].sequence)
        leaves = {i: leaf for i, leaf in chunk if type(leaf) is bytes}
        replay: list[_Checked] = []
        for row in rows:
            if row.sequence != expected:
                report.add(
                    "notification.missing",
                    f"{party}#{expected}",
                    f"not stored (the next stored is #{row.sequence}): a row was deleted",
                )
            leaf_index = row.sequence - 1  # a party's log holds its notifications in order
            expected = row.sequence + 1
            report.notifications_checked += 1
            if row.sequence <= through:
                leaf = leaves.get(leaf_index)
                if not _committed_row_agrees(row, leaf_index, leaf):
                    _check_committed(report, f"{party}#{row.sequence}", row, leaf_index, leaf)
                continue
            where = f"{party}#{row.sequence}"
            record = _check_row(report, where, row, leaf_index, leaves.get(leaf_index))
            if record is not None:
                replay.append(_Checked(where, record, bytes(row.signed_bytes)))
        _replay_page(report, state, replay, index)
        yield chunk
    while chunk := _leaf_range(conn, log_pk, read, None):
        read = chunk[-1][0] + 1
        yield chunk
    log_size = _stored_log_size(conn, origin)
    if log_size is not None and log_size > expected - 1:
        report.add(
            "log.extra_leaves",
            f"log {origin}",
            f"{log_size} leaves for {expected - 1} notifications of {party}",
        )


def log_pk_of(conn: Connection, origin: str) -> int | None:
    """The row id of the log ``origin``; None if it has none."""
    log_pk = conn.execute(select(TlogLogRow.id).where(TlogLogRow.origin == origin)).scalar()
    return None if log_pk is None else int(log_pk)


def check_committed_rows(
    conn: Connection,
    report: WorkspaceAudit,
    party: str,
    log_pk: int,
    through: int,
    sequences: Sequence[int] | None,
) -> None:
    """``party``'s stored rows ``sequences`` (None: every one up to ``through``) checked as
    the row-by-row check checks a row before the snapshot, against its leaf, in order, their
    findings named (``store.committed_rows`` names the rows it could not vouch for)."""
    if sequences is None:
        pages: Iterator[Sequence[Any]] = _row_pages(conn, party, through=through)
    else:
        pages = (
            conn.execute(
                select(*_CHECKED)
                .where(NotificationRow.party == party, NotificationRow.sequence.in_(chunk))
                .order_by(NotificationRow.sequence)
            ).all()
            for chunk in (sequences[i : i + _CHUNK] for i in range(0, len(sequences), _CHUNK))
        )
    for rows in pages:
        indices = [row.sequence - 1 for row in rows]
        stored = conn.execute(
            select(TlogLeafRow.idx, TlogLeafRow.leaf).where(
                TlogLeafRow.log == log_pk, TlogLeafRow.idx.in_(indices)
            )
        ).all()
        leaves = {int(i): blob for i, leaf in stored if (blob := _blob(leaf)) is not None}
        for row, leaf_index in zip(rows, indices, strict=True):
            leaf = leaves.get(leaf_index)
            if not _committed_row_agrees(row, leaf_index, leaf):
                _check_committed(report, f"{party}#{row.sequence}", row, leaf_index, leaf)


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
    _check_hash_columns_leaf(report, where, row, record, leaf_index, leaf, signed)
    return record


def _committed_row_agrees(row: Any, leaf_index: int, leaf: bytes | None) -> bool:
    """The start-up check's fast path over a row: True when ``_check_committed`` would find
    nothing (anything else goes to it, which names what differs, in the audit's order)."""
    party, sequence, kind, effective, issued, signed, content_hash, stored_index = row
    if type(signed) is not bytes or leaf is None or stored_index != leaf_index:
        return False
    if leaf != signed and (not signed or signed[0] == 0 or leaf != leaf_for_entry(signed)):
        return False
    if hashlib.sha256(signed).hexdigest() != content_hash:
        return False
    try:
        # strict UTF-8 and the decoder itself: json.loads's encoding sniffing costs a sixth of
        # it, and bytes it would take otherwise go to the slow path, which uses json.loads
        record = _decode_json(signed.decode())
        return (
            record["party"] == party
            and record["sequence"] == sequence
            and record["kind"] == kind
            and _same_time(effective, record["effective_time"])
            and _same_time(issued, record["issued_time"])
        )
    except (ValueError, KeyError, TypeError):
        return False


def _check_committed(
    report: WorkspaceAudit, where: str, row: Any, leaf_index: int, leaf: bytes | None
) -> None:
    """A row the start-up check does not replay: its bytes are its leaf (which the log's
    signed root commits to), its hash and columns theirs. Plain ``json`` and ``hashlib``: no
    schema, no signature (docs/architecture.md, the start-up check)."""
    signed = _blob(row.signed_bytes)
    if signed is None:
        report.add("notification.encoding", where, "signed_bytes is stored as text, not bytes")
        return
    try:
        record = json.loads(signed)
        if not isinstance(record, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:
        report.add("notification.encoding", where, f"stored bytes are not a notification: {exc}")
        return
    _check_hash_columns_leaf(report, where, row, record, leaf_index, leaf, signed)


def _check_hash_columns_leaf(
    report: WorkspaceAudit,
    where: str,
    row: Any,
    record: Mapping[str, Any],
    leaf_index: int,
    leaf: bytes | None,
    signed: bytes,
) -> None:
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


def _column_mismatches(row: Any, record: Mapping[str, Any]) -> list[str]:
    found = []
    if (row.party, row.sequence) != (record.get("party"), record.get("sequence")):
        found.append("party/sequence")
    if row.kind != record.get("kind"):
        found.append("kind")
    for column in ("effective_time", "issued_time"):
        try:
            same = _utc(getattr(row, column)) == parse_time(record[column])
        except (KeyError, TypeError, ValueError):  # bytes no leaf vouches for: any shape
            same = False
        if not same:
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


def _replay_page(
    report: WorkspaceAudit,
    state: LedgerState,
    page: Sequence[_Checked],
    index: dict[tuple[str, str], set[int]],
) -> None:
    """Replay checked rows in order, their signatures verified in the signature pool when
    the page is large enough (only a True answer is trusted: anything else is checked again
    by ``apply_record``, which names the rule it fails)."""
    messages = [canonical_bytes_of_leaf(c.record, c.signed) for c in page]
    checks = signature_pool.start_checks(len(page))
    answers: list[Callable[[], bool] | None] = [None] * len(page)
    if checks is not None:
        for i, (checked, message) in enumerate(zip(page, messages, strict=True)):
            keys = state.signing_keys(checked.record)
            answers[i] = checks.add(checked.record.get("signature"), message, keys)
        checks.flush()
    for checked, message, answer in zip(page, messages, answers, strict=True):
        verified = answer is not None and answer()
        _replay_one(report, state, checked, message, index, verified=verified)


def _replay_one(
    report: WorkspaceAudit,
    state: LedgerState,
    checked: _Checked,
    message: bytes,
    index: dict[tuple[str, str], set[int]],
    *,
    verified: bool,
) -> None:
    record, where = checked.record, checked.where
    try:
        outcome = state.apply_record(record, message=message, trusted=verified)
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


def _blob(value: object) -> bytes | None:
    """A stored binary value as bytes; None for a value stored with another type."""
    return bytes(value) if isinstance(value, bytes | bytearray | memoryview) else None


def _same_time(stored: object, text: str) -> bool:
    """A time column (text from SQLite, a datetime from PostgreSQL) against an RFC 3339 time:
    the same instant, the comparison ``_column_mismatches`` makes (parsing both is C; the
    text form of the signed time was five times as costly)."""
    if type(stored) is str:  # SQLAlchemy's SQLite form of a UTC datetime, with no offset
        # the same instant as _utc's (an offset already there fails to parse: slow path)
        return datetime.fromisoformat(stored + "+00:00") == datetime.fromisoformat(text)
    return isinstance(stored, datetime) and _utc(stored) == datetime.fromisoformat(text)


def _utc(value: datetime | str) -> datetime:
    if isinstance(value, str):  # SQLite's text form (see _CHECKED)
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


__all__ = [
    "MAX_FINDINGS",
    "Finding",
    "WorkspaceAudit",
    "audit_index",
    "audit_items",
    "audit_log",
    "audit_mirrors",
    "audit_notifications",
    "audit_workspace",
    "check_committed_rows",
    "checked_leaf_pages",
    "compare_index",
    "log_pk_of",
    "party_keys",
    "stored_parties",
]

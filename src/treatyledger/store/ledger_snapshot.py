"""Checkpointed snapshots of the ledger's derived state, so a node starts without a full replay.

A snapshot (``ledger_snapshots``) holds ``ledger.derived.export_derived`` of the state after
the first ``sequence`` notifications of each party, and per party the position in its
transparency log that state reflects: the log size, the root at that size and the hash of the
last leaf. A MAC (HMAC-SHA-256 under a key derived by HKDF from the party's signing key; plain
SHA-256 where no key is given, which detects corruption but not a deliberate edit) covers the
positions and the body.

On start (``load_state``) the latest snapshot is used only if ``check_snapshot`` finds it
sound: the MAC verifies, and for each party the stored notification at ``sequence`` is the
log's leaf ``size - 1`` (its leaf hash, recomputed from the stored bytes, is the log's) and the
log's root at ``size`` (from the tiles, O(log n) reads) is the snapshot's. Then only the
notifications after each party's ``sequence`` are replayed. A snapshot that fails any check
(stale after a restore, from another database, tampered, of another format) is ignored and
the state is rebuilt by a full replay, streamed (the records are not held: the state reads
them back from the database when it needs them). ``check_snapshot`` is the one place the
rule lives; an audit calls it too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, Engine, delete, insert, select

from treatyledger.ledger.derived import export_derived, restore_derived
from treatyledger.ledger.errors import DerivedFormatError
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.records import Record
from treatyledger.ledger.state import LedgerState, RecordSource
from treatyledger.store.errors import LogNotFoundError
from treatyledger.store.item_index import complete_blocks, index_digest
from treatyledger.store.ledger_tables import LedgerSnapshotRow, NotificationRow
from treatyledger.store.tlog_store import TlogReader
from treatyledger.tlog.checkpoint import origin_for_party
from treatyledger.tlog.entries import leaf_for_entry
from treatyledger.tlog.hashing import RFC6962
from treatyledger.tlog.proofs import ProofError

log = logging.getLogger(__name__)

#: a node writes a new snapshot once this many notifications were accepted since the last
SNAPSHOT_EVERY = 50_000
#: records read back per query while streaming a replay
PAGE = 2_000


@dataclass(frozen=True, slots=True)
class LoadedState:
    """What ``load_state`` built: the state, how (``snapshot`` or ``replay``), why a snapshot
    was not used (``None`` when it was, or when there was none), how many notifications were
    replayed."""

    state: LedgerState
    source: str
    rejected: str | None
    replayed: int


def snapshot_key(private_key: Ed25519PrivateKey) -> bytes:
    """The MAC key of a party's snapshots: HKDF-SHA-256 of its raw Ed25519 private key (never
    stored; whoever can edit the database without the key cannot forge a snapshot)."""
    raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"treatyledger ledger snapshot v1"
    )
    return hkdf.derive(raw)


def _digest(positions: str, body: bytes, key: bytes | None) -> str:
    message = positions.encode("utf-8") + b"\0" + body
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def record_source(engine: Engine) -> RecordSource:
    """Stored records of one party by sequence range, read in pages."""

    def read(party: str, first: int, last: int) -> Iterator[Record]:
        query = (
            select(NotificationRow.signed_bytes)
            .where(
                NotificationRow.party == party,
                NotificationRow.sequence >= first,
                NotificationRow.sequence <= last,
            )
            .order_by(NotificationRow.sequence)
        )
        with engine.connect() as conn:
            for (signed,) in conn.execution_options(yield_per=PAGE).execute(query):
                yield json.loads(bytes(signed))

    return read


def _tail(conn: Connection, after: Mapping[str, int]) -> Iterator[Record]:
    """Every stored record after each party's ``after`` sequence, party by party in sequence
    order (the order a full replay takes)."""
    parties = conn.execute(select(NotificationRow.party).distinct().order_by(NotificationRow.party))
    for party in list(parties.scalars()):
        query = (
            select(NotificationRow.signed_bytes)
            .where(NotificationRow.party == party, NotificationRow.sequence > after.get(party, 0))
            .order_by(NotificationRow.sequence)
        )
        for (signed,) in conn.execution_options(yield_per=PAGE).execute(query):
            yield json.loads(bytes(signed))


def _position(conn: Connection, party: str, sequence: int, namespace: str) -> dict[str, Any]:
    leaf_index = conn.execute(
        select(NotificationRow.leaf_index).where(
            NotificationRow.party == party, NotificationRow.sequence == sequence
        )
    ).scalar_one_or_none()
    if leaf_index is None:
        raise LookupError(f"{party}#{sequence} has no log leaf")
    reader = TlogReader(conn, origin_for_party(party, namespace))
    size = leaf_index + 1
    return {
        "sequence": sequence,
        "size": size,
        "root": reader.root(size).hex(),
        "leaf_hash": reader.leaf_hash(leaf_index).hex(),
        # the start-up check compares the history index with this (store.ledger_startup);
        # the blocks hashed before are not read again, so a snapshot costs the rows since
        "index_chain": index_digest(conn, party, sequence, complete_blocks(conn.engine, party)),
    }


def save_snapshot(
    engine: Engine, state: LedgerState, namespace: str, key: bytes | None
) -> dict[str, Any]:
    """Persist ``state`` (which must equal what the database holds: call between batches) as
    the latest snapshot, replacing older ones; returns its positions."""
    body = zlib.compress(json.dumps(export_derived(state), separators=(",", ":")).encode(), 6)
    with engine.begin() as conn:
        positions = {
            party: _position(conn, party, next_sequence - 1, namespace)
            for party, next_sequence in sorted(state._next.items())
            if next_sequence > 1
        }
        text = json.dumps(positions, sort_keys=True)
        conn.execute(delete(LedgerSnapshotRow))
        conn.execute(
            insert(LedgerSnapshotRow).values(
                created_at=datetime.now(UTC),
                positions=text,
                body=body,
                digest=_digest(text, body, key),
            )
        )
    return positions


def check_snapshot(
    conn: Connection, positions: str, body: bytes, digest: str, namespace: str, key: bytes | None
) -> str | None:
    """Why a stored snapshot does not match the log (``None``: it does). Reads O(log n) tiles
    and one notification per party."""
    if not hmac.compare_digest(_digest(positions, body, key), digest):
        return "its MAC does not verify (tampered, or written under another key)"
    try:
        claimed = json.loads(positions)
        for party, at in claimed.items():
            problem = _check_party(conn, party, at, namespace)
            if problem is not None:
                return problem
    except (ValueError, KeyError, TypeError, AttributeError, LookupError, ProofError) as exc:
        return f"its log positions do not read ({type(exc).__name__}: {exc})"
    return None


def _check_party(conn: Connection, party: str, at: Mapping[str, Any], namespace: str) -> str | None:
    sequence, size = int(at["sequence"]), int(at["size"])
    row = conn.execute(
        select(NotificationRow.leaf_index, NotificationRow.signed_bytes).where(
            NotificationRow.party == party, NotificationRow.sequence == sequence
        )
    ).first()
    if row is None or row[0] != size - 1:
        return f"{party}#{sequence} is not the log's leaf {size - 1} (stale or another database)"
    try:
        reader = TlogReader(conn, origin_for_party(party, namespace))
    except LogNotFoundError:
        return f"{party} has no log"
    if reader.size < size:
        return f"{party}'s log has {reader.size} leaves, the snapshot reflects {size}"
    stored = RFC6962.hash_leaf(leaf_for_entry(bytes(row[1])))
    if stored != reader.leaf_hash(size - 1) or stored.hex() != at["leaf_hash"]:
        return f"{party}#{sequence}: the stored notification is not the log's leaf {size - 1}"
    if reader.root(size).hex() != at["root"]:
        return f"{party}'s log root at size {size} is not the snapshot's"
    return None


def sound_snapshot(
    conn: Connection,
    policy: LedgerPolicy,
    keys: Mapping[str, Iterable[Ed25519PublicKey]],
    namespace: str,
    key: bytes | None,
    source: RecordSource,
) -> tuple[LedgerState | None, dict[str, Any], str | None]:
    """The state of the latest snapshot if ``check_snapshot`` finds it sound and it restores,
    its positions, and why it was not used (``None``: it was, or there was none)."""
    row = conn.execute(
        select(LedgerSnapshotRow.positions, LedgerSnapshotRow.body, LedgerSnapshotRow.digest)
        .order_by(LedgerSnapshotRow.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None, {}, None
    positions, body, digest = row[0], bytes(row[1]), row[2]
    rejected = check_snapshot(conn, positions, body, digest, namespace, key)
    if rejected is not None:
        return None, {}, rejected
    state, rejected = _restore(policy, positions, body, source, keys)
    return state, (json.loads(positions) if state is not None else {}), rejected


def load_state(
    engine: Engine,
    policy: LedgerPolicy,
    keys: Mapping[str, Iterable[Ed25519PublicKey]],
    namespace: str,
    key: bytes | None,
) -> LoadedState:
    """The ledger state from the latest sound snapshot plus the notifications after it, or,
    without one, from a streamed full replay (see the module doc)."""
    source = record_source(engine)
    with engine.connect() as conn:
        state, positions, rejected = sound_snapshot(conn, policy, keys, namespace, key, source)
        if state is not None:
            after = {party: int(at["sequence"]) for party, at in positions.items()}
            replayed = _replay(state, _tail(conn, after))
            return LoadedState(state, "snapshot", None, replayed)
        if rejected is not None:
            log.warning("ledger snapshot ignored, replaying the whole log: %s", rejected)
        state = LedgerState(policy, keys=keys)
        state.attach_source(source)
        replayed = _replay(state, _tail(conn, {}))
    return LoadedState(state, "replay", rejected, replayed)


def _sequences(positions: str) -> dict[str, int]:
    return {party: int(at["sequence"]) for party, at in json.loads(positions).items()}


def _restore(
    policy: LedgerPolicy,
    positions: str,
    body: bytes,
    source: RecordSource,
    keys: Mapping[str, Iterable[Ed25519PublicKey]],
) -> tuple[LedgerState | None, str | None]:
    try:
        data = json.loads(zlib.decompress(body))
        state = restore_derived(policy, data, source, keys)
    except (zlib.error, ValueError, DerivedFormatError) as exc:
        return None, f"its body does not restore ({exc})"
    expected = {party: sequence + 1 for party, sequence in _sequences(positions).items()}
    if {p: n for p, n in state._next.items() if n > 1} != expected:
        return None, "its sequences are not its log positions"
    return state, None


def _replay(state: LedgerState, records: Iterable[Record]) -> int:
    count = 0

    def counted() -> Iterator[Record]:
        nonlocal count
        for record in records:
            count += 1
            yield record

    state.replay_records(counted(), stored=True)
    return count

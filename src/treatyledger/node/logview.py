"""The node's reads and writes of its own transparency log, over treatyledger.store.tlog_store:
checkpoints (signed lazily, once per size, when someone asks), entries with inclusion proofs,
consistency proofs, and cosignatures from peers and witnesses."""

from __future__ import annotations

import base64
import threading

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from treatyledger.node.context import NodeContext
from treatyledger.node.keys import log_signer
from treatyledger.node.schemas import CheckpointResponse, CosignatureInfo, LogEntry
from treatyledger.store import tlog_store
from treatyledger.store.ledger_tables import NotificationRow
from treatyledger.store.tlog_tables import TlogCosignatureRow, TlogLeafRow, TlogLogRow
from treatyledger.tlog.checkpoint import origin_for_party
from treatyledger.tlog.entries import is_digest_leaf
from treatyledger.tlog.note import parse_note
from treatyledger.tlog.verifier import RFC6962, parse_checkpoint

_publish_lock = threading.Lock()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def origin_of(node: NodeContext) -> str:
    return origin_for_party(node.party)


def log_size(conn: Connection, origin: str) -> int:
    try:
        return tlog_store.log_size(conn, origin)
    except tlog_store.LogNotFoundError:
        return 0


def current_checkpoint_note(node: NodeContext) -> str:
    """The signed checkpoint of the log's current size, with its cosignatures; signed and
    stored now if this size has none yet."""
    origin = origin_of(node)
    signer = log_signer(node.party, node.signing_key)
    with _publish_lock:
        for _attempt in range(3):
            try:
                with node.engine.begin() as conn:
                    tlog_store.ensure_log(conn, origin)
                    tlog_store.publish_checkpoint(conn, origin, signer)
                break
            except IntegrityError:  # another process signed the same size first
                continue
    with node.engine.connect() as conn:
        note = tlog_store.latest_checkpoint(conn, origin)
    assert note is not None
    return note


def checkpoint_response(node: NodeContext, note: str) -> CheckpointResponse:
    checkpoint = parse_checkpoint(parse_note(note).text)
    with node.engine.connect() as conn:
        rows = conn.execute(
            select(
                TlogCosignatureRow.cosigner, TlogCosignatureRow.key_id, TlogCosignatureRow.timestamp
            )
            .join(TlogLogRow, TlogLogRow.id == TlogCosignatureRow.log)
            .where(
                TlogLogRow.origin == checkpoint.origin, TlogCosignatureRow.size == checkpoint.size
            )
            .order_by(TlogCosignatureRow.cosigner)
        ).all()
    cosignatures = [
        CosignatureInfo(name=name, key_id=f"{key_id:08x}", timestamp=timestamp)
        for name, key_id, timestamp in rows
    ]
    return CheckpointResponse(
        origin=checkpoint.origin,
        size=checkpoint.size,
        root=b64(checkpoint.root),
        note=note,
        cosignatures=cosignatures,
    )


def entries(node: NodeContext, start: int, end: int, proof_size: int | None) -> list[LogEntry]:
    origin = origin_of(node)
    with node.engine.connect() as conn:
        reader = tlog_store.TlogReader(conn, origin)
        rows = conn.execute(
            select(TlogLeafRow.idx, TlogLeafRow.leaf)
            .where(
                TlogLeafRow.log == reader.log_pk, TlogLeafRow.idx >= start, TlogLeafRow.idx < end
            )
            .order_by(TlogLeafRow.idx)
        ).all()
        out = []
        for index, raw in rows:
            leaf = bytes(raw)
            entry = None
            if is_digest_leaf(leaf):
                full = conn.execute(
                    select(NotificationRow.signed_bytes).where(
                        NotificationRow.party == node.party, NotificationRow.leaf_index == index
                    )
                ).scalar_one_or_none()
                entry = b64(bytes(full)) if full is not None else None
            proof = (
                [b64(h) for h in reader.inclusion_proof(index, proof_size)]
                if proof_size is not None
                else None
            )
            out.append(LogEntry(index=index, leaf=b64(leaf), entry=entry, proof=proof))
    return out


def inclusion(node: NodeContext, index: int, size: int) -> tuple[bytes, list[bytes]]:
    with node.engine.connect() as conn:
        reader = tlog_store.TlogReader(conn, origin_of(node))
        return reader.leaf_hash(index), reader.inclusion_proof(index, size)


def consistency(node: NodeContext, first: int, second: int) -> list[bytes]:
    with node.engine.connect() as conn:
        reader = tlog_store.TlogReader(conn, origin_of(node))
        return reader.consistency_proof(first, second)


def empty_root() -> bytes:
    return RFC6962.empty_root()

"""The signed checkpoints of a log this database holds, and their cosignatures: what a node
serves and accepts about its own log (over ``store.tlog_store``). A checkpoint is signed when
someone asks for the latest one, once per size (under ``serve`` at most once a second, see
``node.logview``)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from treatyledger.store import tlog_store
from treatyledger.store.errors import LogNotFoundError, UnknownCheckpoint
from treatyledger.store.tlog_tables import TlogCosignatureRow, TlogLogRow
from treatyledger.tlog.note import Signer
from treatyledger.tlog.verifier import VerifierKey

_publish_lock = threading.Lock()


@dataclass(frozen=True)
class CosignatureEntry:
    name: str
    key_id: int
    timestamp: int


def current_checkpoint(engine: Engine, origin: str, signer: Signer | Sequence[Signer]) -> str:
    """The signed checkpoint of the log's current size with its cosignatures; signed and
    stored now if this size has none yet (the log is created empty if it does not exist)."""
    with _publish_lock:
        for _attempt in range(3):
            try:
                with engine.begin() as conn:
                    tlog_store.ensure_log(conn, origin)
                    tlog_store.publish_checkpoint(conn, origin, signer)
                break
            except IntegrityError:  # another process signed the same size first
                continue
    with engine.connect() as conn:
        note = tlog_store.latest_checkpoint(conn, origin)
    assert note is not None
    return note


def latest_checkpoint(engine: Engine, origin: str) -> str | None:
    """The latest checkpoint signed and stored, with its cosignatures as stored now; signs
    nothing and writes nothing (None if the log has no checkpoint yet, or no log)."""
    with engine.connect() as conn:
        try:
            return tlog_store.latest_checkpoint(conn, origin)
        except LogNotFoundError:
            return None


def cosignatures_at(engine: Engine, origin: str, size: int) -> list[CosignatureEntry]:
    """The stored cosignatures of the checkpoint of ``size``, by cosigner name."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                TlogCosignatureRow.cosigner, TlogCosignatureRow.key_id, TlogCosignatureRow.timestamp
            )
            .join(TlogLogRow, TlogLogRow.id == TlogCosignatureRow.log)
            .where(TlogLogRow.origin == origin, TlogCosignatureRow.size == size)
            .order_by(TlogCosignatureRow.cosigner)
        ).all()
    return [CosignatureEntry(name, key_id, timestamp) for name, key_id, timestamp in rows]


@dataclass(frozen=True)
class CosignerStatus:
    """What one cosigner (witness or peer, one key) cosigned of a log: the largest size,
    when (its cosignature's timestamp, Unix seconds), and how many checkpoints."""

    name: str
    key_id: int
    latest_size: int
    latest_timestamp: int
    checkpoints: int


def cosigner_statuses(engine: Engine, origin: str) -> list[CosignerStatus]:
    """Per cosigner key of ``origin``'s stored checkpoints: the latest size it cosigned and
    when, and how many it cosigned; by name (one grouped query)."""
    row = TlogCosignatureRow
    with engine.connect() as conn:
        groups = conn.execute(
            select(row.cosigner, row.key_id, func.max(row.size), func.count())
            .join(TlogLogRow, TlogLogRow.id == row.log)
            .where(TlogLogRow.origin == origin)
            .group_by(row.cosigner, row.key_id)
            .order_by(row.cosigner, row.key_id)
        ).all()
        found = []
        for name, key_id, size, count in groups:
            timestamp = conn.execute(
                select(row.timestamp)
                .join(TlogLogRow, TlogLogRow.id == row.log)
                .where(
                    TlogLogRow.origin == origin,
                    row.cosigner == name,
                    row.key_id == key_id,
                    row.size == size,
                )
            ).scalar_one()
            found.append(CosignerStatus(name, int(key_id), int(size), int(timestamp), int(count)))
    return found


def add_checkpoint_cosignature(
    engine: Engine, origin: str, checkpoint_text: str, size: int, line: str, cosigner: VerifierKey
) -> str:
    """Store ``cosigner``'s cosignature ``line`` on the checkpoint of ``size`` whose text is
    ``checkpoint_text``, after it verifies; returns the note with every cosignature now.
    ``UnknownCheckpoint`` if the log signed no such checkpoint; ``TlogStoreError`` or
    ``VerificationError`` if the line does not verify."""
    with engine.begin() as conn:
        note = tlog_store.checkpoint_note(conn, origin, size, with_cosignatures=False)
        if note is None or not note.startswith(checkpoint_text):
            raise UnknownCheckpoint(f"this node signed no checkpoint with that text (size {size})")
        tlog_store.add_cosignature(conn, origin, size, line, cosigner)
    with engine.connect() as conn:
        return tlog_store.checkpoint_note(conn, origin, size) or ""

"""Reads of a party's transparency log for serving it: its size, entries (with the full
notification where the leaf is a digest) and inclusion proofs, consistency proofs, roots."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from treatyledger.store import tlog_store
from treatyledger.store.errors import LogNotFoundError
from treatyledger.store.ledger_tables import NotificationRow
from treatyledger.store.tlog_tables import TlogLeafRow
from treatyledger.tlog.entries import is_digest_leaf


@dataclass(frozen=True)
class StoredEntry:
    index: int
    leaf: bytes
    #: the logged notification's signed bytes when the leaf is its digest (else None: the
    #: leaf is the entry)
    entry: bytes | None
    #: the inclusion proof to the size asked for, if one was
    proof: list[bytes] | None


def log_size(engine: Engine, origin: str) -> int:
    """The log's size (0 for a log not created yet)."""
    with engine.connect() as conn:
        try:
            return tlog_store.log_size(conn, origin)
        except LogNotFoundError:
            return 0


def entries(
    engine: Engine, origin: str, party: str, start: int, end: int, proof_size: int | None
) -> list[StoredEntry]:
    """Entries ``[start, end)`` of the log of ``party`` (``origin``)."""
    with engine.connect() as conn:
        reader = tlog_store.TlogReader(conn, origin)
        rows = conn.execute(
            select(TlogLeafRow.idx, TlogLeafRow.leaf)
            .where(
                TlogLeafRow.log == reader.log_pk, TlogLeafRow.idx >= start, TlogLeafRow.idx < end
            )
            .order_by(TlogLeafRow.idx)
        ).all()
        found = []
        for index, raw in rows:
            leaf = bytes(raw)
            entry = None
            if is_digest_leaf(leaf):
                full = conn.execute(
                    select(NotificationRow.signed_bytes).where(
                        NotificationRow.party == party, NotificationRow.leaf_index == index
                    )
                ).scalar_one_or_none()
                entry = bytes(full) if full is not None else None
            proof = reader.inclusion_proof(index, proof_size) if proof_size is not None else None
            found.append(StoredEntry(index, leaf, entry, proof))
    return found


def held_copies(
    engine: Engine, origin: str, party: str, start: int, end: int
) -> dict[int, tuple[bytes | None, bytes | None]]:
    """Per index in ``[start, end)`` of ``party``'s log (``origin``), what this database
    holds of it: (the stored leaf, the stored notification's signed bytes), None where a row
    is missing (the peer's ``--recheck`` compares them with what the peer signed)."""
    found: dict[int, list[bytes | None]] = {i: [None, None] for i in range(start, end)}
    with engine.connect() as conn:
        log_pk: int | None
        try:
            log_pk = tlog_store.TlogReader(conn, origin).log_pk
        except LogNotFoundError:
            log_pk = None
        if log_pk is not None:
            for index, leaf in conn.execute(
                select(TlogLeafRow.idx, TlogLeafRow.leaf).where(
                    TlogLeafRow.log == log_pk, TlogLeafRow.idx >= start, TlogLeafRow.idx < end
                )
            ):
                found[int(index)][0] = _bytes(leaf)
        for at, signed in conn.execute(
            select(NotificationRow.leaf_index, NotificationRow.signed_bytes).where(
                NotificationRow.party == party,
                NotificationRow.leaf_index >= start,
                NotificationRow.leaf_index < end,
            )
        ):
            if at is not None and at in found:
                found[int(at)][1] = _bytes(signed)
    return {i: (leaf, signed) for i, (leaf, signed) in found.items()}


def _bytes(value: object) -> bytes | None:
    return bytes(value) if isinstance(value, bytes | bytearray | memoryview) else None


def inclusion(engine: Engine, origin: str, index: int, size: int) -> tuple[bytes, list[bytes]]:
    """(leaf hash, inclusion proof) of entry ``index`` in the tree of ``size``."""
    with engine.connect() as conn:
        return tlog_store.TlogReader(conn, origin).leaf_and_inclusion_proof(index, size)


def consistency(engine: Engine, origin: str, first: int, second: int) -> list[bytes]:
    with engine.connect() as conn:
        return tlog_store.TlogReader(conn, origin).consistency_proof(first, second)


def root(engine: Engine, origin: str, size: int) -> bytes | None:
    """The tree root at ``size`` (None if the log is missing or shorter)."""
    with engine.connect() as conn:
        try:
            reader = tlog_store.TlogReader(conn, origin)
        except LogNotFoundError:
            return None
        if reader.size < size:
            return None
        return reader.root(size)

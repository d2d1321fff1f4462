"""A stored log read as C2SP tlog-tiles: hash tiles cut from the stored tiles (one query
each, never a rehash), entry bundles from the stored leaves, and the full entry behind a
digest leaf. Also what ``log export-tiles`` writes, one tile at a time."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select

from treatyledger.store.errors import LogNotFoundError
from treatyledger.store.ledger_tables import NotificationRow
from treatyledger.store.tlog_store import TlogReader, _log_row, _read_tiles
from treatyledger.store.tlog_tables import TlogLeafRow
from treatyledger.tlog.c2sp_tiles import TilePath, encode_entry_bundle, hash_tile, tile_width
from treatyledger.tlog.compact import compact_nodes
from treatyledger.tlog.tiles import TILE_WIDTH

__all__ = [
    "border_hashes",
    "entry_bundle",
    "entry_leaves",
    "full_entry",
    "read_hash_tile",
    "served_blob",
    "served_entry_bundle",
    "served_hash_tile",
    "tile_exists",
]


def tile_exists(size: int, tile: TilePath) -> bool:
    """Whether a log of ``size`` leaves has reached ``tile`` (its width or more)."""
    return 0 < tile.width <= tile_width(size, tile.level, tile.index)


def read_hash_tile(conn: Connection, log_id: str, tile: TilePath) -> bytes | None:
    """The C2SP hash tile, or None when the log has not reached it."""
    log_pk, size = _log_row(conn, log_id)
    if tile.is_entries or not tile_exists(size, tile):
        return None
    stored = _read_tiles(conn, log_pk, [(tile.level, tile.index)]).get((tile.level, tile.index))
    if stored is None:
        return None
    return hash_tile(stored[0], stored[1], tile.width)


def entry_leaves(conn: Connection, log_id: str, tile: TilePath) -> list[bytes] | None:
    """The leaves of entry bundle ``tile``, or None when the log has not reached it."""
    log_pk, size = _log_row(conn, log_id)
    if not tile.is_entries or not tile_exists(size, tile):
        return None
    start = tile.index * TILE_WIDTH
    rows = conn.execute(
        select(TlogLeafRow.leaf)
        .where(
            TlogLeafRow.log == log_pk,
            TlogLeafRow.idx >= start,
            TlogLeafRow.idx < start + tile.width,
        )
        .order_by(TlogLeafRow.idx)
    ).scalars()
    leaves = [bytes(leaf) for leaf in rows]
    return leaves if len(leaves) == tile.width else None


def entry_bundle(conn: Connection, log_id: str, tile: TilePath) -> bytes | None:
    leaves = entry_leaves(conn, log_id, tile)
    return None if leaves is None else encode_entry_bundle(leaves)


def full_entry(conn: Connection, party: str, sha256_hex: str) -> bytes | None:
    """The signed notification of ``party`` whose SHA-256 is ``sha256_hex``: what a digest
    leaf (treatyledger.tlog.entries) stands for. The caller checks it against the leaf."""
    row = conn.execute(
        select(NotificationRow.signed_bytes).where(
            NotificationRow.party == party, NotificationRow.content_hash == sha256_hex
        )
    ).first()
    return None if row is None else bytes(row[0])


def served_hash_tile(engine: Engine, log_id: str, tile: TilePath) -> bytes | None:
    with engine.connect() as conn:
        try:
            return read_hash_tile(conn, log_id, tile)
        except LogNotFoundError:
            return None


def served_entry_bundle(engine: Engine, log_id: str, tile: TilePath) -> bytes | None:
    with engine.connect() as conn:
        try:
            return entry_bundle(conn, log_id, tile)
        except LogNotFoundError:
            return None


def served_blob(engine: Engine, party: str, sha256_hex: str) -> bytes | None:
    with engine.connect() as conn:
        return full_entry(conn, party, sha256_hex)


def border_hashes(engine: Engine, log_id: str, size: int) -> list[bytes] | None:
    """The compact range [0, size) of a stored log (one hash per set bit of ``size``), or
    None when the log is shorter: what a mirror extends with new entries to check a root."""
    with engine.connect() as conn:
        try:
            reader = TlogReader(conn, log_id)
        except LogNotFoundError:
            return None if size else []
        if reader.size < size:
            return None
        return reader.get_nodes(compact_nodes(size))

"""Durable transparency logs in SQL (SQLite or PostgreSQL).

Functions take a SQLAlchemy ``Connection`` so a caller appends leaves inside its own
transaction (a notification and its leaf commit together); the append is acknowledged only
once that transaction commits (``append_durably`` does both). Nodes live in hash tiles
(treatyledger.tlog.tiles): an append rewrites O(log n) tiles, a proof for any past size reads
O(log n) tiles in one query, and nothing holds more than a batch and O(log n) tiles in memory.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from itertools import repeat

from sqlalchemy import (
    BindParameter,
    Connection,
    Engine,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from treatyledger.store.errors import LogNotFoundError, TlogStoreError
from treatyledger.store.tlog_tables import (
    TlogCheckpointRow,
    TlogCosignatureRow,
    TlogLeafRow,
    TlogLogRow,
)
from treatyledger.store.tlog_tile_cache import (
    offer_tiles,
    preload_upper_tiles,
    shared_tile_cache,
)
from treatyledger.tlog.checkpoint import Checkpoint, parse_checkpoint, sign_checkpoint
from treatyledger.tlog.compact import NodeId
from treatyledger.tlog.entries import check_leaf
from treatyledger.tlog.hashing import RFC6962, Hasher
from treatyledger.tlog.note import Signer, add_signature_lines
from treatyledger.tlog.proofs import (
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_and_inclusion_proof,
    root_at,
)
from treatyledger.tlog.tiles import (
    TILE_WIDTH,
    TileId,
    build_rows,
    decode_rows,
    encode_rows,
    node_from_tile,
    partial_tiles,
    tile_of,
)
from treatyledger.tlog.verifier import (
    MAX_INLINE_ENTRY,
    SIG_TYPE_COSIGNATURE,
    SIG_TYPE_MLDSA44,
    VerificationError,
    VerifierKey,
    verify_note,
)

__all__ = [
    "TlogReader",
    "add_cosignature",
    "append_durably",
    "append_leaves",
    "checkpoint_note",
    "ensure_log",
    "latest_checkpoint",
    "log_size",
    "publish_checkpoint",
]

MAX_BATCH = 100_000


def _log_row(conn: Connection, log_id: str) -> tuple[int, int]:
    query = select(TlogLogRow.id, TlogLogRow.size).where(TlogLogRow.origin == log_id)
    row = conn.execute(query).first()
    if row is None:
        raise LogNotFoundError(log_id)
    return row[0], row[1]


def ensure_log(conn: Connection, log_id: str) -> int:
    """Create the log ``log_id`` (its origin line) if missing; returns its row id. Safe when
    two transactions create the same log at once (ON CONFLICT DO NOTHING)."""
    row = conn.execute(select(TlogLogRow.id).where(TlogLogRow.origin == log_id)).first()
    if row is not None:
        return int(row[0])
    parse_checkpoint(f"{log_id}\n0\n{'A' * 43}=\n")  # the origin must make a valid checkpoint
    dialect_insert = sqlite_insert if conn.dialect.name == "sqlite" else postgresql_insert
    conn.execute(
        dialect_insert(TlogLogRow)
        .values(origin=log_id, size=0)
        .on_conflict_do_nothing(index_elements=["origin"])
    )
    return int(conn.execute(select(TlogLogRow.id).where(TlogLogRow.origin == log_id)).scalar_one())


def log_size(conn: Connection, log_id: str) -> int:
    return _log_row(conn, log_id)[1]


def _placeholder(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


#: Tiles read by one statement at most (SQLite allows 500 terms of a compound SELECT); a
#: proof reads about 5, an append one per tile level.
TILES_PER_QUERY = 256


@lru_cache(maxsize=512)
def _tiles_sql(mark: str, count: int) -> str:
    key = f"log = {mark} AND level = {mark} AND idx = {mark}"
    one = f"SELECT level, idx, width, hashes FROM tlog_tiles WHERE {key}"
    return " UNION ALL ".join([one] * count)


def tiles_query(conn: Connection, count: int) -> str:
    """The SQL reading ``count`` tiles of one log, parameters (log, level, idx) per tile.

    One SELECT by the whole primary key per tile, joined by UNION ALL: SQLite and PostgreSQL
    plan each as one point lookup at any log size (tests/store check both plans). The OR of
    fully keyed terms is also planned as point lookups (SQLite's MULTI-INDEX OR, which
    gathers the rowids into a set first) and costs about the same (docs/performance.md,
    2026-12-02); a UNION ALL keeps each term a plain key lookup whatever the planner does
    with ORs. Factoring ``log = ?`` out of an OR, or a row value ``(log, level, idx) IN
    (VALUES ...)``, makes SQLite scan the log's tiles instead."""
    return _tiles_sql(_placeholder(conn), count)


# SQLite proof readers do not map the file (issue 19, 2026-12-01): on a large log each cold
# fault of a map reads the device's read-around (8 MiB on the bench machine) and SQLite maps
# at most 2 GiB; with a tile in one 32 KiB page (store.base.SQLITE_PAGE_SIZE) a cold tile is
# one read() of its page. docs/performance.md has the figures.


def _read_tiles(
    conn: Connection, log_pk: int, ids: Sequence[TileId]
) -> dict[TileId, tuple[int, bytes]]:
    """Tiles ``ids`` of one log in one statement (per TILES_PER_QUERY of them). Plain SQL:
    this is the hot path of every proof, and building a SQLAlchemy expression per proof
    would cost more than the read itself."""
    found: dict[TileId, tuple[int, bytes]] = {}
    for first in range(0, len(ids), TILES_PER_QUERY):
        chunk = ids[first : first + TILES_PER_QUERY]
        params: list[int] = []
        for level, index in chunk:
            params += (log_pk, level, index)
        # the driver's rows, not SQLAlchemy's (as store.tlog_audit): 5-7 % of a proof's CPU
        # at 100k and 10M (docs/performance.md, 2026-12-02)
        rows = conn.exec_driver_sql(tiles_query(conn, len(chunk)), tuple(params)).cursor
        found.update({(r[0], r[1]): (r[2], bytes(r[3])) for r in rows.fetchall()})
    return found


def append_leaves(
    conn: Connection, log_id: str, leaves: Sequence[bytes], hasher: Hasher = RFC6962
) -> int:
    """Append ``leaves`` to log ``log_id`` (created if missing) inside the caller's
    transaction; returns the index of the first. Not durable until the caller commits."""
    if not leaves:
        raise TlogStoreError("append_leaves: expected at least one leaf")
    if len(leaves) > MAX_BATCH:
        raise TlogStoreError(
            f"append_leaves: at most {MAX_BATCH} leaves per batch, found {len(leaves)}"
        )
    if max(map(len, leaves)) > MAX_INLINE_ENTRY:
        for leaf in leaves:
            check_leaf(leaf)  # raises, naming the size
    log_pk, size = _log_for_append(conn, log_id)

    new_nodes = list(map(hasher.hash_leaf, leaves))
    partial = dict(partial_tiles(size))
    stored = _read_tiles(conn, log_pk, list(partial))
    replaced: list[TileId] = []
    written: list[tuple[int, int, int, bytes]] = []
    count, level = size, 0
    while new_nodes:
        first_tile, width = divmod(count, TILE_WIDTH)
        existing: list[list[bytes]] = []
        if width:
            tile_width, data = stored[(level, first_tile)]
            if tile_width != width:
                raise TlogStoreError(
                    f"log {log_id}: tile ({level}, {first_tile}) has width {tile_width}, "
                    f"want {width}"
                )
            existing = decode_rows(width, data, hasher.size)
            replaced.append((level, first_tile))
        combined = (existing[0] if existing else []) + new_nodes
        promoted = []
        for start in range(0, len(combined), TILE_WIDTH):
            bottom = combined[start : start + TILE_WIDTH]
            rows = build_rows(hasher, bottom, existing if start == 0 else ())
            written.append(
                (level, first_tile + start // TILE_WIDTH, len(bottom), encode_rows(rows))
            )
            if len(bottom) == TILE_WIDTH:
                promoted.append(rows[-1][0])
        new_nodes = promoted
        count //= TILE_WIDTH
        level += 1

    _write_append(conn, log_pk, size, leaves, written, set(replaced))
    return size


def _log_for_append(conn: Connection, log_id: str) -> tuple[int, int]:
    """The log's row id and size, its row locked for the append (PostgreSQL: appenders
    serialise on it; SQLite has one writer), the log created first if missing."""
    sql = _append_sql(conn)["log"]
    row = conn.exec_driver_sql(sql, (log_id,)).first()
    if row is None:
        ensure_log(conn, log_id)
        row = conn.exec_driver_sql(sql, (log_id,)).one()
    return int(row[0]), int(row[1])


def _write_append(
    conn: Connection,
    log_pk: int,
    size: int,
    leaves: Sequence[bytes],
    written: Sequence[tuple[int, int, int, bytes]],
    replaced: set[TileId],
) -> None:
    """The leaves, the tiles (the partial ones that grew rewritten in place, the rest new)
    and the log's size, in plain SQL: this runs once a batch on the node's writer thread, and
    building SQLAlchemy expressions for it cost about as much as the SQL itself."""
    sql = _append_sql(conn)
    conn.exec_driver_sql(
        sql["leaves"], list(zip(repeat(log_pk), range(size, size + len(leaves)), leaves))
    )
    grown = [(w, h, log_pk, lv, ix) for lv, ix, w, h in written if (lv, ix) in replaced]
    fresh = [(log_pk, lv, ix, w, h) for lv, ix, w, h in written if (lv, ix) not in replaced]
    if grown:
        conn.exec_driver_sql(sql["grow"], grown)
    if fresh:
        conn.exec_driver_sql(sql["tiles"], fresh)
    conn.exec_driver_sql(sql["size"], (size + len(leaves), log_pk))


@lru_cache(maxsize=4)
def _append_statements(mark: str, lock: bool) -> dict[str, str]:
    m = mark
    return {
        # FOR UPDATE: PostgreSQL's appenders serialise on the log's row (SQLite has one writer)
        "log": f"SELECT id, size FROM tlog_logs WHERE origin = {m}"
        + (" FOR UPDATE" if lock else ""),
        "leaves": f"INSERT INTO tlog_leaves (log, idx, leaf) VALUES ({m}, {m}, {m})",
        "grow": f"UPDATE tlog_tiles SET width = {m}, hashes = {m} "
        f"WHERE log = {m} AND level = {m} AND idx = {m}",
        "tiles": f"INSERT INTO tlog_tiles (log, level, idx, width, hashes) "
        f"VALUES ({m}, {m}, {m}, {m}, {m})",
        "size": f"UPDATE tlog_logs SET size = {m} WHERE id = {m}",
    }


def _append_sql(conn: Connection) -> dict[str, str]:
    """The append's statements for ``conn``'s driver, built once."""
    return _append_statements(_placeholder(conn), conn.dialect.name == "postgresql")


def append_durably(engine: Engine, log_id: str, leaves: Sequence[bytes]) -> int:
    """Append and commit (SQLite: WAL, synchronous FULL): when this returns, the leaves are
    durable and may be acknowledged with their indices."""
    with engine.begin() as conn:
        return append_leaves(conn, log_id, leaves)


class TlogReader:
    """Reads one stored log: nodes, leaves, roots and proofs for any size up to the current
    one. Each proof or root is one query over O(log n) tiles."""

    def __init__(
        self,
        conn: Connection,
        log_id: str,
        hasher: Hasher = RFC6962,
        cached_tiles: int = 1024,
        *,
        shared_tiles: bool = True,
        preload: bool = False,
    ):
        self.conn = conn
        self.log_id = log_id
        self.hasher = hasher
        self.log_pk, self.size = _log_row(conn, log_id)
        # Stored nodes never change (the log is append-only), so tiles may be cached for as
        # long as the reader lives; a cached partial tile that lacks a node is read afresh.
        # 1024 tiles <= 16 MiB.
        self._cache: OrderedDict[TileId, tuple[int, bytes]] = OrderedDict()
        self._cache_size = cached_tiles
        # Full upper tiles outlive the reader, shared by the engine's readers
        # (store.tlog_tile_cache says when that is safe); ``preload`` fills it for this log.
        self._shared = shared_tile_cache(conn.engine) if shared_tiles else None
        if preload and self._shared is not None:
            preload_upper_tiles(conn, self.log_pk, self._shared)

    def _tiles(self, ids: Sequence[TileId], fresh: bool) -> dict[TileId, tuple[int, bytes]]:
        found, missing = {}, []
        shared = self._shared
        for tile in ids:
            full = None if shared is None or not tile[0] else shared.get(self.log_pk, tile)
            if full is not None:  # a full tile holds all its nodes: never stale
                found[tile] = (TILE_WIDTH, full)
                continue
            hit = None if fresh else self._cache.get(tile)
            if hit is None:
                missing.append(tile)
            else:
                self._cache.move_to_end(tile)
                found[tile] = hit
        read = _read_tiles(self.conn, self.log_pk, missing)
        if shared is not None:
            offer_tiles(self.conn, shared, self.log_pk, read)
        for tile, value in read.items():
            found[tile] = value
            if self._cache_size:
                self._cache[tile] = value
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return found

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        located = [tile_of(node) for node in ids]
        wanted = sorted({tile for tile, _, _ in located})
        tiles = self._tiles(wanted, fresh=False)
        out: list[bytes | None] = []
        for tile, row, position in located:
            found = tiles.get(tile)
            out.append(
                None
                if found is None
                else node_from_tile(found[0], found[1], row, position, self.hasher.size)
            )
        stale = sorted({located[i][0] for i, value in enumerate(out) if value is None})
        if stale:
            tiles.update(self._tiles(stale, fresh=True))
        result = []
        for node, value, (tile, row, position) in zip(ids, out, located, strict=True):
            if value is None:
                found = tiles.get(tile)
                value = (
                    None
                    if found is None
                    else node_from_tile(found[0], found[1], row, position, self.hasher.size)
                )
            if value is None:
                raise ProofError(f"log {self.log_id}: node {node} is not stored (size {self.size})")
            result.append(value)
        return result

    def _bounded(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise ProofError(f"log {self.log_id}: size {size} is beyond the log's size {self.size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        return root_at(self, self.hasher, self._bounded(size))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(self, self.hasher, index, self._bounded(size))

    def leaf_and_inclusion_proof(
        self, index: int, size: int | None = None
    ) -> tuple[bytes, list[bytes]]:
        """(leaf hash, inclusion proof) in one read of their tiles."""
        return leaf_and_inclusion_proof(self, self.hasher, index, self._bounded(size))

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        return consistency_proof(self, self.hasher, size1, self._bounded(size2))

    def leaf(self, index: int) -> bytes:
        row = self.conn.execute(
            select(TlogLeafRow.leaf).where(TlogLeafRow.log == self.log_pk, TlogLeafRow.idx == index)
        ).first()
        if row is None or index >= self.size:
            raise ProofError(f"log {self.log_id}: no leaf {index} (size {self.size})")
        return bytes(row[0])

    def leaf_hash(self, index: int) -> bytes:
        return self.get_nodes([(0, index)])[0]


# --------------------------------------------------------------------------- checkpoints


def publish_checkpoint(conn: Connection, log_id: str, signer: Signer | Sequence[Signer]) -> str:
    """Sign and store the checkpoint of the log's current size (idempotent per size);
    returns the signed note. The signer's key name must be the origin ``log_id``."""
    reader = TlogReader(conn, log_id)
    existing = checkpoint_note(conn, log_id, reader.size, with_cosignatures=False)
    if existing is not None:
        return existing
    checkpoint = Checkpoint(log_id, reader.size, reader.root())
    note = sign_checkpoint(checkpoint, signer)
    conn.execute(
        insert(TlogCheckpointRow).values(
            log=reader.log_pk, size=checkpoint.size, root=checkpoint.root, note=note
        )
    )
    return note


def checkpoint_note(
    conn: Connection, log_id: str, size: int, *, with_cosignatures: bool = True
) -> str | None:
    """The stored signed checkpoint of ``size`` (with its cosignature lines), or None."""
    log_pk, _ = _log_row(conn, log_id)
    row = conn.execute(
        select(TlogCheckpointRow.note).where(
            TlogCheckpointRow.log == log_pk, TlogCheckpointRow.size == size
        )
    ).first()
    if row is None:
        return None
    note: str = row[0]
    if with_cosignatures:
        lines = conn.execute(
            select(TlogCosignatureRow.line)
            .where(TlogCosignatureRow.log == log_pk, TlogCosignatureRow.size == size)
            .order_by(TlogCosignatureRow.cosigner, TlogCosignatureRow.key_id)
        ).scalars()
        note = add_signature_lines(note, list(lines))
    return note


def _latest_note_query() -> Select[str, str]:  # the line is None without cosignatures
    note, cosig, log = TlogCheckpointRow, TlogCosignatureRow, TlogLogRow
    origin: BindParameter[str] = bindparam("origin")
    latest = (
        select(func.max(note.size))
        .join(log, log.id == note.log)
        .where(log.origin == origin)
        .scalar_subquery()
    )
    return (
        select(note.note, cosig.line)
        .join(log, log.id == note.log)
        .outerjoin(cosig, and_(cosig.log == note.log, cosig.size == note.size))
        .where(log.origin == origin, note.size == latest)
        .order_by(cosig.cosigner, cosig.key_id)
    )


#: built once: a served node reads it for every request between two signings
_LATEST_NOTE = _latest_note_query()


def latest_checkpoint(
    conn: Connection, log_id: str, *, with_cosignatures: bool = True
) -> str | None:
    """The latest stored signed checkpoint of ``log_id`` (with its cosignature lines as
    stored now), in one statement; None when it has none yet (LogNotFoundError: no such log)."""
    rows = conn.execute(_LATEST_NOTE, {"origin": log_id}).all()
    if not rows:
        _log_row(conn, log_id)  # raises for a log that does not exist
        return None
    note = str(rows[0][0])
    if not with_cosignatures:
        return note
    return add_signature_lines(note, [str(row[1]) for row in rows if row[1] is not None])


def add_cosignature(
    conn: Connection, log_id: str, size: int, line: str, cosigner: VerifierKey
) -> None:
    """Verify ``line`` as ``cosigner``'s tlog-cosignature on the stored checkpoint of
    ``size`` and store it (replacing an older one by the same key)."""
    if cosigner.sig_type not in (SIG_TYPE_COSIGNATURE, SIG_TYPE_MLDSA44):
        raise TlogStoreError(
            f"cosigner key {cosigner.name} has type {cosigner.sig_type}, want 0x04 or 0x06"
        )
    note = checkpoint_note(conn, log_id, size, with_cosignatures=False)
    if note is None:
        raise TlogStoreError(f"log {log_id}: no checkpoint of size {size} to cosign")
    line = line if line.endswith("\n") else line + "\n"
    try:
        opened = verify_note(note + line, [cosigner])
    except VerificationError as exc:
        raise TlogStoreError(f"cosignature by {cosigner.name} on size {size}: {exc}") from exc
    if not opened.cosignatures:
        raise TlogStoreError(
            f"the line is not a cosignature by {cosigner.name}+{cosigner.key_id:08x}"
        )
    cosig = opened.cosignatures[0]
    log_pk, _ = _log_row(conn, log_id)
    key = (
        TlogCosignatureRow.log == log_pk,
        TlogCosignatureRow.size == size,
        TlogCosignatureRow.cosigner == cosig.name,
        TlogCosignatureRow.key_id == cosig.key_id,
    )
    conn.execute(delete(TlogCosignatureRow).where(*key))
    conn.execute(
        insert(TlogCosignatureRow).values(
            log=log_pk,
            size=size,
            cosigner=cosig.name,
            key_id=cosig.key_id,
            timestamp=cosig.timestamp,
            line=line.rstrip("\n"),
        )
    )

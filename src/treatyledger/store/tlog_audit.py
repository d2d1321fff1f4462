"""A stored transparency log recomputed from its leaves (``log audit``, the start-up check).

``audit`` hashes the leaves a tile at a time: the leaf hashes of a page in one comprehension,
each tile's rows above them pair by pair over the whole page (the tiles of a page are
aligned, so no pair crosses one), and the tiles above level 0 from the tile roots kept for
the whole log (one hash in 128 leaves: 8,000 at 1,000,000 leaves). A checkpoint's root is
folded from the complete subtrees of its size: those of 256 leaves and more from the kept
nodes, those below from the rows of the tile its last leaf is in. No compact range rehashes
the tree beside the tiles, so each node is hashed once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, func, select

from treatyledger.store.tlog_store import _log_row, _placeholder
from treatyledger.store.tlog_tables import TlogCheckpointRow, TlogTileRow
from treatyledger.tlog.checkpoint import parse_checkpoint
from treatyledger.tlog.hashing import RFC6962, Hasher, fold_right
from treatyledger.tlog.note import parse_note
from treatyledger.tlog.tiles import TILE_HEIGHT, TILE_WIDTH, TileId
from treatyledger.tlog.verifier import VerificationError, VerifierKey, verify_checkpoint


@dataclass
class AuditReport:
    """What ``audit`` checked and every discrepancy it found (empty: the log is sound)."""

    log_id: str
    size: int
    leaves_checked: int = 0
    tiles_checked: int = 0
    checkpoints_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def leaf_pages(
    conn: Connection, log_pk: int, chunk: int = 10_000, *, stop: int | None = None
) -> Iterator[list[tuple[int, Any]]]:
    """The stored leaves of log ``log_pk`` (those before ``stop``) as (index, leaf) in index
    order, ``chunk`` a page, through the driver's cursor (a SQLAlchemy row per leaf cost a
    third of the read); a leaf of another type than bytes as stored (the audit names it)."""
    mark = _placeholder(conn)
    bound = "" if stop is None else f" AND idx < {int(stop)}"
    sql = (
        f"SELECT idx, leaf FROM tlog_leaves WHERE log = {mark} AND idx >= {mark}{bound} "
        f"ORDER BY idx LIMIT {int(chunk)}"
    )
    start = 0
    while True:
        rows = list(conn.exec_driver_sql(sql, (log_pk, start)).cursor.fetchall())
        if not rows:
            return
        if type(rows[0][1]) is not bytes:  # psycopg's bytea is bytes; a memoryview elsewhere
            rows = [(i, bytes(v) if isinstance(v, memoryview) else v) for i, v in rows]
        yield rows
        start = rows[-1][0] + 1


class _Tree:
    """The tree built a page of leaf hashes at a time: finished tiles' bytes, the nodes at
    levels 8 and up (``upper[k]``: level ``8 + k``), and the bottom tile's leaf hashes."""

    def __init__(self, hasher: Hasher) -> None:
        self.hasher = hasher
        self.size = 0
        self.upper: list[list[bytes]] = [[]]
        self.pending: list[bytes] = []  # leaf hashes of the tile not yet full
        self.finished: dict[TileId, bytes] = {}

    def rows_of(self, bottom: Sequence[bytes]) -> list[list[bytes]]:
        """Rows 0..8 of ``bottom`` (any length; each row its complete nodes)."""
        hash_children = self.hasher.hash_children
        rows = [list(bottom)]
        for _ in range(TILE_HEIGHT):
            below = rows[-1]
            rows.append(list(map(hash_children, below[0::2], below[1::2])))
        return rows

    def add(self, leaf_hashes: list[bytes]) -> list[list[bytes]]:
        """Append leaf hashes; returns the rows of the full tiles this completed (the first
        starts at leaf ``(self.size before - len(pending before))``, tile-aligned)."""
        bottom = self.pending + leaf_hashes if self.pending else leaf_hashes
        full = len(bottom) - len(bottom) % TILE_WIDTH
        self.pending = bottom[full:]
        first_tile = self.size // TILE_WIDTH
        self.size += len(leaf_hashes)
        rows = self.rows_of(bottom[:full])
        for t in range(full // TILE_WIDTH):
            self.finished[(0, first_tile + t)] = b"".join(
                b"".join(rows[r][(t * TILE_WIDTH) >> r : ((t + 1) * TILE_WIDTH) >> r])
                for r in range(TILE_HEIGHT)
            )
        for root in rows[TILE_HEIGHT]:
            self._push_upper(root)
        return rows

    def _push_upper(self, node: bytes) -> None:
        """A node of level 8 (a level-0 tile's root), and the complete nodes above it; a tile
        above level 0 is finished when its bottom row is (its rows are kept nodes)."""
        upper, level = self.upper, 0
        upper[0].append(node)
        while len(upper[level]) % 2 == 0:
            if len(upper) == level + 1:
                upper.append([])
            upper[level + 1].append(self.hasher.hash_children(*upper[level][-2:]))
            level += 1
        for tile_level in range(1, len(upper) // TILE_HEIGHT + 1):
            bottom = upper[TILE_HEIGHT * (tile_level - 1)]
            if len(bottom) % TILE_WIDTH == 0 and level >= TILE_HEIGHT * (tile_level - 1):
                index = len(bottom) // TILE_WIDTH - 1
                self.finished[(tile_level, index)] = self._upper_tile(tile_level, index, TILE_WIDTH)

    def _upper_tile(self, tile_level: int, index: int, width: int) -> bytes:
        base = TILE_HEIGHT * (tile_level - 1)
        start = index * TILE_WIDTH
        parts = []
        for r in range(TILE_HEIGHT):
            nodes = self.upper[base + r] if base + r < len(self.upper) else []
            parts.append(b"".join(nodes[start >> r : (start + width) >> r]))
        return b"".join(parts)

    def partial_tiles(self) -> dict[TileId, bytes]:
        """The tiles not full at the end: the bottom one from its leaf hashes, those above
        from the kept nodes (as the store writes them: each row its complete nodes)."""
        tiles: dict[TileId, bytes] = {}
        if self.pending:
            rows = self.rows_of(self.pending)
            tiles[(0, self.size // TILE_WIDTH)] = b"".join(
                b"".join(row) for row in rows[:TILE_HEIGHT]
            )
        tile_level = 1
        while TILE_HEIGHT * (tile_level - 1) < len(self.upper):
            count = len(self.upper[TILE_HEIGHT * (tile_level - 1)])
            if count % TILE_WIDTH:
                index = count // TILE_WIDTH
                tiles[(tile_level, index)] = self._upper_tile(tile_level, index, count % TILE_WIDTH)
            tile_level += 1
        return tiles

    def root(self, size: int, low_rows: Sequence[Sequence[bytes]] | None) -> bytes:
        """The root at ``size`` (at most the leaves added): its complete subtrees of 256
        leaves and more from the kept nodes, those below from ``low_rows``, the rows of
        the tile its last leaf is in (aligned to that tile's start)."""
        if size == 0:
            return self.hasher.empty_root()
        nodes = []
        for level in range(size.bit_length() - 1, -1, -1):
            if not size >> level & 1:
                continue
            index = (size >> level) - 1
            if level >= TILE_HEIGHT:
                nodes.append(self.upper[level - TILE_HEIGHT][index])
            else:
                assert low_rows is not None
                tile_start = (size >> TILE_HEIGHT) << (TILE_HEIGHT - level)
                nodes.append(low_rows[level][index - tile_start])
        return fold_right(self.hasher, nodes)


def audit(
    conn: Connection,
    log_id: str,
    log_key: VerifierKey | None = None,
    hasher: Hasher = RFC6962,
    chunk: int = 10_000,
    *,
    leaves: Iterable[Sequence[tuple[int, Any]]] | None = None,
) -> AuditReport:
    """Recompute the log from its stored leaves: every tile and every stored checkpoint's
    root (and, given ``log_key``, its signature). Memory: one chunk of leaves plus one node
    in 128 leaves, so it runs on logs of any size. ``leaves``: the stored leaves in chunks,
    in index order, every one from 0 (a caller that reads them anyway; the start-up check);
    read here otherwise. A leaf of another type than bytes raises TypeError."""
    log_pk, size = _log_row(conn, log_id)
    report = AuditReport(log_id, size)
    checkpoints = list(
        conn.execute(
            select(TlogCheckpointRow.size, TlogCheckpointRow.root, TlogCheckpointRow.note)
            .where(TlogCheckpointRow.log == log_pk)
            .order_by(TlogCheckpointRow.size)
        ).all()
    )
    tree = _Tree(hasher)
    bulk = getattr(hasher, "hash_leaves", None)  # Sha256Hasher's, a fifth cheaper
    hash_leaves = bulk if bulk is not None else lambda leaves: list(map(hasher.hash_leaf, leaves))
    for rows in leaf_pages(conn, log_pk, chunk) if leaves is None else leaves:
        if not rows:
            continue
        gap = _first_gap(rows, tree.size)
        page = rows if gap is None else rows[:gap]
        tile_start = tree.size - len(tree.pending)
        full_rows = tree.add(hash_leaves(map(itemgetter(1), page)))
        report.leaves_checked += len(page)
        while checkpoints and checkpoints[0][0] <= tree.size:
            cp_size = checkpoints[0][0]
            in_full = cp_size - tile_start < len(full_rows[0])
            low = _shifted(full_rows, tile_start, cp_size) if in_full else None
            if low is None and cp_size % TILE_WIDTH:
                break  # its last leaf is in the tile not yet full: checked at the end
            _check_checkpoint(report, log_id, *checkpoints.pop(0), tree.root(cp_size, low), log_key)
        _flush_tiles(conn, report, log_pk, tree.finished)
        if gap is not None:
            report.problems.append(f"leaf {tree.size} is missing (next stored is {rows[gap][0]})")
            return report
    if tree.size != size:
        report.problems.append(f"the log claims size {size} but stores {tree.size} leaves")
    tree.finished.update(tree.partial_tiles())
    _flush_tiles(conn, report, log_pk, tree.finished)
    last = tree.rows_of(tree.pending)
    while checkpoints and checkpoints[0][0] <= tree.size:
        cp_size = checkpoints[0][0]
        _check_checkpoint(report, log_id, *checkpoints.pop(0), tree.root(cp_size, last), log_key)
    _check_tile_count(conn, report, log_pk)
    for cp_size, _, _ in checkpoints:
        report.problems.append(
            f"checkpoint of size {cp_size} is beyond the stored leaves ({tree.size})"
        )
    return report


def _first_gap(rows: Sequence[tuple[int, Any]], start: int) -> int | None:
    """The position in ``rows`` (unique indices in order) of the first not following on from
    ``start``; None when they all do."""
    if rows[0][0] == start and rows[-1][0] == start + len(rows) - 1:
        return None
    return next(i for i, (index, _) in enumerate(rows) if index != start + i)


def _shifted(rows: Sequence[Sequence[bytes]], rows_start: int, size: int) -> list[Sequence[bytes]]:
    """Rows of the tile holding leaf ``size - 1`` (within ``rows``, which start at leaf
    ``rows_start``), each row starting at that tile's first node."""
    tile_first = (size >> TILE_HEIGHT << TILE_HEIGHT) - rows_start
    return [row[tile_first >> r :] for r, row in enumerate(rows)]


def _flush_tiles(
    conn: Connection, report: AuditReport, log_pk: int, finished: dict[TileId, bytes]
) -> None:
    if not finished:
        return
    stored = _stored_tiles(conn, log_pk, list(finished))
    for tile, data in finished.items():
        report.tiles_checked += 1
        if stored.get(tile) != data:
            report.problems.append(f"tile {tile} does not match the leaves (tampered node row)")
    finished.clear()


def _stored_tiles(conn: Connection, log_pk: int, ids: Sequence[TileId]) -> dict[TileId, bytes]:
    """The stored bytes of tiles ``ids``: a range read per level (ids of a page are
    consecutive at each level)."""
    found: dict[TileId, bytes] = {}
    for level in sorted({level for level, _ in ids}):
        indices = [index for lvl, index in ids if lvl == level]
        rows = conn.execute(
            select(TlogTileRow.idx, TlogTileRow.hashes).where(
                TlogTileRow.log == log_pk,
                TlogTileRow.level == level,
                TlogTileRow.idx >= min(indices),
                TlogTileRow.idx <= max(indices),
            )
        )
        for index, hashes in rows:
            found[(level, int(index))] = bytes(hashes)
    return found


def _check_tile_count(conn: Connection, report: AuditReport, log_pk: int) -> None:
    stored = conn.execute(
        select(func.count()).select_from(TlogTileRow).where(TlogTileRow.log == log_pk)
    ).scalar_one()
    if stored != report.tiles_checked:
        report.problems.append(
            f"{stored} tiles stored, {report.tiles_checked} expected from the leaves"
        )


def _check_checkpoint(
    report: AuditReport,
    log_id: str,
    size: int,
    root: bytes,
    note: str,
    recomputed: bytes,
    log_key: VerifierKey | None,
) -> None:
    report.checkpoints_checked += 1
    try:
        body = parse_checkpoint(parse_note(note).text)
        if log_key is not None:
            body = verify_checkpoint(note, log_key).checkpoint
    except VerificationError as exc:
        report.problems.append(f"checkpoint {size}: {exc}")
        return
    root = bytes(root)
    if body.origin != log_id or body.size != size or body.root != root:
        report.problems.append(f"checkpoint {size}: the signed note does not match its row")
    if root != recomputed:
        report.problems.append(
            f"checkpoint {size}: root {root.hex()} signed, "
            f"{recomputed.hex()} recomputed from leaves"
        )


__all__ = ["AuditReport", "audit", "leaf_pages"]

"""Hash tiles: how a durable log stores its complete nodes in O(n / 256) rows.

Like C2SP tlog-tiles, a tile at tile level L and index K holds up to 256 consecutive nodes
of tree level 8L (its bottom row, ``width`` of them). Unlike C2SP tiles it also stores the
seven rows above the bottom (width >> 1, ..., width >> 7 nodes), so a proof reads nodes
without rehashing: a tile is at most 511 hashes (16 KiB). A full tile's root, one level
above its top row, is node K of tree level 8(L + 1): the bottom row of tile level L + 1.

Encoding: rows 0..7 concatenated, row j holding ``width >> j`` hashes of ``hash_size``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from treatyledger.tlog.compact import NodeId
from treatyledger.tlog.hashing import Hasher

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT

TileId = tuple[int, int]


def tile_of(node: NodeId) -> tuple[TileId, int, int]:
    """(tile id, row in the tile, position in that row) of complete node (level, index)."""
    level, index = node
    tile_level, row = divmod(level, TILE_HEIGHT)
    shift = TILE_HEIGHT - row
    tile_index = index >> shift
    return (tile_level, tile_index), row, index - (tile_index << shift)


@lru_cache(maxsize=4096)
def row_offset(width: int, row: int) -> int:
    """Index of the first hash of ``row`` in a tile of ``width``."""
    return sum(width >> r for r in range(row))


def encoded_hashes(width: int) -> int:
    return row_offset(width, TILE_HEIGHT)


def build_rows(
    hasher: Hasher, bottom: Sequence[bytes], existing: Sequence[Sequence[bytes]] = ()
) -> list[list[bytes]]:
    """Rows 0..8 of a tile with ``bottom`` as row 0 (row 8 holds the tile's root once the
    tile is full). ``existing`` rows of an earlier, narrower version are reused, not rehashed."""
    if len(bottom) > TILE_WIDTH:
        raise ValueError(f"a tile holds at most {TILE_WIDTH} nodes, found {len(bottom)}")
    hash_children = hasher.hash_children
    rows = [list(bottom)]
    for r in range(1, TILE_HEIGHT + 1):
        below = rows[r - 1]
        row = list(existing[r]) if r < len(existing) else []
        done = 2 * len(row)
        row.extend(map(hash_children, below[done::2], below[done + 1 :: 2]))
        rows.append(row)
    return rows


def encode_rows(rows: Sequence[Sequence[bytes]]) -> bytes:
    return b"".join(b"".join(row) for row in rows[:TILE_HEIGHT])


def decode_rows(width: int, data: bytes, hash_size: int = 32) -> list[list[bytes]]:
    """Rows 0..7 of a stored tile; raises ValueError if ``data`` has the wrong length."""
    if not 0 < width <= TILE_WIDTH or len(data) != encoded_hashes(width) * hash_size:
        raise ValueError(f"tile of width {width} cannot be {len(data)} bytes")
    rows, offset = [], 0
    for r in range(TILE_HEIGHT):
        count = width >> r
        rows.append(
            [data[offset + i * hash_size : offset + (i + 1) * hash_size] for i in range(count)]
        )
        offset += count * hash_size
    return rows


def node_from_tile(
    width: int, data: bytes, row: int, position: int, hash_size: int = 32
) -> bytes | None:
    """The hash at (row, position) of a stored tile, or None if that node is not complete."""
    if position >= width >> row:
        return None
    start = (row_offset(width, row) + position) * hash_size
    return data[start : start + hash_size]


def partial_tiles(size: int) -> list[tuple[TileId, int]]:
    """The rightmost, not yet full tile of each tile level of a tree of ``size`` leaves, with
    its width: what an append extends."""
    out = []
    count, level = size, 0
    while count:
        if count % TILE_WIDTH:
            out.append(((level, count // TILE_WIDTH), count % TILE_WIDTH))
        count //= TILE_WIDTH
        level += 1
    return out

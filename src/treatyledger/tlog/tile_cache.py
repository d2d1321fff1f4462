"""A bounded cache of FULL hash tiles above tile level 0, shared by a store's proof readers.

Why it is safe to keep a tile past the transaction that read it: an append rewrites only the
rightmost, partial tile of each level (``tlog_store.append_leaves``); a tile of width
TILE_WIDTH is written once, when it fills, and never again (the log is append-only). So the
bytes of a full tile read from committed state are its bytes in every later state of the log,
and a proof for any size that needs one of its nodes may take them from here. The cache takes
nothing else: a partial tile would go stale at the next append, and a tile read inside a
transaction that wrote could vanish with its rollback (the store only offers tiles read in a
transaction that wrote nothing). Audits and the start-up check read the stored rows, never
this cache: it serves proofs, it does not vouch for the rows.

Level 0 holds n / 256 tiles (640 MB at 10,000,000 leaves), too many to hold; level 1 and up
are 1 / 256 of that (2.5 MB at 10,000,000 leaves, 25 MB at 100,000,000), so with them here a
cold proof reads its level-0 tiles and nothing else (issue 19).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from treatyledger.tlog.tiles import TILE_WIDTH, TileId

__all__ = ["DEFAULT_MAX_BYTES", "FullTileCache"]

#: Holds every full upper tile of a 100,000,000-leaf log (about 25 MB).
DEFAULT_MAX_BYTES = 32 * 1024 * 1024


class FullTileCache:
    """Full tiles (``width == TILE_WIDTH``) at tile level >= 1, keyed by (log, tile), least
    recently used evicted first once their bytes exceed ``max_bytes``. Thread-safe: a node's
    request threads share one."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must not be negative, found {max_bytes}")
        self.max_bytes = max_bytes
        self._tiles: OrderedDict[tuple[Hashable, TileId], bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.preloaded: set[Hashable] = set()  # logs whose upper tiles were loaded at once

    @staticmethod
    def accepts(tile: TileId, width: int) -> bool:
        """Whether a tile of this id and width may be cached: full and above level 0."""
        return tile[0] >= 1 and width == TILE_WIDTH

    def get(self, log: Hashable, tile: TileId) -> bytes | None:
        """The hashes of full tile ``tile`` of ``log``, or None if not cached."""
        key = (log, tile)
        with self._lock:
            data = self._tiles.get(key)
            if data is not None:
                self._tiles.move_to_end(key)
            return data

    def put(self, log: Hashable, tile: TileId, width: int, data: bytes) -> bool:
        """Cache a tile read from committed state; returns whether it was taken (a partial
        tile, a level-0 tile or one larger than the whole bound is not)."""
        if not self.accepts(tile, width) or len(data) > self.max_bytes:
            return False
        key = (log, tile)
        with self._lock:
            old = self._tiles.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._tiles[key] = data
            self._bytes += len(data)
            while self._bytes > self.max_bytes:
                _, evicted = self._tiles.popitem(last=False)
                self._bytes -= len(evicted)
            return True

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._tiles)

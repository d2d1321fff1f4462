"""The full-tile cache (treatyledger.tlog.tile_cache) of one engine's proof readers: which
cache an engine's readers share, when a tile read may enter it, and the optional preload.

One cache per Engine (so per database: tiles of two databases never meet under one log id),
dropped with the engine. Audits and the start-up check read tiles through
``tlog_store._read_tiles``, never through this cache.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping

from sqlalchemy import Connection, Engine

from treatyledger.tlog.tile_cache import FullTileCache
from treatyledger.tlog.tiles import TILE_WIDTH, TileId

__all__ = ["offer_tiles", "preload_upper_tiles", "reads_committed_state", "shared_tile_cache"]

_CACHES: weakref.WeakKeyDictionary[Engine, FullTileCache] = weakref.WeakKeyDictionary()


def shared_tile_cache(engine: Engine) -> FullTileCache:
    """The cache of full upper tiles that every TlogReader on ``engine`` shares."""
    cache = _CACHES.get(engine)
    if cache is None:
        cache = _CACHES.setdefault(engine, FullTileCache())
    return cache


def reads_committed_state(conn: Connection) -> bool:
    """Whether what ``conn`` reads now is committed state: its transaction has written nothing
    (so nothing it reads can be rolled back). SQLite (pysqlite's implicit transactions): no
    write transaction is open; PostgreSQL: no transaction id has been assigned, which happens
    at the first write. Anything else: never."""
    if conn.dialect.name == "sqlite":
        return not conn.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
    if conn.dialect.name == "postgresql":
        return conn.exec_driver_sql("SELECT txid_current_if_assigned()").scalar() is None
    return False


def offer_tiles(
    conn: Connection, cache: FullTileCache, log_pk: int, read: Mapping[TileId, tuple[int, bytes]]
) -> int:
    """Put the full upper tiles among ``read`` (just read on ``conn``) into ``cache`` if they
    are committed state; returns how many it took."""
    wanted = [(tile, value) for tile, value in read.items() if cache.accepts(tile, value[0])]
    if not wanted or not reads_committed_state(conn):
        return 0
    return sum(cache.put(log_pk, tile, width, data) for tile, (width, data) in wanted)


def preload_upper_tiles(conn: Connection, log_pk: int, cache: FullTileCache) -> int:
    """Read the log's full tiles at levels >= 1 into ``cache`` (once per log and cache), top
    level first, as many as its bound holds; returns the bytes read. One range query over
    1 / 256 of the log's tiles (O(n / 65,536) rows), not a proof's path: a node pays it once
    so that no later cold proof reads an upper tile."""
    if log_pk in cache.preloaded or not reads_committed_state(conn):
        return 0
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    rows = conn.exec_driver_sql(
        "SELECT level, idx, hashes FROM tlog_tiles WHERE log = "
        f"{mark} AND level >= 1 AND width = {mark} ORDER BY level DESC, idx",
        (log_pk, TILE_WIDTH),
    )
    taken: list[tuple[TileId, bytes]] = []
    total = 0
    for level, idx, hashes in rows:
        data = bytes(hashes)
        if total + len(data) > cache.max_bytes:
            break
        taken.append(((level, idx), data))
        total += len(data)
    rows.close()
    # lowest level first, so if the cache fills later the top tiles are the last evicted
    for tile, data in reversed(taken):
        cache.put(log_pk, tile, TILE_WIDTH, data)
    cache.preloaded.add(log_pk)
    return total

"""The full-tile cache: it takes only full tiles above level 0 and stays within its bound."""

from __future__ import annotations

import pytest

from treatyledger.tlog.tile_cache import FullTileCache
from treatyledger.tlog.tiles import TILE_WIDTH, encoded_hashes

TILE_BYTES = encoded_hashes(TILE_WIDTH) * 32


def tile_bytes(seed: int) -> bytes:
    return bytes([seed % 256]) * TILE_BYTES


def test_a_partial_or_level_zero_tile_is_refused_and_never_returned() -> None:
    cache = FullTileCache()
    assert not cache.put("log", (1, 0), TILE_WIDTH - 1, tile_bytes(1))
    assert not cache.put("log", (0, 3), TILE_WIDTH, tile_bytes(2))
    assert cache.get("log", (1, 0)) is None
    assert cache.get("log", (0, 3)) is None
    assert (len(cache), cache.bytes) == (0, 0)
    assert cache.put("log", (2, 0), TILE_WIDTH, tile_bytes(3))
    assert cache.get("log", (2, 0)) == tile_bytes(3)


def test_tiles_are_kept_per_log() -> None:
    cache = FullTileCache()
    cache.put("a", (1, 0), TILE_WIDTH, tile_bytes(1))
    assert cache.get("b", (1, 0)) is None
    assert cache.get("a", (1, 0)) == tile_bytes(1)


def test_the_cache_stays_within_its_bound_evicting_the_least_recently_used() -> None:
    cache = FullTileCache(max_bytes=3 * TILE_BYTES + 100)
    for index in range(3):
        cache.put("log", (1, index), TILE_WIDTH, tile_bytes(index))
    assert cache.get("log", (1, 0)) is not None  # now the most recently used
    cache.put("log", (1, 3), TILE_WIDTH, tile_bytes(3))
    assert len(cache) == 3
    assert cache.bytes == 3 * TILE_BYTES <= cache.max_bytes
    assert cache.get("log", (1, 1)) is None  # the least recently used went
    assert [cache.get("log", (1, i)) is not None for i in (0, 2, 3)] == [True, True, True]
    for index in range(4, 40):
        cache.put("log", (1, index), TILE_WIDTH, tile_bytes(index))
        assert cache.bytes <= cache.max_bytes


def test_putting_a_tile_again_does_not_count_it_twice() -> None:
    cache = FullTileCache()
    cache.put("log", (1, 0), TILE_WIDTH, tile_bytes(1))
    cache.put("log", (1, 0), TILE_WIDTH, tile_bytes(1))
    assert (len(cache), cache.bytes) == (1, TILE_BYTES)


def test_a_bound_smaller_than_one_tile_holds_nothing() -> None:
    cache = FullTileCache(max_bytes=TILE_BYTES - 1)
    assert not cache.put("log", (1, 0), TILE_WIDTH, tile_bytes(1))
    assert len(cache) == 0
    with pytest.raises(ValueError, match="negative"):
        FullTileCache(max_bytes=-1)

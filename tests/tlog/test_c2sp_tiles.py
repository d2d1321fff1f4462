"""C2SP tlog-tiles paths, tile sets and contents. Expected values: the spec's own examples
(paths, the size-70,000 and size-256 trees) and, for contents, Merkle tree hashes computed
independently of the tile layout (a fresh MemoryLog over each tile's range)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyledger.tlog.c2sp_tiles import (
    ENTRIES,
    TilePath,
    decode_entry_bundle,
    encode_entry_bundle,
    hash_tile,
    new_tiles,
    parse_tile_path,
    split_hashes,
    tiles_for_size,
)
from treatyledger.tlog.errors import TilePathError
from treatyledger.tlog.hashing import RFC6962
from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.tiles import build_rows, encode_rows


def test_spec_index_example() -> None:
    assert TilePath(0, 1234067).path() == "tile/0/x001/x234/067"
    assert parse_tile_path("tile/0/x001/x234/067") == TilePath(0, 1234067)


@pytest.mark.parametrize(
    ("tile", "path"),
    [
        (TilePath(0, 0), "tile/0/000"),
        (TilePath(2, 999, 7), "tile/2/999.p/7"),
        (TilePath(1, 1000), "tile/1/x001/000"),
        (TilePath(ENTRIES, 5, 255), "tile/entries/005.p/255"),
        (TilePath(63, 0, 1), "tile/63/000.p/1"),
    ],
)
def test_paths_round_trip(tile: TilePath, path: str) -> None:
    assert tile.path() == path
    assert parse_tile_path(path) == tile


@pytest.mark.parametrize(
    "path",
    [
        "tile/00/000",
        "tile/64/000",
        "tile/0/0",
        "tile/0/x000/001",
        "tile/0/001/002",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/010",
        "tile/0/000.p/",
        "tile/0/\u0661\u0662\u0663",
        "tile/data/000",
        "tiles/0/000",
        "tile/0/000/",
        "tile/-1/000",
    ],
)
def test_paths_the_spec_does_not_allow_are_refused(path: str) -> None:
    with pytest.raises(TilePathError):
        parse_tile_path(path)


def test_spec_size_70000_example() -> None:
    tiles = list(tiles_for_size(70_000))
    level0 = [t for t in tiles if t.level == 0]
    assert sum(1 for t in level0 if not t.is_partial) == 273
    assert [t.width for t in level0 if t.is_partial] == [112]
    assert [(t.level, t.width) for t in tiles if t.level > 0] == [(1, 256), (1, 17), (2, 1)]


def test_spec_size_256_example() -> None:
    assert list(tiles_for_size(256)) == [TilePath(0, 0), TilePath(1, 0, 1)]


def test_new_tiles_between_sizes() -> None:
    assert new_tiles(0, 3) == [TilePath(0, 0, 3), TilePath(ENTRIES, 0, 3)]
    assert new_tiles(3, 257) == [
        TilePath(0, 0),
        TilePath(0, 1, 1),
        TilePath(1, 0, 1),
        TilePath(ENTRIES, 0),
        TilePath(ENTRIES, 1, 1),
    ]
    assert new_tiles(300, 300) == []


def test_hash_tiles_hold_the_merkle_tree_hashes_of_their_ranges() -> None:
    leaves = [f"leaf {i}".encode() for i in range(256 * 3 + 5)]
    hashes = [RFC6962.hash_leaf(leaf) for leaf in leaves]
    stored_level0 = encode_rows(build_rows(RFC6962, hashes[512:768]))
    tile = hash_tile(256, stored_level0, 200)
    assert split_hashes(tile, 200) == hashes[512:712]
    # level 1: node k is MTH of leaves [256k, 256k + 256), computed by a separate tree
    roots = []
    for k in range(3):
        part = MemoryLog()
        part.append_many(leaves[256 * k : 256 * (k + 1)])
        roots.append(part.root())
    stored_level1 = encode_rows(build_rows(RFC6962, roots))
    assert split_hashes(hash_tile(3, stored_level1, 3), 3) == roots
    with pytest.raises(TilePathError):
        hash_tile(3, stored_level1, 4)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(min_size=0, max_size=300), max_size=40))
def test_entry_bundles_round_trip(leaves: list[bytes]) -> None:
    assert decode_entry_bundle(encode_entry_bundle(leaves), len(leaves)) == leaves


def test_entry_bundle_limits() -> None:
    assert encode_entry_bundle([b"ab"]) == b"\x00\x02ab"
    with pytest.raises(TilePathError):
        encode_entry_bundle([b"x" * 65_536])
    with pytest.raises(TilePathError, match="inside an entry"):
        decode_entry_bundle(b"\x00\x05ab")
    with pytest.raises(TilePathError, match="expected 2"):
        decode_entry_bundle(b"\x00\x01a", 2)

"""C2SP tlog-tiles (https://c2sp.org/tlog-tiles): resource paths, which tiles a tree of a
given size has, hash tiles cut from the log's own tile layout, and entry bundles. Pure.

A C2SP tile at level L, index N is the bottom row of our stored tile (L, N)
(treatyledger.tlog.tiles): both hold up to 256 consecutive nodes of tree level 8L, so a hash
tile is a prefix of a stored row, never a rehash. A partial tile of width W is the first W
hashes of the same row, so the tiles of any past checkpoint can be served from today's rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from treatyledger.tlog.errors import TilePathError
from treatyledger.tlog.tiles import TILE_WIDTH, encoded_hashes

__all__ = [
    "ENTRIES",
    "MAX_LEVEL",
    "TilePath",
    "decode_entry_bundle",
    "encode_entry_bundle",
    "entry_bundles_for_size",
    "hash_tile",
    "new_tiles",
    "parse_tile_path",
    "tile_width",
    "tiles_for_size",
]

ENTRIES = -1  # the "level" of entry bundles, tile/entries/<N>
MAX_LEVEL = 63
HASH_SIZE = 32
MAX_BUNDLE_ENTRY = 0xFFFF


@dataclass(frozen=True, order=True)
class TilePath:
    """One tlog-tiles resource: a hash tile (level >= 0) or an entry bundle (ENTRIES)."""

    level: int
    index: int
    width: int = TILE_WIDTH

    @property
    def is_entries(self) -> bool:
        return self.level == ENTRIES

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH

    def path(self) -> str:
        """``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]``: N in 3-digit elements,
        all but the last prefixed ``x`` (1234067 is ``x001/x234/067``)."""
        groups = []
        n = self.index
        while True:
            groups.append(f"{n % 1000:03d}")
            n //= 1000
            if not n:
                break
        elements = [f"x{g}" for g in reversed(groups[1:])] + [groups[0]]
        level = "entries" if self.is_entries else str(self.level)
        suffix = f".p/{self.width}" if self.is_partial else ""
        return f"tile/{level}/{'/'.join(elements)}{suffix}"


_LEVEL = re.compile(r"0|[1-9][0-9]?")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")


def _level(text: str) -> int:
    if text == "entries":
        return ENTRIES
    if _LEVEL.fullmatch(text) and int(text) <= MAX_LEVEL:
        return int(text)
    raise TilePathError(f"tile level must be 0 to 63 without leading zeroes: {text!r}")


def _width(rest: list[str]) -> tuple[list[str], int]:
    """The index elements and the width of ``<N>[.p/<W>]``."""
    if len(rest) < 2 or not rest[-2].endswith(".p"):
        return rest, TILE_WIDTH
    if not _WIDTH.fullmatch(rest[-1]) or int(rest[-1]) >= TILE_WIDTH:
        raise TilePathError(f"partial tile width must be 1 to 255: {rest[-1]!r}")
    return [*rest[:-2], rest[-2][:-2]], int(rest[-1])


def _index(elements: list[str]) -> int:
    index = 0
    for i, element in enumerate(elements):
        last = i == len(elements) - 1
        digits = element if last else element.removeprefix("x")
        if (not last and not element.startswith("x")) or len(digits) != 3:
            raise TilePathError(
                f"tile index element {element!r}: 3 digits, 'x' before all but last"
            )
        if not digits.isascii() or not digits.isdigit():
            raise TilePathError(f"tile index element {element!r} is not 3 ASCII digits")
        index = index * 1000 + int(digits)
    return index


def parse_tile_path(path: str) -> TilePath:
    """The tile a ``tile/...`` path names; raises TilePathError for anything the spec does
    not allow (leading zeroes, a level above 63, a bad index element, a width of 0 or 256+).
    Only the canonical path of a tile is accepted (no ``x000`` leading element)."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile" or len(path) > 128:
        raise TilePathError(f"not a tile path: {path[:80]!r}")
    elements, width = _width(parts[2:])
    tile = TilePath(_level(parts[1]), _index(elements), width)
    if tile.path() != path:
        raise TilePathError(f"not the canonical path of its tile: {path[:80]!r}")
    return tile


def tile_width(size: int, level: int, index: int) -> int:
    """How many hashes tile (level, index) holds in a tree of ``size`` leaves (0: none
    yet). Entry bundles are level 0 for this."""
    nodes = size >> (8 * max(level, 0))
    return max(0, min(TILE_WIDTH, nodes - index * TILE_WIDTH))


def tiles_for_size(size: int) -> Iterator[TilePath]:
    """Every hash tile of a tree of ``size`` leaves, full and partial, level by level."""
    level = 0
    while size >> (8 * level):
        nodes = size >> (8 * level)
        for index in range((nodes + TILE_WIDTH - 1) // TILE_WIDTH):
            yield TilePath(level, index, tile_width(size, level, index))
        level += 1


def entry_bundles_for_size(size: int) -> Iterator[TilePath]:
    for index in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        yield TilePath(ENTRIES, index, tile_width(size, 0, index))


def new_tiles(old_size: int, new_size: int) -> list[TilePath]:
    """The tiles (hash tiles and entry bundles) a tree of ``new_size`` has that one of
    ``old_size`` did not have in that form: what an incremental export writes."""
    before = set(tiles_for_size(old_size)) | set(entry_bundles_for_size(old_size))
    after = [*tiles_for_size(new_size), *entry_bundles_for_size(new_size)]
    return [tile for tile in after if tile not in before]


def hash_tile(stored_width: int, stored: bytes, width: int) -> bytes:
    """The C2SP hash tile of ``width`` cut from a stored tile of ``stored_width``: its bottom
    row's first ``width`` hashes, which the encoding stores first (a slice, no decoding)."""
    if not 0 < width <= stored_width or len(stored) != encoded_hashes(stored_width) * HASH_SIZE:
        raise TilePathError(f"a stored tile of width {stored_width} has no width-{width} prefix")
    return stored[: width * HASH_SIZE]


def encode_entry_bundle(leaves: Iterable[bytes]) -> bytes:
    """An entry bundle: each leaf prefixed with its length as a big-endian uint16."""
    out = bytearray()
    for leaf in leaves:
        if len(leaf) > MAX_BUNDLE_ENTRY:
            raise TilePathError(f"a leaf of {len(leaf)} bytes does not fit an entry bundle")
        out += len(leaf).to_bytes(2, "big") + leaf
    return bytes(out)


def decode_entry_bundle(data: bytes, count: int | None = None) -> list[bytes]:
    """The leaves of an entry bundle; with ``count``, exactly that many."""
    leaves, offset = [], 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise TilePathError("entry bundle ends inside a length prefix")
        length = int.from_bytes(data[offset : offset + 2], "big")
        offset += 2
        if offset + length > len(data):
            raise TilePathError("entry bundle ends inside an entry")
        leaves.append(data[offset : offset + length])
        offset += length
        if len(leaves) > TILE_WIDTH:
            raise TilePathError("entry bundle holds more than 256 entries")
    if count is not None and len(leaves) != count:
        raise TilePathError(f"entry bundle holds {len(leaves)} entries, expected {count}")
    return leaves


def split_hashes(tile: bytes, width: int) -> Sequence[bytes]:
    if len(tile) != width * HASH_SIZE:
        raise TilePathError(f"hash tile of {len(tile)} bytes, expected {width * HASH_SIZE}")
    return [tile[i : i + HASH_SIZE] for i in range(0, len(tile), HASH_SIZE)]

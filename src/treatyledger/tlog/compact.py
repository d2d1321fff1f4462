"""Compact ranges: the O(log n) right border of a tree, enough to append and to compute the
root. Node (level, index) is the complete subtree over leaves [index * 2^level,
(index + 1) * 2^level)."""

from __future__ import annotations

from collections.abc import Iterable

from treatyledger.tlog.hashing import Hasher, fold_right

NodeId = tuple[int, int]


def range_nodes(begin: int, end: int) -> list[NodeId]:
    """The complete subtrees covering leaves [begin, end), left to right, largest first.

    Requires ``begin`` to be a multiple of the largest power of two not above ``end -
    begin`` (true for every range RFC 6962's recursion produces and for [0, n)).
    """
    nodes: list[NodeId] = []
    while begin < end:
        level = (end - begin).bit_length() - 1
        if begin % (1 << level):
            raise ValueError(f"range [{begin}, {end}) is not aligned for level {level}")
        nodes.append((level, begin >> level))
        begin += 1 << level
    return nodes


def compact_nodes(size: int) -> list[NodeId]:
    """The nodes of the compact range [0, size): one per set bit of ``size``."""
    return range_nodes(0, size)


class CompactRange:
    """The right border of the tree [0, size): appending costs amortised one node hash."""

    def __init__(self, hasher: Hasher, size: int = 0, hashes: Iterable[bytes] = ()):
        self.hasher = hasher
        self.size = size
        self.hashes = list(hashes)
        if len(self.hashes) != size.bit_count():
            raise ValueError(
                f"size {size} needs {size.bit_count()} hashes, found {len(self.hashes)}"
            )

    def append(self, leaf_hash: bytes) -> None:
        hash_children = self.hasher.hash_children
        node, size, hashes = leaf_hash, self.size, self.hashes
        while size & 1:
            node = hash_children(hashes.pop(), node)
            size >>= 1
        hashes.append(node)
        self.size += 1

    def root(self) -> bytes:
        return fold_right(self.hasher, self.hashes)

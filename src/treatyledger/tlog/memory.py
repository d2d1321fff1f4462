"""In-memory log storage: every complete node, level by level. For tests, benchmarks and
short-lived logs; durable logs live in treatyledger.store.tlog_store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from treatyledger.tlog.compact import NodeId
from treatyledger.tlog.entries import check_leaf
from treatyledger.tlog.hashing import RFC6962, Hasher
from treatyledger.tlog.proofs import ProofError, consistency_proof, inclusion_proof, root_at
from treatyledger.tlog.verifier import MAX_INLINE_ENTRY


class MemoryLog:
    """An append-only Merkle log held in memory. ``levels[l][i]`` is node (l, i)."""

    def __init__(self, hasher: Hasher = RFC6962, *, keep_leaves: bool = True):
        self.hasher = hasher
        self.levels: list[list[bytes]] = [[]]
        self.leaves: list[bytes] | None = [] if keep_leaves else None

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, leaf: bytes) -> int:
        """Append one leaf; returns its index."""
        return self.append_many([leaf])

    def append_many(self, leaves: Iterable[bytes]) -> int:
        """Append leaves in order; returns the index of the first."""
        first = self.size
        hash_leaf, hash_children = self.hasher.hash_leaf, self.hasher.hash_children
        levels, kept = self.levels, self.leaves
        bottom = levels[0]
        for leaf in leaves:
            if len(leaf) > MAX_INLINE_ENTRY:
                check_leaf(leaf)  # raises with the reason
            if kept is not None:
                kept.append(leaf)
            node = hash_leaf(leaf)
            bottom.append(node)
            if len(bottom) & 1:
                continue  # a left child: nothing completes (every other leaf)
            # a node is complete once its right child exists: climb while the row is even
            row, level = bottom, 0
            while not len(row) & 1:
                node = hash_children(row[-2], node)
                level += 1
                if level == len(levels):
                    levels.append([])
                row = levels[level]
                row.append(node)
        return first

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        try:
            return [self.levels[level][index] for level, index in ids]
        except IndexError as exc:
            raise ProofError(f"node not in a log of size {self.size}") from exc

    def leaf(self, index: int) -> bytes:
        if self.leaves is None:
            raise ProofError("this log does not keep leaves")
        return self.leaves[index]

    def root(self, size: int | None = None) -> bytes:
        return root_at(self, self.hasher, self.size if size is None else self._bounded(size))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(
            self, self.hasher, index, self.size if size is None else self._bounded(size)
        )

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        size2 = self.size if size2 is None else self._bounded(size2)
        return consistency_proof(self, self.hasher, size1, size2)

    def _bounded(self, size: int) -> int:
        if not 0 <= size <= self.size:
            raise ProofError(f"size {size} is beyond the log's size {self.size}")
        return size

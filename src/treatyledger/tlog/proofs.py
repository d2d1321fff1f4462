"""Inclusion and consistency proof generation (RFC 9162 2.1.3.1 and 2.1.4.1) from any
storage that can read complete nodes; verification is the standalone verifier's.

A proof is planned first: each proof hash is the fold of one or more complete nodes (more
than one on the right border of a tree that is not a power of two). The plan is read from
storage in one batch, so a proof for any past size costs one O(log n) read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from treatyledger.tlog.compact import NodeId, range_nodes
from treatyledger.tlog.hashing import Hasher, fold_right
from treatyledger.tlog.verifier import (
    ProofError,
    consistency_proof_roots,
    root_from_consistency_proof,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "NodeReader",
    "ProofError",
    "consistency_plan",
    "consistency_proof",
    "consistency_proof_roots",
    "inclusion_plan",
    "inclusion_proof",
    "leaf_and_inclusion_proof",
    "materialize",
    "root_at",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]

Plan = list[list[NodeId]]


class NodeReader(Protocol):
    """Reads complete nodes (level, index) of a log; raises if one does not exist yet."""

    def get_nodes(self, ids: Sequence[NodeId]) -> Sequence[bytes]: ...


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1): RFC 6962's k."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_plan(index: int, size: int) -> Plan:
    """The nodes of PATH(index, D[0:size]), leaf sibling first."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    entries: Plan = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            entries.append(range_nodes(lo + k, hi))
            hi = lo + k
        else:
            entries.append(range_nodes(lo, lo + k))
            lo += k
    entries.reverse()
    return entries


def consistency_plan(size1: int, size2: int) -> Plan:
    """The nodes of PROOF(size1, D[0:size2]) (RFC 9162 2.1.4.1 SUBPROOF with b = true)."""
    if size1 <= 0 or size2 < size1:
        raise ProofError(f"need 0 < size1 <= size2, found size1 {size1}, size2 {size2}")
    entries: Plan = []
    lo, hi, m, whole = 0, size2, size1, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            entries.append(range_nodes(lo + k, hi))
            hi = lo + k
        else:
            entries.append(range_nodes(lo, lo + k))
            lo += k
            m -= k
            whole = False
    if not whole:
        entries.append(range_nodes(lo, hi))
    entries.reverse()
    return entries


def materialize(plan: Plan, reader: NodeReader, hasher: Hasher) -> list[bytes]:
    """Read every node the plan names in one batch and fold each entry into a proof hash."""
    ids = sorted({node for entry in plan for node in entry})
    if not ids:
        return []
    values = dict(zip(ids, reader.get_nodes(ids), strict=True))
    return [fold_right(hasher, [values[node] for node in entry]) for entry in plan]


def inclusion_proof(reader: NodeReader, hasher: Hasher, index: int, size: int) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
    return materialize(inclusion_plan(index, size), reader, hasher)


def leaf_and_inclusion_proof(
    reader: NodeReader, hasher: Hasher, index: int, size: int
) -> tuple[bytes, list[bytes]]:
    """The leaf hash ``index`` and its inclusion proof in ``size``, read in one batch: the
    leaf's tile is the proof's first, so a server answering both reads it once."""
    *proof, leaf = materialize([*inclusion_plan(index, size), [(0, index)]], reader, hasher)
    return leaf, proof


def consistency_proof(reader: NodeReader, hasher: Hasher, size1: int, size2: int) -> list[bytes]:
    """The consistency proof from the tree of ``size1`` leaves to the one of ``size2``."""
    return materialize(consistency_plan(size1, size2), reader, hasher)


def root_at(reader: NodeReader, hasher: Hasher, size: int) -> bytes:
    """The root of the tree of the first ``size`` leaves (any past size)."""
    if size < 0:
        raise ProofError(f"size {size} must not be negative")
    if size == 0:
        return hasher.empty_root()
    return materialize([range_nodes(0, size)], reader, hasher)[0]

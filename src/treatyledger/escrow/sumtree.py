"""The Merkle sum tree under an escrow commitment: RFC 6962's tree hash extended so that every
node also carries, and commits to, the sums of ``width`` non-negative counters below it.

A node value is ``digest || sum_1 || ... || sum_width`` (32 + 8 * width bytes, sums unsigned
64-bit big-endian):

- leaf:  RFC6962.hash_leaf(data) || values, where ``data`` ends with the leaf's own values;
- inner: RFC6962.hash_children(left, right) || (left sums + right sums), where ``left`` and
  ``right`` are the children's whole values, sums included.

Hashing both children's sums (not only their total) is what makes the sums binding: a node's
digest fixes each child's sum, so a prover cannot move value from one subtree to another
(the flaw of the first Maxwell sum tree). Sums never wrap: an overflow is a proof error, so no
value can cancel another. With ``width`` 0 this is exactly the RFC 6962 tree hash.

The proof generation and verification are treatyledger.tlog's, which take the hasher as a
parameter; this module only supplies the hasher.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from treatyledger.tlog.hashing import RFC6962
from treatyledger.tlog.verifier import ProofError

DIGEST_SIZE = 32
COUNTER_SIZE = 8
MAX_COUNTER = (1 << 63) - 1  # keeps totals exact in int64 wherever they travel
MAX_WIDTH = 64


def pack_counters(values: Sequence[int]) -> bytes:
    """The counters as 8-byte big-endian words; each must be 0 <= value <= 2^63 - 1."""
    if values and not (min(values) >= 0 and max(values) <= MAX_COUNTER):
        bad = next(v for v in values if not 0 <= v <= MAX_COUNTER)
        raise ProofError(f"counter {bad} is outside 0..{MAX_COUNTER}")
    return struct.pack(f">{len(values)}Q", *values)


def unpack_counters(raw: bytes) -> tuple[int, ...]:
    if len(raw) % COUNTER_SIZE:
        raise ProofError(f"counters of {len(raw)} bytes, want a multiple of {COUNTER_SIZE}")
    return struct.unpack(f">{len(raw) // COUNTER_SIZE}Q", raw)


class SumHasher:
    """RFC 6962 tree hash whose node values also carry ``width`` committed sums."""

    def __init__(self, width: int):
        if not 0 <= width <= MAX_WIDTH:
            raise ProofError(f"width {width} is outside 0..{MAX_WIDTH}")
        self.width = width
        self.size = DIGEST_SIZE + COUNTER_SIZE * width

    def empty_root(self) -> bytes:
        return RFC6962.empty_root() + bytes(COUNTER_SIZE * self.width)

    def hash_leaf(self, data: bytes) -> bytes:
        counters = COUNTER_SIZE * self.width
        if len(data) < counters:
            raise ProofError(f"leaf of {len(data)} bytes cannot end with {self.width} counters")
        values = data[len(data) - counters :]
        pack_counters(unpack_counters(values))  # refuses counters above 2^63 - 1
        return RFC6962.hash_leaf(data) + values

    def hash_children(self, left: bytes, right: bytes) -> bytes:
        if len(left) != self.size or len(right) != self.size:
            raise ProofError(f"node values of {len(left)} and {len(right)} bytes, want {self.size}")
        if not self.width:
            return RFC6962.hash_children(left, right)
        lefts = unpack_counters(left[DIGEST_SIZE:])
        rights = unpack_counters(right[DIGEST_SIZE:])
        sums = [a + b for a, b in zip(lefts, rights, strict=True)]
        return RFC6962.hash_children(left, right) + pack_counters(sums)

    def sums(self, node: bytes) -> tuple[int, ...]:
        """The counters a node value carries."""
        if len(node) != self.size:
            raise ProofError(f"node value of {len(node)} bytes, want {self.size}")
        return unpack_counters(node[DIGEST_SIZE:])

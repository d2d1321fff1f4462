"""Shared helpers of the zk tests: a deterministic random source and small proofs."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from treatyledger.zk.generators import commit
from treatyledger.zk.prover import prove_range
from treatyledger.zk.rangeproof import RangeProof
from treatyledger.zk.ristretto import ORDER
from treatyledger.zk.transcript import Transcript

DOMAIN = b"treatyledger/test"


def seeded_random(seed: int) -> Callable[[int], bytes]:
    """A deterministic byte source (SHAKE-256 of the seed and a counter): tests only."""
    counter = 0

    def random_bytes(n: int) -> bytes:
        nonlocal counter
        counter += 1
        return hashlib.shake_256(f"{seed}/{counter}".encode()).digest(n)

    return random_bytes


def blindings_for(count: int, seed: int) -> list[int]:
    data = seeded_random(seed)(64 * count)
    return [int.from_bytes(data[64 * i : 64 * i + 64], "little") % ORDER for i in range(count)]


def proven(values: list[int], bits: int, seed: int = 1) -> tuple[RangeProof, list[bytes]]:
    blindings = blindings_for(len(values), seed)
    commitments = [commit(v, r) for v, r in zip(values, blindings, strict=True)]
    proof = prove_range(
        values, blindings, commitments, bits, Transcript(DOMAIN), seeded_random(seed + 1000)
    )
    return proof, commitments

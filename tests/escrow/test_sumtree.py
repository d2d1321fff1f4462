"""The sum-tree hasher: RFC 6962 when it carries no sums, and sums bound by the hash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from treatyledger.escrow.sumtree import MAX_COUNTER, SumHasher, pack_counters
from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.verifier import ProofError, root_from_inclusion_proof, verify_inclusion

REFERENCE = json.loads(
    (
        Path(__file__).parent.parent / "fixtures" / "escrow" / "rfc6962_reference_tree.json"
    ).read_text()
)
LEAVES = [bytes.fromhex(h) for h in REFERENCE["leaf_inputs_hex"]]


def test_width_zero_reproduces_every_rfc6962_reference_root() -> None:
    tree = MemoryLog(SumHasher(0))
    tree.append_many(LEAVES)
    for size, root in enumerate(REFERENCE["root_by_tree_size"]):
        assert tree.root(size).hex() == root


@pytest.mark.parametrize(
    "case", REFERENCE["inclusion"], ids=lambda c: f"{c['leaf_index']}of{c['tree_size']}"
)
def test_width_zero_verifies_the_reference_inclusion_proofs(case: dict[str, object]) -> None:
    proof = [bytes.fromhex(h) for h in case["proof"]]  # type: ignore[attr-defined]
    verify_inclusion(
        SumHasher(0),
        case["leaf_index"],  # type: ignore[arg-type]
        case["tree_size"],  # type: ignore[arg-type]
        bytes.fromhex(case["leaf_hash"]),  # type: ignore[arg-type]
        proof,
        bytes.fromhex(case["root"]),  # type: ignore[arg-type]
    )


def _leaf(digest_byte: int, *values: int) -> bytes:
    return bytes([digest_byte]) * 32 + pack_counters(values)


def test_root_carries_the_sum_of_every_leaf() -> None:
    hasher = SumHasher(2)
    tree = MemoryLog(hasher)
    tree.append_many([_leaf(1, 3, 0), _leaf(2, 0, 7), _leaf(3, 5, 1)])
    assert hasher.sums(tree.root()) == (8, 8)


def test_changing_a_sibling_sum_in_a_proof_changes_the_root() -> None:
    hasher = SumHasher(1)
    tree = MemoryLog(hasher)
    tree.append_many([_leaf(n, n) for n in range(1, 6)])
    proof = tree.inclusion_proof(2)
    leaf_hash = hasher.hash_leaf(_leaf(3, 3))
    lowered = bytearray(proof[0])
    lowered[-1] -= 1
    moved = root_from_inclusion_proof(hasher, 2, 5, leaf_hash, [bytes(lowered), *proof[1:]])
    assert moved[:32] != tree.root()[:32]


def test_moving_value_between_siblings_changes_the_parent_digest() -> None:
    hasher = SumHasher(1)
    honest = hasher.hash_children(
        _leaf(1, 0)[:32] + pack_counters([5]), bytes(32) + pack_counters([3])
    )
    shifted = hasher.hash_children(
        _leaf(1, 0)[:32] + pack_counters([4]), bytes(32) + pack_counters([4])
    )
    assert hasher.sums(honest) == hasher.sums(shifted) == (8,)
    assert honest[:32] != shifted[:32]


def test_a_sum_that_would_overflow_is_a_proof_error() -> None:
    hasher = SumHasher(1)
    big = bytes(32) + pack_counters([MAX_COUNTER])
    with pytest.raises(ProofError, match="outside"):
        hasher.hash_children(big, bytes(32) + pack_counters([1]))


def test_a_counter_above_2_63_in_a_leaf_is_refused() -> None:
    with pytest.raises(ProofError, match="outside"):
        SumHasher(1).hash_leaf(bytes(32) + (1 << 63).to_bytes(8, "big"))


def test_a_node_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(ProofError, match="want 40"):
        SumHasher(1).hash_children(bytes(32), bytes(40))


def test_negative_counters_cannot_be_packed() -> None:
    with pytest.raises(ProofError):
        pack_counters([-1])

"""Hypothesis properties of proof generation and verification (RFC 9162 2.1.3, 2.1.4)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.proofs import inclusion_plan
from treatyledger.tlog.verifier import (
    RFC6962,
    ProofError,
    verify_consistency,
    verify_inclusion,
)

MAX = 1100  # generated sizes; a flipped bit (0..11) reaches at most FULL - 1
FULL = 4096
LOG = MemoryLog()
LOG.append_many([f"entry {i}".encode() for i in range(FULL)])
ROOTS = [LOG.root(size) for size in range(FULL + 1)]

sizes = st.integers(min_value=1, max_value=MAX)


def flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


@st.composite
def leaf_in_tree(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(sizes)
    return draw(st.integers(0, size - 1)), size


@st.composite
def size_pair(draw: st.DrawFn) -> tuple[int, int]:
    size2 = draw(st.integers(2, MAX))
    return draw(st.integers(1, size2 - 1)), size2


@settings(max_examples=150, deadline=None)
@given(leaf_in_tree())
def test_every_generated_inclusion_proof_verifies(case: tuple[int, int]) -> None:
    index, size = case
    proof = LOG.inclusion_proof(index, size)
    verify_inclusion(RFC6962, index, size, LOG.levels[0][index], proof, ROOTS[size])


@settings(max_examples=150, deadline=None)
@given(size_pair())
def test_every_generated_consistency_proof_verifies(case: tuple[int, int]) -> None:
    size1, size2 = case
    proof = LOG.consistency_proof(size1, size2)
    verify_consistency(RFC6962, size1, size2, proof, ROOTS[size1], ROOTS[size2])


@settings(max_examples=150, deadline=None)
@given(leaf_in_tree(), st.data())
def test_any_bit_flip_in_inclusion_proof_root_or_leaf_fails(
    case: tuple[int, int], data: st.DataObject
) -> None:
    index, size = case
    proof = LOG.inclusion_proof(index, size)
    leaf, root = LOG.levels[0][index], ROOTS[size]
    target = data.draw(st.sampled_from(["proof", "root", "leaf"] if proof else ["root", "leaf"]))
    bit = data.draw(st.integers(0, 255))
    if target == "proof":
        at = data.draw(st.integers(0, len(proof) - 1))
        proof = [flip(h, bit) if i == at else h for i, h in enumerate(proof)]
    elif target == "root":
        root = flip(root, bit)
    else:
        leaf = flip(leaf, bit)
    with pytest.raises(ProofError):
        verify_inclusion(RFC6962, index, size, leaf, proof, root)


@settings(max_examples=150, deadline=None)
@given(leaf_in_tree(), st.integers(0, 11))
def test_any_bit_flip_in_index_fails(case: tuple[int, int], bit: int) -> None:
    index, size = case
    proof = LOG.inclusion_proof(index, size)
    with pytest.raises(ProofError):
        verify_inclusion(
            RFC6962, index ^ (1 << bit), size, LOG.levels[0][index], proof, ROOTS[size]
        )


@settings(max_examples=150, deadline=None)
@given(leaf_in_tree(), st.integers(0, 11))
def test_any_bit_flip_in_size_fails_against_that_sizes_root(
    case: tuple[int, int], bit: int
) -> None:
    # A proof does not commit to the size by itself: the root does (a checkpoint signs both),
    # so the changed size comes with the root of the tree of that size.
    index, size = case
    proof = LOG.inclusion_proof(index, size)
    other = size ^ (1 << bit)
    with pytest.raises(ProofError):
        verify_inclusion(RFC6962, index, other, LOG.levels[0][index], proof, ROOTS[other])


def test_a_size_change_with_the_same_proof_shape_needs_the_root_to_catch_it() -> None:
    # Documents the RFC 9162 property the test above relies on: sizes 5 and 6 give leaf 0
    # the same proof shape, so only the root (signed with its size) tells them apart.
    assert [len(e) for e in inclusion_plan(0, 5)] == [1, 1, 1]
    proof = LOG.inclusion_proof(0, 5)
    verify_inclusion(RFC6962, 0, 6, LOG.levels[0][0], proof, ROOTS[5])
    with pytest.raises(ProofError):
        verify_inclusion(RFC6962, 0, 6, LOG.levels[0][0], proof, ROOTS[6])


@settings(max_examples=150, deadline=None)
@given(size_pair(), st.data())
def test_any_bit_flip_in_consistency_proof_or_roots_fails(
    case: tuple[int, int], data: st.DataObject
) -> None:
    size1, size2 = case
    proof = LOG.consistency_proof(size1, size2)
    root1, root2 = ROOTS[size1], ROOTS[size2]
    target = data.draw(st.sampled_from(["proof", "root1", "root2"]))
    bit = data.draw(st.integers(0, 255))
    if target == "proof":
        at = data.draw(st.integers(0, len(proof) - 1))
        proof = [flip(h, bit) if i == at else h for i, h in enumerate(proof)]
    elif target == "root1":
        root1 = flip(root1, bit)
    else:
        root2 = flip(root2, bit)
    with pytest.raises(ProofError):
        verify_consistency(RFC6962, size1, size2, proof, root1, root2)


@settings(max_examples=150, deadline=None)
@given(size_pair(), st.sampled_from(["size1", "size2"]), st.integers(0, 11))
def test_any_bit_flip_in_a_consistency_size_fails(
    case: tuple[int, int], which: str, bit: int
) -> None:
    size1, size2 = case
    proof = LOG.consistency_proof(size1, size2)
    new1, new2 = (size1 ^ (1 << bit), size2) if which == "size1" else (size1, size2 ^ (1 << bit))
    # each root is the one of its (changed) size, as a signed checkpoint binds them
    with pytest.raises(ProofError):
        verify_consistency(RFC6962, new1, new2, proof, ROOTS[new1], ROOTS[new2])


@settings(max_examples=80, deadline=None)
@given(st.lists(sizes, min_size=2, max_size=8))
def test_consistency_proofs_compose_over_any_size_sequence(raw: list[int]) -> None:
    chain = sorted(raw)
    for size1, size2 in itertools.pairwise(chain):
        proof = LOG.consistency_proof(size1, size2)
        verify_consistency(RFC6962, size1, size2, proof, ROOTS[size1], ROOTS[size2])
    first, last = chain[0], chain[-1]
    verify_consistency(
        RFC6962, first, last, LOG.consistency_proof(first, last), ROOTS[first], ROOTS[last]
    )

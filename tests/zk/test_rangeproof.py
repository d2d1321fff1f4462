"""Aggregated Bulletproofs range proofs: completeness, and every change makes them fail."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyledger.zk import ristretto as group
from treatyledger.zk.generators import commit
from treatyledger.zk.prover import prove_range
from treatyledger.zk.rangeproof import (
    RangeProof,
    RangeProofError,
    check_shape,
    folding_scalars,
    verify_range_proof,
)
from treatyledger.zk.ristretto import ORDER
from treatyledger.zk.transcript import Transcript

from .helpers import DOMAIN, blindings_for, proven, seeded_random


def verify(proof: RangeProof, commitments: list[bytes], bits: int) -> None:
    verify_range_proof(proof, commitments, bits, Transcript(DOMAIN))


@pytest.mark.parametrize(
    ("values", "bits"),
    [([0], 8), ([255], 8), ([7, 200], 8), ([0, 1, 65535, 4242], 16), ([2**32 - 1], 32),
     ([2**64 - 1, 0], 64)],
)  # fmt: skip
def test_honest_proofs_verify_including_the_range_ends(values: list[int], bits: int) -> None:
    proof, commitments = proven(values, bits)
    verify(proof, commitments, bits)
    rounds = (bits * len(values)).bit_length() - 1
    assert len(proof.L) == len(proof.R) == rounds
    assert proof.group_elements == 2 * rounds + 4


@settings(max_examples=12, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**16 - 1), min_size=1, max_size=4))
def test_every_honest_proof_of_random_values_verifies(values: list[int]) -> None:
    padded = values + [0] * ((1 << (len(values) - 1).bit_length()) - len(values))
    proof, commitments = proven(padded, 16, seed=sum(values))
    verify(proof, commitments, 16)


def test_the_prover_refuses_a_value_out_of_range() -> None:
    with pytest.raises(RangeProofError, match="outside"):
        proven([256], 8)
    with pytest.raises(RangeProofError, match="outside"):
        proven([-1], 8)


def test_a_proof_for_the_low_bits_of_an_out_of_range_value_fails() -> None:
    # The forger commits to 2^8 + 5 but proves the bits of 5 (all an 8-bit proof can hold).
    r = blindings_for(1, 3)
    commitment = commit(2**8 + 5, r[0])
    proof = prove_range([5], r, [commitment], 8, Transcript(DOMAIN), seeded_random(4))
    with pytest.raises(RangeProofError, match="does not verify"):
        verify(proof, [commitment], 8)


def test_a_proof_of_a_negative_value_wrapped_modulo_the_order_fails() -> None:
    r = blindings_for(1, 5)
    commitment = commit(-1 % ORDER, r[0])  # "-1": a huge scalar, no 8-bit decomposition
    proof = prove_range([255], r, [commitment], 8, Transcript(DOMAIN), seeded_random(6))
    with pytest.raises(RangeProofError):
        verify(proof, [commitment], 8)


POINT_FIELDS = ["A", "S", "T1", "T2"]
SCALAR_FIELDS = ["tau_x", "mu", "t_hat", "a", "b"]


@pytest.fixture(scope="module")
def honest() -> tuple[RangeProof, list[bytes]]:
    return proven([3, 99, 0, 65000], 16, seed=9)


@pytest.mark.parametrize("field", POINT_FIELDS)
def test_changing_any_point_of_the_proof_makes_it_fail(
    honest: tuple[RangeProof, list[bytes]], field: str
) -> None:
    proof, commitments = honest
    changed = group.add(getattr(proof, field), group.GENERATOR)
    with pytest.raises(RangeProofError):
        verify(dataclasses.replace(proof, **{field: changed}), commitments, 16)


@pytest.mark.parametrize("field", SCALAR_FIELDS)
def test_changing_any_scalar_of_the_proof_makes_it_fail(
    honest: tuple[RangeProof, list[bytes]], field: str
) -> None:
    proof, commitments = honest
    changed = (getattr(proof, field) + 1) % ORDER
    with pytest.raises(RangeProofError):
        verify(dataclasses.replace(proof, **{field: changed}), commitments, 16)


@pytest.mark.parametrize("side", ["L", "R"])
def test_changing_any_inner_product_round_makes_it_fail(
    honest: tuple[RangeProof, list[bytes]], side: str
) -> None:
    proof, commitments = honest
    points = getattr(proof, side)
    for i in range(len(points)):
        changed = (*points[:i], group.add(points[i], group.GENERATOR), *points[i + 1 :])
        with pytest.raises(RangeProofError):
            verify(dataclasses.replace(proof, **{side: changed}), commitments, 16)


def test_swapping_the_inner_product_rounds_makes_it_fail(
    honest: tuple[RangeProof, list[bytes]],
) -> None:
    proof, commitments = honest
    with pytest.raises(RangeProofError):
        verify(dataclasses.replace(proof, L=proof.R, R=proof.L), commitments, 16)


def test_changing_any_commitment_or_their_order_makes_it_fail(
    honest: tuple[RangeProof, list[bytes]],
) -> None:
    proof, commitments = honest
    for i in range(len(commitments)):
        changed = list(commitments)
        changed[i] = group.add(changed[i], group.GENERATOR)
        with pytest.raises(RangeProofError):
            verify(proof, changed, 16)
    with pytest.raises(RangeProofError):
        verify(proof, commitments[::-1], 16)


def test_the_transcript_binds_the_statement(honest: tuple[RangeProof, list[bytes]]) -> None:
    proof, commitments = honest
    other = Transcript(DOMAIN)
    other.append(b"statement", b"another statement")
    with pytest.raises(RangeProofError):
        verify_range_proof(proof, commitments, 16, other)
    with pytest.raises(RangeProofError):
        verify_range_proof(proof, commitments, 16, Transcript(b"another domain"))


def test_a_proof_of_the_wrong_shape_is_refused_before_any_group_work(
    honest: tuple[RangeProof, list[bytes]],
) -> None:
    proof, commitments = honest
    with pytest.raises(RangeProofError, match="want 6 each"):
        verify(dataclasses.replace(proof, L=proof.L[:-1]), commitments, 16)
    with pytest.raises(RangeProofError, match="want 5 each"):
        verify(proof, commitments, 8)
    with pytest.raises(RangeProofError, match="power of two"):
        verify(proof, commitments[:3], 16)
    with pytest.raises(RangeProofError, match="bits per value"):
        check_shape(12, 4)


def test_folding_scalars_are_the_products_of_the_round_challenges() -> None:
    # s_i = prod_j x_j^(+1 if bit (k-j) of i is set else -1), written out for k = 3.
    x = [5, 11, 17]
    s = folding_scalars(x)
    for i in range(8):
        expected = 1
        for j in range(3):
            bit = (i >> (2 - j)) & 1
            expected = expected * (x[j] if bit else group.inverse(x[j])) % ORDER
        assert s[i] == expected

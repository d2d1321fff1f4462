"""Statements of any bit length k <= 64: a k that is not a power of two is proven at the next
power of two m with every value twice, v and v + 2^m - 2^k, both in [0, 2^m) (Camenisch,
Chaabouni and shelat, ASIACRYPT 2008, section 4). Completeness at several k, soundness at
the boundary (2^k fails where 2^k - 1 passes), and the shifted commitments are the
verifier's own."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyledger.model.notifications import ZkLimitProofPayload
from treatyledger.zk import ristretto as group
from treatyledger.zk.generators import commit
from treatyledger.zk.limits import (
    CategoryInput,
    OverLimitError,
    ZkError,
    bounded_openings,
    prove_statement,
)
from treatyledger.zk.prover import prove_range
from treatyledger.zk.rangeproof import RangeProofError, verify_range_proof
from treatyledger.zk.transcript import Transcript
from treatyledger.zk.verifier import (
    LimitProof,
    LimitProofError,
    MalformedLimitProof,
    bounded_commitments,
    parse_limit_proof,
    range_bits,
    range_shift,
    range_values,
    verify_limit_proof,
)

from .helpers import seeded_random

DOMAIN = b"treatyledger/test/bits"


def make_proof(bits: int, values: dict[str, int], limit: int, seed: int = 1) -> LimitProof:
    proof, _ = prove_statement(
        party="US",
        rule_set="new-start",
        as_of=dt.date(2018, 2, 5),
        by="facility",
        bits=bits,
        checkpoint=None,
        categories=[CategoryInput("deployed_warheads", limit, values)],
        random_bytes=seeded_random(seed),
    )
    return proof


def check(data: dict[str, Any]) -> None:
    verify_limit_proof(parse_limit_proof(json.loads(json.dumps(data))))


def test_the_range_proof_runs_at_the_next_power_of_two() -> None:
    assert [range_bits(k) for k in (1, 2, 3, 5, 8, 9, 12, 16, 17, 33, 64)] == [
        1, 2, 4, 8, 8, 16, 16, 16, 32, 64, 64,
    ]  # fmt: skip
    assert range_shift(12) == 2**16 - 2**12 and range_shift(16) == 0
    # 50 bases + slack, twice at k = 12: 102 values padded to 128; once at 16: 51 -> 64
    assert range_values(50, 12) == 128 and range_values(50, 16) == 64
    assert range_values(500, 12) == 1024 and range_values(0, 12) == 2
    for k in (0, 65, True):
        with pytest.raises(LimitProofError):
            range_bits(k)


@pytest.mark.parametrize("bits", [1, 3, 5, 12, 20, 33, 63])
def test_honest_proofs_verify_at_every_bit_length(bits: int) -> None:
    top = (1 << bits) - 1
    values = {"A": top // 3, "B": 0, "C": top // 3}
    check(make_proof(bits, values, limit=top).to_json())


@settings(max_examples=8, deadline=None)
@given(st.integers(1, 40), st.lists(st.integers(0, 2**40), max_size=4), st.integers(0, 2**40))
def test_random_statements_verify_exactly_when_within_the_limit(
    bits: int, raw: list[int], limit: int
) -> None:
    top = 1 << bits
    values = {f"B{i}": v % top for i, v in enumerate(raw)}
    limit %= top
    if sum(values.values()) > limit:
        return  # nothing true to prove; over-limit refusals are tested in test_limits
    check(make_proof(bits, values, limit, seed=bits).to_json())


def test_a_document_at_12_bits_carries_only_the_bases_commitments() -> None:
    """The shifted copies are derived by the verifier from each C_i, never supplied."""
    data = make_proof(12, {"A": 4094, "B": 1}, limit=4095).to_json()
    category = data["categories"][0]
    assert [b["base"] for b in category["bases"]] == ["A", "B"]
    assert set(category) == {"category", "limit", "bases", "proof"}
    # 3 values twice = 6, padded to 8, of 16 bits: 128 bits, 7 rounds
    assert len(category["proof"]["L"]) == 7
    check(data)
    ZkLimitProofPayload.model_validate({k: v for k, v in data.items() if k != "party"})


def test_k_is_bound_even_where_the_proof_keeps_its_shape() -> None:
    """12 and 11 bits are both proven at 16 with 2 (n + 1) values: the same shape, but the
    statement (and the shift the verifier applies) differs, so the proof fails."""
    data = make_proof(12, {"A": 1000, "B": 24}, limit=2000).to_json()
    check(data)
    changed = copy.deepcopy(data)
    changed["bits"] = 11
    with pytest.raises(LimitProofError, match="does not verify"):
        check(changed)


def test_a_limit_of_2_to_the_k_is_malformed_and_a_base_of_2_to_the_k_cannot_be_proven() -> None:
    data = make_proof(12, {"A": 7}, limit=4095).to_json()
    data["categories"][0]["limit"] = 4096
    with pytest.raises(MalformedLimitProof, match="limit"):
        parse_limit_proof(data)
    with pytest.raises(OverLimitError):  # any k-bit limit is below 2^k
        make_proof(12, {"A": 4096}, limit=4095)
    with pytest.raises(ZkError, match="bit length"):
        make_proof(65, {"A": 1}, limit=4095)


def _bounded(values: list[int], bits: int) -> tuple[list[int], list[int], list[bytes]]:
    blindings = [group.scalar_from_wide(bytes([i + 1]) * 64) for i in range(len(values))]
    commitments = [commit(v, r) for v, r in zip(values, blindings, strict=True)]
    padded_values, padded_blindings = bounded_openings(values, blindings, bits)
    return padded_values, padded_blindings, bounded_commitments(commitments, bits)


@pytest.mark.parametrize("bits", [5, 12, 20])
def test_2_to_the_k_minus_1_passes_and_2_to_the_k_fails(bits: int) -> None:
    """Soundness at the boundary, where the statement relies on it: the bounded commitments
    of a value v (v and v + 2^m - 2^k). The honest prover refuses 2^k (its shifted copy is
    2^m); a prover that proves the shifted copy's low m bits instead (as if it were in range)
    is caught by the verifier."""
    m = range_bits(bits)
    values, blindings, commitments = _bounded([(1 << bits) - 1, 3], bits)
    proof = prove_range(values, blindings, commitments, m, Transcript(DOMAIN), seeded_random(2))
    verify_range_proof(proof, commitments, m, Transcript(DOMAIN))

    values, blindings, commitments = _bounded([1 << bits, 3], bits)
    assert values[2] == 1 << m  # 2^k + 2^m - 2^k: out of [0, 2^m)
    with pytest.raises(RangeProofError, match="outside"):
        prove_range(values, blindings, commitments, m, Transcript(DOMAIN), seeded_random(3))
    cheat = [v % (1 << m) for v in values]  # the commitments still hold 2^m
    proof = prove_range(cheat, blindings, commitments, m, Transcript(DOMAIN), seeded_random(4))
    with pytest.raises(RangeProofError, match="does not verify"):
        verify_range_proof(proof, commitments, m, Transcript(DOMAIN))


def test_without_the_shifted_copies_2_to_the_k_would_pass() -> None:
    """The oracle for the test above: at m bits alone 2^k is in range, so it is the shifted
    copy that refuses it."""
    bits = 12
    m = range_bits(bits)
    blinding = 12345
    commitment = commit(1 << bits, blinding)
    values, blindings = [1 << bits, 0], [blinding, 0]
    commitments = [commitment, group.IDENTITY]
    proof = prove_range(values, blindings, commitments, m, Transcript(DOMAIN), seeded_random(5))
    verify_range_proof(proof, commitments, m, Transcript(DOMAIN))

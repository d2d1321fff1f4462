"""Statements of any bit length k <= 64: the range proof runs at the next power of two m
(Bulletproofs need bits per value a power of two), and the k-bit bound follows from the limit
statement itself: the limit is below 2^k, every value and the slack are in [0, 2^m) and add
up to the limit, so each is at most the limit. Completeness at several k, soundness at the
boundary (a base of 2^k, a negative base), and the limit check it rests on."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyledger.model.notifications import ZkLimitProofPayload
from treatyledger.zk.errors import OverLimitError, ZkError
from treatyledger.zk.generators import commit
from treatyledger.zk.limits import CategoryInput, padded_openings, prove_statement
from treatyledger.zk.prover import prove_range
from treatyledger.zk.rangeproof import verify_range_proof
from treatyledger.zk.ristretto import ORDER
from treatyledger.zk.verifier import (
    BaseCommitment,
    CategoryStatement,
    LimitProof,
    LimitProofError,
    LimitStatement,
    MalformedLimitProof,
    category_transcript,
    parse_limit_proof,
    range_bits,
    range_commitments,
    range_values,
    verify_limit_proof,
)

from .helpers import blindings_for, seeded_random


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
    # n bases + the slack, padded to a power of two, whatever k is: 50 -> 64, 500 -> 512
    assert [range_values(n) for n in (0, 1, 2, 3, 50, 63, 500, 2047)] == [
        1, 2, 4, 4, 64, 64, 512, 2048,
    ]  # fmt: skip
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


def test_a_12_bit_proof_has_the_shape_of_a_16_bit_one() -> None:
    """Only the bases' commitments and the proof: 3 values padded to 4, of 16 bits, are 64
    bits, 6 rounds, at k = 12 as at k = 16."""
    data = make_proof(12, {"A": 4094, "B": 1}, limit=4095).to_json()
    category = data["categories"][0]
    assert [b["base"] for b in category["bases"]] == ["A", "B"]
    assert set(category) == {"category", "limit", "bases", "proof"}
    assert len(category["proof"]["L"]) == 6
    wider = make_proof(16, {"A": 4094, "B": 1}, limit=4095).to_json()
    assert len(wider["categories"][0]["proof"]["L"]) == 6
    check(data)
    ZkLimitProofPayload.model_validate({k: v for k, v in data.items() if k != "party"})


def test_k_is_bound_where_the_proof_keeps_its_shape() -> None:
    """12, 11 and 16 bits are all proven at 16 bits per value, with the same shape: the
    statement's k is in the transcript, so the proof fails under another k."""
    data = make_proof(12, {"A": 1000, "B": 24}, limit=2000).to_json()
    check(data)
    for other in (11, 16):
        changed = copy.deepcopy(data)
        changed["bits"] = other
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


def _forged(bits: int, values: list[int], limit: int) -> LimitProof:
    """A statement committing to ``values`` (any integers, negative ones modulo the group
    order), and a range proof made by a cheating prover that proves each of its committed
    values and the slack reduced into [0, 2^m) (their low m bits), as if they were in range."""
    m = range_bits(bits)
    blindings = blindings_for(len(values), seed=bits)
    bases = tuple(
        BaseCommitment(f"B{i}", commit(v % ORDER, r))
        for i, (v, r) in enumerate(zip(values, blindings, strict=True))
    )
    category = CategoryStatement("deployed_warheads", limit, bases)
    statement = LimitStatement(
        "US", "new-start", dt.date(2018, 2, 5), "facility", bits, None, (category,)
    )
    slack = (limit - sum(values), -sum(blindings) % ORDER)
    opened, opened_blindings = padded_openings(
        [v % (1 << m) for v in [*values, slack[0]]], [*blindings, slack[1]]
    )
    proof = prove_range(
        opened,
        opened_blindings,
        range_commitments(category),
        m,
        category_transcript(statement, 0),
        seeded_random(7),
    )
    return LimitProof(statement, (proof,))


@pytest.mark.parametrize("bits", [5, 12, 20])
def test_a_base_of_2_to_the_k_or_a_negative_base_fails(bits: int) -> None:
    """Soundness at the boundary. The cheat's oracle first: with every value truly in range
    the same construction verifies. A base of 2^k under a limit of 2^k - 1 makes the slack -1;
    a negative base lets the others exceed the limit: either way a committed value is not in
    [0, 2^m), and the proof of its low bits fails."""
    top = (1 << bits) - 1
    verify_limit_proof(_forged(bits, [top, 0], limit=top))
    for values in ([1 << bits, 0], [-1, top], [top, -5, 5]):
        with pytest.raises(LimitProofError, match="does not verify"):
            verify_limit_proof(_forged(bits, values, limit=top))


def test_the_k_bit_bound_rests_on_the_limit_check() -> None:
    """Why the verifier refuses a limit of 2^k or more even for a statement built without
    the parser: with limit 2^k the range proof at m > k bits verifies a base of 2^k, which a
    k-bit statement must not hold."""
    bits = 12
    forged = _forged(bits, [1 << bits, 0], limit=1 << bits)
    category = forged.statement.categories[0]
    verify_range_proof(  # the range proof alone holds: 4096 is in [0, 2^16)
        forged.proofs[0],
        range_commitments(category),
        range_bits(bits),
        category_transcript(forged.statement, 0),
    )
    with pytest.raises(LimitProofError, match="not a 12-bit value"):
        verify_limit_proof(forged)
    with pytest.raises(LimitProofError, match="not a 12-bit value"):  # nor a negative limit
        negative = dataclasses.replace(category, limit=-1)
        statement = dataclasses.replace(forged.statement, categories=(negative,))
        verify_limit_proof(LimitProof(statement, forged.proofs))

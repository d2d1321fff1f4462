"""Limit proofs as zk_limit_proof notifications, and their binding to the log that carries
them."""

from __future__ import annotations

import datetime as dt

import pytest

from treatyledger.model.notifications import (
    MAX_ZK_BASES,
    MAX_ZK_CATEGORIES,
    ZK_BASE_PATTERN,
    ZK_RULE_ID_PATTERN,
    parse_notification,
)
from treatyledger.rules.schema import ID_PATTERN
from treatyledger.zk import verifier
from treatyledger.zk.limits import CategoryInput, prove_statement
from treatyledger.zk.published import check_log_binding, proof_of, proof_payload
from treatyledger.zk.verifier import Checkpoint, LimitProof, LimitProofError

from .helpers import seeded_random

ORIGIN = "treatyledger.example/US"
ROOT = bytes(range(32))


def proof(checkpoint: Checkpoint | None = Checkpoint(ORIGIN, 5, ROOT)) -> LimitProof:
    made, _ = prove_statement(
        party="US", rule_set="new-start", as_of=dt.date(2018, 2, 5), by="facility", bits=16,
        checkpoint=checkpoint, categories=[CategoryInput("deployed_warheads", 1550,
                                                         {"A": 700, "B": 2})],
        random_bytes=seeded_random(11),
    )  # fmt: skip
    return made


def notification(payload: dict[str, object], kind: str = "zk_limit_proof") -> object:
    return parse_notification({
        "party": "US", "sequence": 6, "kind": kind, "effective_time": "2018-02-06T00:00:00Z",
        "issued_time": "2018-02-06T00:00:00Z", "payload": payload,
    })  # fmt: skip


def test_the_payload_schema_uses_the_verifiers_own_bounds() -> None:
    assert ZK_BASE_PATTERN == verifier.BASE_PATTERN
    assert ZK_RULE_ID_PATTERN == ID_PATTERN
    assert (MAX_ZK_BASES, MAX_ZK_CATEGORIES) == (verifier.MAX_BASES, verifier.MAX_CATEGORIES)


@pytest.mark.parametrize("checkpoint", [Checkpoint(ORIGIN, 5, ROOT), None])
def test_a_proof_round_trips_through_its_notification(checkpoint: Checkpoint | None) -> None:
    original = proof(checkpoint)
    published = notification(proof_payload(original))
    again = parse_notification(published.to_json_dict())  # type: ignore[attr-defined]
    assert proof_of(again).to_json() == original.to_json()
    verifier.verify_limit_proof(proof_of(again))


def test_only_zk_limit_proof_notifications_carry_proofs() -> None:
    other = notification({"round_id": "R1", "commitment": "ab" * 32}, "randomness_commit")
    with pytest.raises(LimitProofError, match="expected zk_limit_proof"):
        proof_of(other)  # type: ignore[arg-type]


def test_the_binding_holds_a_proof_to_the_log_that_carries_it() -> None:
    bound = proof()
    check_log_binding(bound, ORIGIN, 5, lambda size: ROOT)  # its own entry is leaf 5
    with pytest.raises(LimitProofError, match=r"published in treatyledger\.example/RU"):
        check_log_binding(bound, "treatyledger.example/RU", 5, lambda size: ROOT)
    with pytest.raises(LimitProofError, match="after its own entry 4"):
        check_log_binding(bound, ORIGIN, 4, lambda size: ROOT)
    with pytest.raises(LimitProofError, match="root differs"):
        check_log_binding(bound, ORIGIN, 5, lambda size: bytes(32))
    with pytest.raises(LimitProofError, match="must be bound"):
        check_log_binding(proof(None), ORIGIN, 5, lambda size: ROOT)

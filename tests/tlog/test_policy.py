"""C2SP tlog-policy files: parsing (the spec's rules, one refusal each) and quorums of
Ed25519 and ML-DSA-44 cosignatures, k of n and nested, checked on real signed notes."""

from __future__ import annotations

import pytest

from treatyledger.tlog.checkpoint import Checkpoint, sign_checkpoint
from treatyledger.tlog.cosignature import cosign, cosigner_from_seed
from treatyledger.tlog.note import MLDSASigner
from treatyledger.tlog.verifier import PolicyError, parse_policy

from .keys import LOG_ORIGIN, LOG_SIGNER, test_seed

ED = [cosigner_from_seed(f"w.example/ed{i}", test_seed(f"policy ed {i}")) for i in range(3)]
PQ = [MLDSASigner.from_seed(f"w.example/pq{i}", test_seed(f"policy pq {i}")) for i in range(2)]


def policy_text(quorum: str, groups: str = "") -> str:
    lines = [f"log {LOG_SIGNER.verifier_key()} https://log.example/"]
    lines += [f"witness E{i} {w.verifier_key()}" for i, w in enumerate(ED)]
    lines += [f"\twitness   P{i} {w.verifier_key()}  " for i, w in enumerate(PQ)]
    return "\n".join([*lines, "", "# groups", groups, f"quorum {quorum}", ""])


def note_cosigned_by(*signers: object) -> str:
    note = sign_checkpoint(Checkpoint(LOG_ORIGIN, 5, bytes(range(32))), LOG_SIGNER)
    for i, signer in enumerate(signers):
        note = cosign(note, signer, 1_700_000_000 + i)  # type: ignore[arg-type]
    return note


def test_spec_shaped_policy_with_nested_groups() -> None:
    policy = parse_policy(
        policy_text("both", "group ed 2 E0 E1 E2\ngroup pq any P0 P1\ngroup both all ed pq")
    )
    assert [g.threshold for g in policy.groups] == [2, 1, 2]
    assert policy.urls[0][1] == "https://log.example/"
    policy.verify_checkpoint(note_cosigned_by(ED[0], ED[2], PQ[1]))
    with pytest.raises(PolicyError, match="does not meet the quorum 'both'"):
        policy.verify_checkpoint(note_cosigned_by(ED[0], PQ[0]))  # one Ed25519 of the two
    with pytest.raises(PolicyError, match="quorum"):
        policy.verify_checkpoint(note_cosigned_by(ED[0], ED[1]))  # no post-quantum one


def test_quorum_none_needs_only_the_log() -> None:
    parse_policy(policy_text("none")).verify_checkpoint(note_cosigned_by())


def test_single_witness_quorum() -> None:
    policy = parse_policy(policy_text("P0"))
    policy.verify_checkpoint(note_cosigned_by(PQ[0]))
    with pytest.raises(PolicyError):
        policy.verify_checkpoint(note_cosigned_by(PQ[1], ED[0]))


def test_checkpoint_of_an_unlisted_log_is_refused() -> None:
    other = sign_checkpoint(Checkpoint("other.example/log", 1, bytes(32)), LOG_SIGNER)
    with pytest.raises(PolicyError, match="no log with origin"):
        parse_policy(policy_text("none")).verify_checkpoint(other)


@pytest.mark.parametrize(
    ("groups", "quorum", "message"),
    [
        ("group g 2 E0 X", "g", "not defined above"),
        ("group g 4 E0 E1 E2", "g", "not in 1..3"),
        ("group g 0 E0", "g", "not in 1..1"),
        ("group g 02 E0 E1", "g", "leading zeroes"),
        ("group g any E0\ngroup h any E0", "g", "member twice"),
        ("group E0 any E1", "E0", "reserved or taken"),
        ("group none any E1", "E1", "reserved or taken"),
        ("", "nobody", "not defined above"),
        ("quorum E0", "E1", "second quorum"),
        ("frobnicate E0", "E0", "cannot read"),
    ],
)
def test_malformed_policies_are_refused(groups: str, quorum: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_policy(policy_text(quorum, groups))


def test_policy_without_quorum_is_refused() -> None:
    with pytest.raises(PolicyError, match="no quorum"):
        parse_policy(f"log {LOG_SIGNER.verifier_key()}\n")


def test_duplicate_key_and_wrong_key_types_are_refused() -> None:
    with pytest.raises(PolicyError, match="listed twice"):
        parse_policy(policy_text("none") + f"witness again {ED[0].verifier_key()}\n")
    with pytest.raises(PolicyError, match="type 0x04 or 0x06"):
        parse_policy(f"witness L {LOG_SIGNER.verifier_key()}\nquorum none\n")
    with pytest.raises(PolicyError, match="type 0x01 or 0x06"):
        parse_policy(f"log {ED[0].verifier_key()}\nquorum none\n")


def test_control_characters_are_refused() -> None:
    with pytest.raises(PolicyError, match="control character"):
        parse_policy("quorum none\r\n")

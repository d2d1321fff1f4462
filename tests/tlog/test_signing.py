"""Checkpoints, cosignatures and tlog-proof bundles signed by us and verified by the
standalone verifier."""

from __future__ import annotations

import base64

import pytest

from treatyledger.tlog.checkpoint import Checkpoint, origin_for_party, sign_checkpoint
from treatyledger.tlog.cosignature import cosign
from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.note import NoteError, NoteSigner
from treatyledger.tlog.verifier import (
    CheckpointError,
    ProofError,
    SignatureError,
    TlogProof,
    VerificationError,
    verify_checkpoint,
    verify_tlog_proof,
)

from .keys import LOG_ORIGIN, LOG_SIGNER, WITNESS_A, WITNESS_B, test_seed


def signed_log(size: int = 10) -> tuple[MemoryLog, str]:
    log = MemoryLog()
    log.append_many([f"notification {i}".encode() for i in range(size)])
    return log, sign_checkpoint(Checkpoint(LOG_ORIGIN, log.size, log.root()), LOG_SIGNER)


def test_origin_of_a_party_log() -> None:
    assert origin_for_party("US") == "treatyledger.example/US"


def test_origin_refuses_spaces() -> None:
    with pytest.raises(CheckpointError):
        origin_for_party("U S")


def test_signed_checkpoint_verifies_with_the_log_key() -> None:
    log, note = signed_log()
    verified = verify_checkpoint(note, LOG_SIGNER.verifier_key())
    assert verified.checkpoint == Checkpoint(LOG_ORIGIN, 10, log.root())


def test_checkpoint_signed_by_another_key_is_rejected() -> None:
    _, note = signed_log()
    other = NoteSigner.from_seed(LOG_ORIGIN, test_seed("impostor"))
    with pytest.raises(SignatureError):
        verify_checkpoint(note, other.verifier_key())


def test_key_name_need_not_be_the_origin_but_an_expected_origin_is_checked() -> None:
    # tlog-checkpoint: the key name SHOULD match the origin; a verifier told which log it
    # expects checks the origin itself.
    signer = NoteSigner.from_seed("elsewhere.example/US", test_seed("x"))
    note = sign_checkpoint(Checkpoint(LOG_ORIGIN, 0, bytes(32)), signer)
    verified = verify_checkpoint(note, signer.verifier_key(), origin=LOG_ORIGIN)
    assert verified.checkpoint.origin == LOG_ORIGIN
    with pytest.raises(CheckpointError, match=r"expected log 'treatyledger\.example/RU'"):
        verify_checkpoint(note, signer.verifier_key(), origin=origin_for_party("RU"))


@pytest.mark.parametrize("line", [0, 1, 2])
def test_any_changed_checkpoint_line_breaks_the_signature(line: int) -> None:
    _, note = signed_log()
    lines = note.split("\n")
    lines[line] = lines[line][:-1] + ("1" if lines[line][-1] != "1" else "2")
    with pytest.raises(VerificationError):
        verify_checkpoint("\n".join(lines), LOG_SIGNER.verifier_key())


def test_cosignature_verifies_with_its_timestamp() -> None:
    _, note = signed_log()
    cosigned = cosign(cosign(note, WITNESS_A, 1_700_000_000), WITNESS_B, 1_700_000_005)
    verified = verify_checkpoint(
        cosigned, LOG_SIGNER.verifier_key(), [WITNESS_A.verifier_key(), WITNESS_B.verifier_key()]
    )
    assert {(c.name, c.timestamp) for c in verified.cosignatures} == {
        (WITNESS_A.name, 1_700_000_000),
        (WITNESS_B.name, 1_700_000_005),
    }


def test_cosignature_with_altered_timestamp_is_rejected() -> None:
    _, note = signed_log()
    cosigned = cosign(note, WITNESS_A, 1_700_000_000)
    forged = cosign(note, WITNESS_A, 1_700_000_001)
    # splice the second signature bytes under the first line's timestamp: must not verify
    good_line = cosigned.rstrip("\n").split("\n")[-1]
    other_line = forged.rstrip("\n").split("\n")[-1]
    blob_good = base64.b64decode(good_line.split(" ")[-1])
    blob_other = base64.b64decode(other_line.split(" ")[-1])
    spliced = blob_good[:12] + blob_other[12:]
    line = good_line.rsplit(" ", 1)[0] + " " + base64.b64encode(spliced).decode()
    with pytest.raises(SignatureError, match="invalid signature"):
        verify_checkpoint(note + line + "\n", LOG_SIGNER.verifier_key(), [WITNESS_A.verifier_key()])


def test_cosignature_key_cannot_sign_as_a_note_key() -> None:
    with pytest.raises(NoteError):
        sign_checkpoint(Checkpoint(WITNESS_A.name, 0, bytes(32)), WITNESS_A)


def test_tlog_proof_bundle_verifies_the_leaf() -> None:
    log, note = signed_log(37)
    bundle = TlogProof(12, tuple(log.inclusion_proof(12)), note).text()
    verified = verify_tlog_proof(bundle, b"notification 12", LOG_SIGNER.verifier_key())
    assert verified.checkpoint.size == 37


def test_tlog_proof_bundle_for_another_leaf_fails() -> None:
    log, note = signed_log(37)
    bundle = TlogProof(12, tuple(log.inclusion_proof(12)), note).text()
    with pytest.raises(ProofError):
        verify_tlog_proof(bundle, b"notification 13", LOG_SIGNER.verifier_key())

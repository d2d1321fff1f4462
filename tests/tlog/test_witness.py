"""Witnessing and equivocation: a log that shows two different trees is caught, with
evidence that verifies offline; forged evidence does not."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from treatyledger.cli import main
from treatyledger.tlog.checkpoint import Checkpoint, sign_checkpoint
from treatyledger.tlog.errors import ConflictError, EquivocationError, WitnessError
from treatyledger.tlog.evidence import evidence_json, inconsistency_evidence
from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.verifier import EvidenceError, verify_checkpoint, verify_evidence
from treatyledger.tlog.witness import Witness

from .keys import LOG_ORIGIN, LOG_SIGNER, WITNESS_A, WITNESS_B

LOG_KEY = LOG_SIGNER.verifier_key()


def fork(label: str, size: int, fork_at: int = 6) -> MemoryLog:
    """A log whose entries from ``fork_at`` on depend on ``label``: two labels, two trees."""
    log = MemoryLog()
    log.append_many(
        [
            f"entry {i}".encode() if i < fork_at else f"entry {i} {label}".encode()
            for i in range(size)
        ]
    )
    return log


def checkpoint_of(log: MemoryLog, size: int) -> str:
    return sign_checkpoint(Checkpoint(LOG_ORIGIN, size, log.root(size)), LOG_SIGNER)


def witness(cosigner: Any = WITNESS_A) -> Witness:
    return Witness(cosigner, [LOG_KEY])


def test_first_checkpoint_is_cosigned() -> None:
    log = fork("a", 10)
    w = witness()
    note = checkpoint_of(log, 10)
    line = w.add_checkpoint(note, [], now=1_700_000_000, old_size=0)
    verified = verify_checkpoint(note + line, LOG_KEY, [WITNESS_A.verifier_key()])
    assert [c.timestamp for c in verified.cosignatures] == [1_700_000_000]


def test_consistent_extension_is_cosigned_and_remembered() -> None:
    log = fork("a", 25)
    w = witness()
    w.add_checkpoint(checkpoint_of(log, 10), [], now=1)
    w.add_checkpoint(checkpoint_of(log, 25), log.consistency_proof(10, 25), now=2, old_size=10)
    latest = w.latest(LOG_ORIGIN)
    assert latest is not None and latest.size == 25


def test_extension_with_a_bad_proof_is_refused_without_evidence() -> None:
    log = fork("a", 25)
    w = witness()
    w.add_checkpoint(checkpoint_of(log, 10), [], now=1)
    proof = log.consistency_proof(10, 25)
    proof[1] = bytes(32)
    with pytest.raises(WitnessError, match="does not verify") as caught:
        w.add_checkpoint(checkpoint_of(log, 25), proof, now=2)
    assert not isinstance(caught.value, EquivocationError)
    assert w.latest(LOG_ORIGIN).size == 10  # type: ignore[union-attr]


def test_wrong_old_size_is_a_conflict() -> None:
    log = fork("a", 25)
    w = witness()
    w.add_checkpoint(checkpoint_of(log, 10), [], now=1)
    with pytest.raises(ConflictError) as caught:
        w.add_checkpoint(checkpoint_of(log, 25), log.consistency_proof(10, 25), now=2, old_size=8)
    assert caught.value.expected_size == 10


def test_unknown_log_is_refused() -> None:
    with pytest.raises(WitnessError, match="unknown log"):
        Witness(WITNESS_A, []).add_checkpoint(checkpoint_of(fork("a", 3), 3), [], now=1)


def test_same_size_different_root_is_equivocation_with_evidence() -> None:
    w = witness()
    w.add_checkpoint(checkpoint_of(fork("a", 10), 10), [], now=1)
    with pytest.raises(EquivocationError) as caught:
        w.add_checkpoint(checkpoint_of(fork("b", 10), 10), [], now=2)
    summary = verify_evidence(evidence_json(caught.value.evidence), LOG_KEY)
    assert summary.first.size == summary.second.size == 10


def test_two_verifiers_shown_two_trees_catch_the_log_with_offline_evidence(
    tmp_path: Path,
) -> None:
    tree_a, tree_b = fork("a", 10), fork("b", 20)
    verifier_a, verifier_b = witness(WITNESS_A), witness(WITNESS_B)
    verifier_a.add_checkpoint(checkpoint_of(tree_a, 10), [], now=1)
    verifier_b.add_checkpoint(checkpoint_of(tree_b, 20), [], now=1)
    # B gossips its checkpoint to A; the log (serving tree B) proves 10 -> 20 in tree B.
    with pytest.raises(EquivocationError) as caught:
        verifier_a.compare(checkpoint_of(tree_b, 20), tree_b.consistency_proof(10, 20))
    text = evidence_json(caught.value.evidence)
    summary = verify_evidence(json.loads(text), LOG_KEY)
    assert (summary.first.size, summary.second.size) == (10, 20)
    assert "first 10 leaves" in summary.reason
    evidence_file = tmp_path / "equivocation.json"
    evidence_file.write_text(text)
    assert main(["log", "verify-evidence", str(evidence_file), "--vkey", str(LOG_KEY)]) == 0


def test_consistent_checkpoints_are_not_evidence() -> None:
    log = fork("a", 20)
    with pytest.raises(EvidenceError, match="prefix"):
        inconsistency_evidence(
            LOG_KEY,
            checkpoint_of(log, 10),
            checkpoint_of(log, 20),
            log.root(10),
            log.consistency_proof(10, 20),
        )


def _evidence() -> dict[str, Any]:
    w = witness()
    w.add_checkpoint(checkpoint_of(fork("a", 10), 10), [], now=1)
    with pytest.raises(EquivocationError) as caught:
        w.add_checkpoint(
            checkpoint_of(fork("b", 20), 20), fork("b", 20).consistency_proof(10, 20), now=2
        )
    return caught.value.evidence


def test_evidence_with_an_edited_checkpoint_is_rejected() -> None:
    evidence = _evidence()
    lines = evidence["checkpoint_a"].split("\n")
    lines[2] = base64.b64encode(fork("b", 10).root()).decode()
    evidence["checkpoint_a"] = "\n".join(lines)
    with pytest.raises(EvidenceError, match="does not verify"):
        verify_evidence(evidence, LOG_KEY)


def test_evidence_with_a_forged_prefix_root_is_rejected() -> None:
    evidence = _evidence()
    evidence["consistency"]["prefix_root"] = base64.b64encode(bytes(32)).decode()
    with pytest.raises(EvidenceError, match="consistency proof does not verify"):
        verify_evidence(evidence, LOG_KEY)


def test_evidence_for_another_key_is_rejected_when_a_key_is_trusted() -> None:
    evidence = _evidence()
    with pytest.raises(EvidenceError, match="not the trusted key"):
        verify_evidence(evidence, WITNESS_A.verifier_key())


def test_evidence_that_is_not_json_is_rejected() -> None:
    with pytest.raises(EvidenceError, match="not JSON"):
        verify_evidence("{not json", LOG_KEY)

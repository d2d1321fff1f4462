"""TreatyLedger equivocation evidence: two checkpoints signed by one log key that cannot
both describe one append-only log."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from ._errors import EvidenceError, NoteError, ProofError, VerificationError
from .checkpoints import Checkpoint, verify_checkpoint
from .notes import VerifierKey, parse_vkey
from .proofs import RFC6962, verify_consistency

EVIDENCE_FORMAT = "treatyledger/tlog-equivocation/v1"
MAX_EVIDENCE_BYTES = 1 << 20


@dataclass(frozen=True)
class EvidenceSummary:
    """What verified evidence proves: the log key signed ``first`` and ``second``, which
    cannot both be checkpoints of one append-only log."""

    log_key: VerifierKey
    first: Checkpoint
    second: Checkpoint
    reason: str


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise EvidenceError(f"{what}: expected a base64 string, found {type(value).__name__}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EvidenceError(f"{what}: not base64") from exc


def _evidence_document(data: bytes | str | dict[str, Any]) -> dict[str, Any]:
    """The evidence JSON object with its format and string fields checked."""
    if isinstance(data, bytes | str):
        if len(data) > MAX_EVIDENCE_BYTES:
            raise EvidenceError(f"evidence is {len(data)} bytes, at most {MAX_EVIDENCE_BYTES}")
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise EvidenceError(f"evidence is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise EvidenceError("evidence: expected a JSON object")
    if data.get("format") != EVIDENCE_FORMAT:
        raise EvidenceError(
            f"evidence: format must be {EVIDENCE_FORMAT!r}, found {data.get('format')!r}"
        )
    for key in ("log_vkey", "checkpoint_a", "checkpoint_b"):
        if not isinstance(data.get(key), str):
            raise EvidenceError(f"evidence: {key} must be a string")
    return data


def verify_evidence(
    data: bytes | str | dict[str, Any], trusted_log_key: VerifierKey | None = None
) -> EvidenceSummary:
    """Verify an equivocation evidence document offline.

    Format (JSON object): ``format`` = EVIDENCE_FORMAT, ``log_vkey``, ``checkpoint_a`` and
    ``checkpoint_b`` (signed notes), and for checkpoints of different sizes ``consistency``
    = {``prefix_root``: base64, ``proof``: [base64, ...]}: a consistency proof from the
    smaller size to the larger checkpoint's root, proving the larger tree's prefix root is
    ``prefix_root``, which differs from the smaller checkpoint's root. Equal sizes need
    different roots. If ``trusted_log_key`` is given the evidence must name exactly it.
    """
    data = _evidence_document(data)
    try:
        log_key = parse_vkey(data["log_vkey"])
    except NoteError as exc:
        raise EvidenceError(f"evidence: {exc}") from exc
    if trusted_log_key is not None and log_key != trusted_log_key:
        raise EvidenceError(
            f"evidence names log key {log_key}, not the trusted key {trusted_log_key}"
        )
    try:
        a = verify_checkpoint(data["checkpoint_a"], log_key).checkpoint
        b = verify_checkpoint(data["checkpoint_b"], log_key).checkpoint
    except VerificationError as exc:
        raise EvidenceError(f"evidence: a checkpoint does not verify: {exc}") from exc
    small, large = (a, b) if a.size <= b.size else (b, a)
    if small.size == large.size:
        if small.root == large.root:
            raise EvidenceError(f"evidence: both checkpoints have size {a.size} and the same root")
        return EvidenceSummary(log_key, a, b, f"two different roots signed for size {a.size}")
    consistency = data.get("consistency")
    if not isinstance(consistency, dict):
        raise EvidenceError("evidence: checkpoints of different sizes need a consistency object")
    prefix_root = _b64(consistency.get("prefix_root"), "consistency.prefix_root")
    raw_proof = consistency.get("proof")
    if not isinstance(raw_proof, list) or len(raw_proof) > 128:
        raise EvidenceError("evidence: consistency.proof must be a list of at most 128 hashes")
    proof = [_b64(h, f"consistency.proof[{i}]") for i, h in enumerate(raw_proof)]
    if small.size == 0:
        raise EvidenceError("evidence: an empty tree is a prefix of every tree")
    try:
        verify_consistency(RFC6962, small.size, large.size, proof, prefix_root, large.root)
    except ProofError as exc:
        raise EvidenceError(f"evidence: consistency proof does not verify: {exc}") from exc
    if prefix_root == small.root:
        raise EvidenceError(
            f"evidence: the size-{small.size} checkpoint is a prefix of the size-{large.size} one"
        )
    return EvidenceSummary(
        log_key,
        a,
        b,
        f"the size-{large.size} tree's first {small.size} leaves hash to {prefix_root.hex()}, "
        f"but the log signed {small.root.hex()} for size {small.size}",
    )

"""Equivocation evidence: two checkpoints signed by one log key that cannot both describe
one append-only log, in a self-contained JSON document anyone can verify offline with
``treatyledger.tlog.verifier.verify_evidence`` (or ``treatyledger log verify-evidence``).

Two kinds: same size with different roots; or sizes m < n where a consistency proof that
verifies against the size-n root shows the first m leaves hash to a root other than the
signed size-m root.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from treatyledger.tlog.verifier import (
    EVIDENCE_FORMAT,
    EvidenceError,
    EvidenceSummary,
    VerifierKey,
    verify_evidence,
)

__all__ = [
    "EVIDENCE_FORMAT",
    "EvidenceError",
    "EvidenceSummary",
    "evidence_json",
    "inconsistency_evidence",
    "same_size_evidence",
    "verify_evidence",
]


def same_size_evidence(log_key: VerifierKey, note_a: str, note_b: str) -> dict[str, Any]:
    """Evidence that the log signed two roots for one size; checked before it is returned."""
    evidence: dict[str, Any] = {
        "format": EVIDENCE_FORMAT,
        "log_vkey": str(log_key),
        "checkpoint_a": note_a,
        "checkpoint_b": note_b,
    }
    verify_evidence(evidence, log_key)
    return evidence


def inconsistency_evidence(
    log_key: VerifierKey,
    note_smaller: str,
    note_larger: str,
    prefix_root: bytes,
    proof: Sequence[bytes],
) -> dict[str, Any]:
    """Evidence that the larger checkpoint's tree does not extend the smaller one: ``proof``
    is a consistency proof from (smaller size, ``prefix_root``) to the larger checkpoint."""
    evidence: dict[str, Any] = {
        "format": EVIDENCE_FORMAT,
        "log_vkey": str(log_key),
        "checkpoint_a": note_smaller,
        "checkpoint_b": note_larger,
        "consistency": {
            "prefix_root": base64.b64encode(prefix_root).decode(),
            "proof": [base64.b64encode(h).decode() for h in proof],
        },
    }
    verify_evidence(evidence, log_key)
    return evidence


def evidence_json(evidence: dict[str, Any]) -> str:
    """The evidence file's text: stable key order, one trailing newline."""
    return json.dumps(evidence, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

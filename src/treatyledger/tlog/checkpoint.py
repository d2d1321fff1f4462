"""C2SP tlog-checkpoints (https://c2sp.org/tlog-checkpoint): building and signing; parsing
and verification are the standalone verifier's (re-exported here)."""

from __future__ import annotations

from collections.abc import Sequence

from treatyledger.tlog.note import Signer, sign_note
from treatyledger.tlog.verifier import (
    Checkpoint,
    CheckpointError,
    VerifiedCheckpoint,
    parse_checkpoint,
    verify_checkpoint,
)

__all__ = [
    "DEFAULT_NAMESPACE",
    "Checkpoint",
    "CheckpointError",
    "VerifiedCheckpoint",
    "origin_for_party",
    "parse_checkpoint",
    "sign_checkpoint",
    "verify_checkpoint",
]

DEFAULT_NAMESPACE = "treatyledger.example"


def origin_for_party(party_id: str, namespace: str = DEFAULT_NAMESPACE) -> str:
    """The log id of a party's log: its checkpoint origin line and log key name,
    e.g. ``treatyledger.example/US``."""
    origin = f"{namespace}/{party_id}"
    if not party_id or "+" in origin or any(ch.isspace() or ord(ch) < 0x20 for ch in origin):
        raise CheckpointError(
            f"party id {party_id!r} cannot form an origin line (no spaces or '+')"
        )
    return origin


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer | Sequence[Signer]) -> str:
    """The signed note of ``checkpoint`` by an Ed25519 (0x01) or ML-DSA-44 (0x06) log key, or
    by several (a line each, in order). The key name SHOULD be the origin (TreatyLedger's
    logs do that), but need not be."""
    text = checkpoint.text()
    parse_checkpoint(text)
    return sign_note(text, list(signer) if isinstance(signer, Sequence) else [signer])

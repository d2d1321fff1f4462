"""C2SP tlog-cosignatures (https://c2sp.org/tlog-cosignature): Ed25519 ``cosignature/v1``
(a NoteSigner of type 0x04) and ML-DSA-44 ``subtree/v1`` (an MLDSASigner, type 0x06), both
with a timestamp. Verification is the standalone verifier's."""

from __future__ import annotations

from treatyledger.tlog.note import (
    MLDSASigner,
    NoteError,
    NoteSigner,
    Signer,
    add_signature_lines,
    parse_note,
)
from treatyledger.tlog.verifier import (
    SIG_TYPE_COSIGNATURE,
    Cosignature,
    cosignature_message,
    parse_checkpoint,
)

__all__ = ["Cosignature", "cosign", "cosignature_line", "cosigner_from_seed"]


def cosigner_from_seed(name: str, seed: bytes) -> NoteSigner:
    return NoteSigner.from_seed(name, seed, SIG_TYPE_COSIGNATURE)


def cosignature_line(cosigner: Signer, checkpoint_text: str, timestamp: int) -> str:
    """The signature line by which ``cosigner`` states it saw ``checkpoint_text`` (the
    checkpoint note body, exactly as received) as the largest consistent tree at
    ``timestamp`` (POSIX seconds)."""
    if not 0 <= timestamp < 1 << 63:
        raise NoteError(f"timestamp {timestamp} is outside 0 .. 2^63 - 1")
    if isinstance(cosigner, MLDSASigner):
        return cosigner.signature_line(cosigner.sign_checkpoint_text(checkpoint_text, timestamp))
    if cosigner.sig_type != SIG_TYPE_COSIGNATURE:
        raise NoteError(f"cosigner {cosigner.name} has type {cosigner.sig_type}, want 0x04 or 0x06")
    parse_checkpoint(checkpoint_text)
    signature = cosigner.sign(cosignature_message(checkpoint_text, timestamp))
    return cosigner.signature_line(timestamp.to_bytes(8, "big") + signature)


def cosign(signed_checkpoint: str, cosigner: Signer, timestamp: int) -> str:
    """``signed_checkpoint`` with the cosigner's line appended. The caller must have checked
    consistency first (treatyledger.tlog.witness does)."""
    text = parse_note(signed_checkpoint).text
    return add_signature_lines(signed_checkpoint, [cosignature_line(cosigner, text, timestamp)])

"""C2SP tlog-checkpoints and tlog-proof bundles (an entry's inclusion proof with the signed
checkpoint)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass, field

from ._errors import CheckpointError, ProofError, SignatureError, VerificationError
from .notes import (
    SIG_TYPE_ED25519,
    SIG_TYPE_MLDSA44,
    Cosignature,
    VerifiedNote,
    VerifierKey,
    verify_note,
)
from .proofs import RFC6962, parse_decimal, verify_inclusion


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP tlog-checkpoint body: origin, tree size, root hash, optional extension lines.
    A parsed checkpoint keeps the text it was parsed from: ``text()`` gives those bytes back
    (a cosigner signs what it received, never a re-serialisation that could differ, e.g. in
    base64 padding bits)."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()
    body: str | None = field(default=None, compare=False, repr=False)

    def text(self) -> str:
        if self.body is not None:
            return self.body
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint note text (without signatures). The origin is any non-empty line
    (clients MUST NOT assume its format); any number of non-empty extension lines follow."""
    if not text.endswith("\n"):
        raise CheckpointError("checkpoint: text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError(
            f"checkpoint: expected origin, size and root lines, found {len(lines)}"
        )
    origin, size_line, root_line, *extensions = lines
    if not origin:
        raise CheckpointError("checkpoint: the origin line is empty")
    size = parse_decimal(size_line, "checkpoint size", CheckpointError)
    if size >= 1 << 64:
        raise CheckpointError(f"checkpoint: size {size} exceeds 2^64 - 1")
    try:
        root = base64.b64decode(root_line, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CheckpointError(f"checkpoint: root is not base64: {root_line[:80]!r}") from exc
    if len(root) != 32:
        raise CheckpointError(f"checkpoint: root has {len(root)} bytes, want 32")
    if any(not line for line in extensions):
        raise CheckpointError("checkpoint: an extension line is empty")
    return Checkpoint(origin, size, root, tuple(extensions), text)


@dataclass(frozen=True)
class VerifiedCheckpoint:
    checkpoint: Checkpoint
    note: VerifiedNote
    cosignatures: tuple[Cosignature, ...]


def verify_checkpoint(
    message: bytes | str,
    log_key: VerifierKey,
    witness_keys: Iterable[VerifierKey] = (),
    *,
    origin: str | None = None,
) -> VerifiedCheckpoint:
    """Verify a signed checkpoint: the log key (Ed25519 0x01 or ML-DSA-44 0x06) must have
    signed it; cosignatures by the given witness keys must verify; others are ignored. The
    key name SHOULD be the origin, but need not be: given ``origin``, the checkpoint must be
    of that log."""
    if log_key.sig_type not in (SIG_TYPE_ED25519, SIG_TYPE_MLDSA44):
        raise SignatureError(
            f"log key {log_key.name} has type 0x{log_key.sig_type:02x}, want 0x01 or 0x06"
        )
    witness_keys = [k for k in witness_keys if k != log_key]
    note = verify_note(message, [log_key, *witness_keys])
    if not any(s.name == log_key.name and s.key_id == log_key.key_id for s in note.verified):
        raise SignatureError(
            f"checkpoint is not signed by the log key {log_key.name}+{log_key.key_id:08x}"
        )
    checkpoint = parse_checkpoint(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint of log {checkpoint.origin!r}, expected log {origin!r}")
    cosignatures = tuple(
        c for c in note.cosignatures if (c.name, c.key_id) != (log_key.name, log_key.key_id)
    )
    return VerifiedCheckpoint(checkpoint, note, cosignatures)


# --------------------------------------------------------------------------- tlog-proof

TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"


@dataclass(frozen=True)
class TlogProof:
    """A C2SP tlog-proof: a leaf index, its inclusion proof and the signed checkpoint."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint_note: str
    extra: bytes | None = None

    def text(self) -> str:
        lines = [TLOG_PROOF_HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines.extend(base64.b64encode(h).decode() for h in self.proof)
        return "\n".join(lines) + "\n\n" + self.checkpoint_note


def parse_tlog_proof(text: str) -> TlogProof:
    """Parse the C2SP tlog-proof layout (header, optional extra, index, proof hashes, a
    blank line, the checkpoint note)."""
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise ProofError("tlog-proof: no blank line before the checkpoint")
    lines = head.split("\n")
    if lines[0] != TLOG_PROOF_HEADER:
        raise ProofError(
            f"tlog-proof: expected header {TLOG_PROOF_HEADER!r}, found {lines[0][:80]!r}"
        )
    rest = lines[1:]
    extra = None
    if rest and rest[0].startswith("extra "):
        extra = _b64_or(rest.pop(0)[6:], ProofError, "tlog-proof extra")
    if not rest or not rest[0].startswith("index "):
        raise ProofError("tlog-proof: expected an 'index <decimal>' line")
    index = parse_decimal(rest[0][6:], "tlog-proof index")
    if len(rest) - 1 > 64:
        raise ProofError(f"tlog-proof: {len(rest) - 1} proof hashes, at most 64")
    proof = tuple(_b64_or(h, ProofError, "tlog-proof hash") for h in rest[1:])
    return TlogProof(index, proof, note, extra)


def _b64_or(value: str, error: type[VerificationError], what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise error(f"{what}: not base64: {value[:80]!r}") from exc


def verify_tlog_proof(
    text: str,
    leaf: bytes,
    log_key: VerifierKey,
    witness_keys: Iterable[VerifierKey] = (),
    *,
    origin: str | None = None,
) -> VerifiedCheckpoint:
    """Verify that ``leaf`` (the leaf bytes) is in the log at the proof's index, under a
    checkpoint signed by ``log_key``; returns the verified checkpoint and cosignatures."""
    bundle = parse_tlog_proof(text)
    verified = verify_checkpoint(bundle.checkpoint_note, log_key, witness_keys, origin=origin)
    checkpoint = verified.checkpoint
    verify_inclusion(
        RFC6962,
        bundle.index,
        checkpoint.size,
        RFC6962.hash_leaf(leaf),
        bundle.proof,
        checkpoint.root,
    )
    return verified

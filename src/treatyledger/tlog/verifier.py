"""The standalone TreatyLedger transparency-log verifier.

One module, Python standard library plus ``cryptography``: a third party may copy this file
out and check what a TreatyLedger node hands them without the rest of the system.

It verifies
- RFC 9162 section 2.1.3.2 inclusion proofs and section 2.1.4.2 consistency proofs over the
  RFC 6962 SHA-256 tree hash (leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || l || r)),
  with the edge semantics of transparency-dev/merkle ``proof/verify.go``;
- C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys in ``vkey`` form;
- C2SP tlog-checkpoints (https://c2sp.org/tlog-checkpoint) and Ed25519 tlog-cosignatures
  with timestamps (https://c2sp.org/tlog-cosignature);
- TreatyLedger equivocation evidence: two checkpoints signed by one log key that cannot both
  describe one append-only log.

Every function checks its preconditions first and raises a ``VerificationError`` subclass
that says what was expected and what was found. ``root_from_*`` functions compute; the
``verify_*`` functions compare, so the check itself is one line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

try:  # inside TreatyLedger the CLI reports these as one line; standalone they are Exceptions
    from treatyledger.errors import TreatyLedgerError as _ErrorBase
except ImportError:  # pragma: no cover - only when this file is copied out on its own
    _ErrorBase = Exception  # type: ignore[assignment,misc]

__all__ = [
    "EVIDENCE_FORMAT",
    "RFC6962",
    "SIG_TYPE_COSIGNATURE",
    "SIG_TYPE_ED25519",
    "Checkpoint",
    "CheckpointError",
    "Cosignature",
    "EvidenceError",
    "EvidenceSummary",
    "Hasher",
    "NoteError",
    "NoteSignature",
    "ParsedNote",
    "ProofError",
    "RootMismatchError",
    "Sha256Hasher",
    "SignatureError",
    "TlogProof",
    "VerificationError",
    "VerifiedCheckpoint",
    "VerifiedNote",
    "VerifierKey",
    "compute_key_id",
    "consistency_proof_roots",
    "cosignature_message",
    "decode_hash",
    "parse_checkpoint",
    "parse_note",
    "parse_tlog_proof",
    "parse_vkey",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "verify_checkpoint",
    "verify_consistency",
    "verify_evidence",
    "verify_inclusion",
    "verify_note",
    "verify_tlog_proof",
]


# --------------------------------------------------------------------------- errors


class VerificationError(_ErrorBase):
    """Something handed to the verifier is not what it claims to be."""

    exit_code = 1


class ProofError(VerificationError):
    """A proof or its parameters are invalid (wrong size, index out of range, bad hash)."""


class RootMismatchError(ProofError):
    """A proof computes a different root from the one expected."""

    def __init__(self, what: str, expected: bytes, calculated: bytes):
        self.expected = expected
        self.calculated = calculated
        super().__init__(
            f"{what} mismatch: calculated {calculated.hex()}, expected {expected.hex()}"
        )


class NoteError(VerificationError):
    """A signed note, verifier key or signature line is malformed."""


class SignatureError(VerificationError):
    """A signature does not verify, or no trusted key signed the note."""


class CheckpointError(VerificationError):
    """A checkpoint body is malformed or is not the expected log's."""


class EvidenceError(VerificationError):
    """An equivocation evidence file is malformed or does not prove equivocation."""


# --------------------------------------------------------------------------- hashing


class Hasher(Protocol):
    """The tree hash: RFC 6962 section 2.1 with a chosen hash function."""

    size: int

    def empty_root(self) -> bytes: ...

    def hash_leaf(self, data: bytes) -> bytes: ...

    def hash_children(self, left: bytes, right: bytes) -> bytes: ...


_sha256 = hashlib.sha256  # one global lookup per hash: appends are hash-bound


class Sha256Hasher:
    """RFC 6962 / RFC 9162 SHA-256 tree hash with domain-separation prefixes 0x00 and 0x01."""

    size = 32

    def empty_root(self) -> bytes:
        return _sha256(b"").digest()

    def hash_leaf(self, data: bytes) -> bytes:
        return _sha256(b"\x00" + data).digest()

    def hash_children(self, left: bytes, right: bytes) -> bytes:
        return _sha256(b"\x01" + left + right).digest()


RFC6962 = Sha256Hasher()


def decode_hash(text: str, *, what: str = "hash", size: int = 32) -> bytes:
    """A hash given as lowercase/uppercase hex or standard base64; raises ProofError."""
    text = text.strip()
    raw: bytes | None = None
    if len(text) == 2 * size:
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = None
    if raw is None:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ProofError(f"{what}: expected hex or base64, found {text[:80]!r}") from exc
    if len(raw) != size:
        raise ProofError(f"{what}: expected {size} bytes, found {len(raw)}")
    return raw


# --------------------------------------------------------------------------- proofs


def _check_hash(hasher: Hasher, value: bytes, what: str) -> None:
    if len(value) != hasher.size:
        raise ProofError(f"{what} has size {len(value)}, want {hasher.size}")


def _decompose_inclusion(index: int, size: int) -> tuple[int, int]:
    """Lengths of the inner and border parts of the proof for ``index`` in a tree of ``size``.

    The inner part is below the point where the paths to ``index`` and ``size - 1`` diverge;
    above it every sibling is a complete left subtree on the right border.
    """
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner, border


def _chain_inner(hasher: Hasher, seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        seed = (
            hasher.hash_children(seed, h)
            if (index >> i) & 1 == 0
            else hasher.hash_children(h, seed)
        )
    return seed


def _chain_inner_right(hasher: Hasher, seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    # Only left siblings: the hash of the same subtree as it was in the earlier tree.
    for i, h in enumerate(proof):
        if (index >> i) & 1 == 1:
            seed = hasher.hash_children(h, seed)
    return seed


def _chain_border_right(hasher: Hasher, seed: bytes, proof: Sequence[bytes]) -> bytes:
    for h in proof:
        seed = hasher.hash_children(h, seed)
    return seed


def root_from_inclusion_proof(
    hasher: Hasher, index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` implies for leaf ``index`` in a tree of ``size`` (RFC 9162
    2.1.3.2). Requires 0 <= index < size, a hash-sized leaf hash and proof of exact length."""
    if index < 0 or size < 0:
        raise ProofError(f"index {index} and size {size} must not be negative")
    if index >= size:
        raise ProofError(f"index is beyond size: {index} >= {size}")
    _check_hash(hasher, leaf_hash, "leaf hash")
    inner, border = _decompose_inclusion(index, size)
    if len(proof) != inner + border:
        raise ProofError(f"wrong proof size {len(proof)}, want {inner + border}")
    for i, h in enumerate(proof):
        _check_hash(hasher, h, f"proof[{i}]")
    root = _chain_inner(hasher, leaf_hash, proof[:inner], index)
    return _chain_border_right(hasher, root, proof[inner:])


def verify_inclusion(
    hasher: Hasher,
    index: int,
    size: int,
    leaf_hash: bytes,
    proof: Sequence[bytes],
    root: bytes,
) -> None:
    """Raise unless ``proof`` shows leaf ``index`` with ``leaf_hash`` in the tree ``root``."""
    calculated = root_from_inclusion_proof(hasher, index, size, leaf_hash, proof)
    if calculated != root:
        raise RootMismatchError("root", root, calculated)


def consistency_proof_roots(
    hasher: Hasher, size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> tuple[bytes, bytes]:
    """Both roots a consistency proof implies: (root of size1, root of size2), RFC 9162 2.1.4.2.

    When ``size1`` is not a power of two the first root comes from the proof alone; otherwise
    it is ``root1`` itself (the proof then omits it). Requires 0 < size1 < size2 and a proof
    of exact length; the equal-size case is handled by ``root_from_consistency_proof``.
    """
    if size1 <= 0 or size2 <= size1:
        raise ProofError(f"need 0 < size1 < size2, found size1 {size1}, size2 {size2}")
    if not proof:
        raise ProofError("empty proof")
    for i, h in enumerate(proof):
        _check_hash(hasher, h, f"proof[{i}]")
    inner, border = _decompose_inclusion(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1
    inner -= shift
    # The proof starts with the root of the size-2^shift subtree, unless that is root1 itself.
    if size1 == 1 << shift:
        seed, rest = root1, list(proof)
    else:
        seed, rest = proof[0], list(proof[1:])
    want = (len(proof) - len(rest)) + inner + border
    if len(proof) != want:
        raise ProofError(f"wrong proof size {len(proof)}, want {want}")
    mask = (size1 - 1) >> shift
    hash1 = _chain_inner_right(hasher, seed, rest[:inner], mask)
    hash1 = _chain_border_right(hasher, hash1, rest[inner:])
    hash2 = _chain_inner(hasher, seed, rest[:inner], mask)
    hash2 = _chain_border_right(hasher, hash2, rest[inner:])
    return hash1, hash2


def root_from_consistency_proof(
    hasher: Hasher, size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> bytes:
    """The root of size ``size2`` that ``proof`` implies, after checking it against ``root1``.

    Edge semantics (transparency-dev/merkle): size2 < size1 is an error; equal sizes need an
    empty proof and give root1; a proof from size 0 is an error; an empty proof for
    size1 < size2 is an error.
    """
    if size1 < 0 or size2 < 0:
        raise ProofError(f"sizes must not be negative, found {size1} and {size2}")
    if size2 < size1:
        raise ProofError(f"size2 ({size2}) < size1 ({size1})")
    _check_hash(hasher, root1, "root1")
    if size1 == size2:
        if proof:
            raise ProofError(f"size1 = size2 = {size1}, but the proof has {len(proof)} hashes")
        return root1
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    hash1, hash2 = consistency_proof_roots(hasher, size1, size2, proof, root1)
    if hash1 != root1:
        raise RootMismatchError("root1", root1, hash1)
    return hash2


def verify_consistency(
    hasher: Hasher,
    size1: int,
    size2: int,
    proof: Sequence[bytes],
    root1: bytes,
    root2: bytes,
) -> None:
    """Raise unless ``proof`` shows the tree (size1, root1) is a prefix of (size2, root2)."""
    _check_hash(hasher, root2, "root2")
    calculated = root_from_consistency_proof(hasher, size1, size2, proof, root1)
    if calculated != root2:
        raise RootMismatchError("root2", root2, calculated)


# --------------------------------------------------------------------------- signed notes

SIG_TYPE_ED25519 = 0x01  # C2SP signed-note Ed25519 signature
SIG_TYPE_COSIGNATURE = 0x04  # C2SP tlog-cosignature/v1, Ed25519 with timestamp
_SIG_PREFIX = "\u2014 "  # EM DASH, space
_MAX_SIGNATURES = 100  # golang.org/x/mod/sumdb/note; C2SP asks for at least 16
MAX_NOTE_BYTES = 1 << 20


def compute_key_id(name: str, sig_type: int, public_key: bytes) -> int:
    """C2SP key ID: SHA-256(name || 0x0A || type || public key)[:4] as a big-endian uint32."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _valid_key_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


@dataclass(frozen=True)
class VerifierKey:
    """A public key in C2SP ``vkey`` form: ``<name>+<hex key id>+<base64(type || key)>``."""

    name: str
    key_id: int
    sig_type: int
    public_key: bytes

    def __str__(self) -> str:
        blob = base64.b64encode(bytes([self.sig_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{blob}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def parse_vkey(text: str) -> VerifierKey:
    """Parse a verifier key; the key ID must match the one computed from name and key."""
    text = text.strip()
    parts = text.split("+", 2)  # base64 may contain "+"; names may not
    if len(parts) != 3:
        raise NoteError(f"vkey: expected name+keyid+key, found {text[:120]!r}")
    name, hex_id, blob = parts
    if not _valid_key_name(name):
        raise NoteError(f"vkey: invalid key name {name!r}")
    if len(hex_id) != 8 or any(c not in "0123456789abcdef" for c in hex_id):
        raise NoteError(f"vkey {name}: expected 8 lowercase hex digits of key ID, found {hex_id!r}")
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"vkey {name}: key is not base64") from exc
    if len(raw) != 33 or raw[0] not in (SIG_TYPE_ED25519, SIG_TYPE_COSIGNATURE):
        raise NoteError(
            f"vkey {name}: expected type 0x01 or 0x04 and a 32-byte Ed25519 key, "
            f"found {len(raw)} bytes of type 0x{raw[:1].hex() or '??'}"
        )
    key = VerifierKey(name, int(hex_id, 16), raw[0], raw[1:])
    computed = compute_key_id(name, raw[0], raw[1:])
    if computed != key.key_id:
        raise NoteError(f"vkey {name}: key ID {hex_id} does not match the key ({computed:08x})")
    return key


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note."""

    name: str
    key_id: int
    signature: bytes  # without the 4-byte key ID
    line: str  # the whole line, with the EM DASH and without the newline


@dataclass(frozen=True)
class ParsedNote:
    text: str  # ends with a newline
    signatures: tuple[NoteSignature, ...]


def parse_note(message: bytes | str) -> ParsedNote:
    """Split a signed note into text and signature lines, rejecting every malformed case of
    the signed-note spec and golang.org/x/mod/sumdb/note: invalid UTF-8, control characters,
    no blank line before the signatures, a non-signature line, a bad name or base64, a
    missing final newline, more than 100 signatures."""
    if isinstance(message, str):
        message = message.encode()
    if len(message) > MAX_NOTE_BYTES:
        raise NoteError(f"malformed note: {len(message)} bytes, at most {MAX_NOTE_BYTES}")
    try:
        msg = message.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError("malformed note: not valid UTF-8") from exc
    if any((ord(ch) < 0x20 and ch != "\n") for ch in msg):
        raise NoteError("malformed note: control character other than newline")
    split = msg.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line before the signatures")
    text, sigs = msg[: split + 1], msg[split + 2 :]
    if not sigs or not sigs.endswith("\n"):
        raise NoteError("malformed note: signature block missing or not newline-terminated")
    lines = sigs[:-1].split("\n")
    if len(lines) > _MAX_SIGNATURES:
        raise NoteError(f"malformed note: {len(lines)} signatures, at most {_MAX_SIGNATURES}")
    parsed = []
    for line in lines:
        if not line.startswith(_SIG_PREFIX):
            raise NoteError(f"malformed note: not a signature line: {line[:80]!r}")
        name, _, b64 = line[len(_SIG_PREFIX) :].partition(" ")
        try:
            blob = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            blob = b""
        if not _valid_key_name(name) or not b64 or len(blob) < 5:
            raise NoteError(f"malformed note: bad signature line {line[:80]!r}")
        parsed.append(NoteSignature(name, int.from_bytes(blob[:4], "big"), blob[4:], line))
    return ParsedNote(text, tuple(parsed))


@dataclass(frozen=True)
class Cosignature:
    """A verified tlog-cosignature: who, and when they say they saw the checkpoint."""

    name: str
    key_id: int
    timestamp: int


@dataclass(frozen=True)
class VerifiedNote:
    text: str
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]
    cosignatures: tuple[Cosignature, ...] = field(default=())


def cosignature_message(note_text: str, timestamp: int) -> bytes:
    """The bytes an Ed25519 tlog-cosignature/v1 signs (C2SP tlog-cosignature)."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + note_text.encode()


def verify_note(message: bytes | str, keys: Iterable[VerifierKey]) -> VerifiedNote:
    """Open a signed note with the trusted ``keys``.

    A signature by a trusted key that does not verify rejects the whole note; signatures by
    unknown keys are returned as unverified; a note with no verified signature is rejected.
    Keys of type 0x04 verify tlog-cosignatures (8-byte timestamp, then the signature).
    """
    note = parse_note(message)
    known = {(k.name, k.key_id): k for k in keys}
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    cosigs: list[Cosignature] = []
    seen: set[tuple[str, int]] = set()
    seen_unverified: set[str] = set()
    for sig in note.signatures:
        key = known.get((sig.name, sig.key_id))
        if key is None:
            if sig.line not in seen_unverified:
                seen_unverified.add(sig.line)
                unverified.append(sig)
            continue
        if (sig.name, sig.key_id) in seen:
            continue
        seen.add((sig.name, sig.key_id))
        label = f"{sig.name}+{sig.key_id:08x}"
        if key.sig_type == SIG_TYPE_COSIGNATURE:
            if len(sig.signature) != 72:
                raise SignatureError(
                    f"invalid signature for key {label}: cosignature of {len(sig.signature)} "
                    "bytes, want 8-byte timestamp + 64-byte signature"
                )
            timestamp = int.from_bytes(sig.signature[:8], "big")
            if timestamp >= 1 << 63 or not key.verify(
                cosignature_message(note.text, timestamp), sig.signature[8:]
            ):
                raise SignatureError(f"invalid signature for key {label}")
            cosigs.append(Cosignature(sig.name, sig.key_id, timestamp))
        elif not key.verify(note.text.encode(), sig.signature):
            raise SignatureError(f"invalid signature for key {label}")
        verified.append(sig)
    if not verified:
        raise SignatureError("note has no verifiable signatures")
    return VerifiedNote(note.text, tuple(verified), tuple(unverified), tuple(cosigs))


# --------------------------------------------------------------------------- checkpoints

MAX_EXTENSION_LINES = 16


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP tlog-checkpoint body: origin, tree size, root hash, optional extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint note text (without signatures)."""
    if not text.endswith("\n"):
        raise CheckpointError("checkpoint: text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError(
            f"checkpoint: expected origin, size and root lines, found {len(lines)}"
        )
    origin, size_line, root_line, *extensions = lines
    if not origin or origin != origin.strip():
        raise CheckpointError(f"checkpoint: empty or padded origin line {origin!r}")
    if (
        not size_line.isdigit()
        or not size_line.isascii()
        or (len(size_line) > 1 and size_line[0] == "0")
    ):
        raise CheckpointError(
            f"checkpoint: size must be a decimal without leading zeros, found {size_line!r}"
        )
    size = int(size_line)
    if size >= 1 << 64:
        raise CheckpointError(f"checkpoint: size {size} exceeds 2^64 - 1")
    try:
        root = base64.b64decode(root_line, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CheckpointError(f"checkpoint: root is not base64: {root_line[:80]!r}") from exc
    if len(root) != 32:
        raise CheckpointError(f"checkpoint: root has {len(root)} bytes, want 32")
    if len(extensions) > MAX_EXTENSION_LINES or any(not line for line in extensions):
        raise CheckpointError("checkpoint: empty extension line or too many extension lines")
    return Checkpoint(origin, size, root, tuple(extensions))


@dataclass(frozen=True)
class VerifiedCheckpoint:
    checkpoint: Checkpoint
    note: VerifiedNote
    cosignatures: tuple[Cosignature, ...]


def verify_checkpoint(
    message: bytes | str, log_key: VerifierKey, witness_keys: Iterable[VerifierKey] = ()
) -> VerifiedCheckpoint:
    """Verify a signed checkpoint: the log key (whose name must be the origin) must have
    signed it; cosignatures by the given witness keys must verify; others are ignored."""
    if log_key.sig_type != SIG_TYPE_ED25519:
        raise SignatureError(f"log key {log_key.name} has type {log_key.sig_type}, want 0x01")
    witness_keys = list(witness_keys)
    note = verify_note(message, [log_key, *witness_keys])
    if not any(s.name == log_key.name and s.key_id == log_key.key_id for s in note.verified):
        raise SignatureError(
            f"checkpoint is not signed by the log key {log_key.name}+{log_key.key_id:08x}"
        )
    checkpoint = parse_checkpoint(note.text)
    if checkpoint.origin != log_key.name:
        raise CheckpointError(
            f"checkpoint origin {checkpoint.origin!r} is not the log key name {log_key.name!r}"
        )
    return VerifiedCheckpoint(checkpoint, note, note.cosignatures)


# --------------------------------------------------------------------------- evidence

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
    if not rest or not rest[0].startswith("index ") or not rest[0][6:].isdigit():
        raise ProofError("tlog-proof: expected an 'index <decimal>' line")
    index = int(rest[0][6:])
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
) -> VerifiedCheckpoint:
    """Verify that ``leaf`` (the leaf bytes) is in the log at the proof's index, under a
    checkpoint signed by ``log_key``; returns the verified checkpoint and cosignatures."""
    bundle = parse_tlog_proof(text)
    verified = verify_checkpoint(bundle.checkpoint_note, log_key, witness_keys)
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

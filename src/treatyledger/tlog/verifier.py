"""The standalone TreatyLedger transparency-log verifier.

One module, Python standard library plus ``cryptography``: a third party may copy this file
out and check what a TreatyLedger node hands them without the rest of the system.

It verifies
- RFC 9162 section 2.1.3.2 inclusion proofs and section 2.1.4.2 consistency proofs over the
  RFC 6962 SHA-256 tree hash (leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || l || r)),
  with the edge semantics of transparency-dev/merkle ``proof/verify.go``;
- C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys in ``vkey`` form;
- C2SP tlog-checkpoints (https://c2sp.org/tlog-checkpoint) signed by Ed25519 (type 0x01) or
  ML-DSA-44 (type 0x06) log keys, and tlog-cosignatures with timestamps
  (https://c2sp.org/tlog-cosignature): Ed25519 ``cosignature/v1`` (0x04) and ML-DSA-44
  ``subtree/v1`` (0x06);
- C2SP tlog-policy files (https://c2sp.org/tlog-policy): which logs, which witnesses and
  what quorum (k of n, nested) a checkpoint needs;
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
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PublicKey

try:  # inside TreatyLedger the CLI reports these as one line; standalone they are Exceptions
    from treatyledger.errors import TreatyLedgerError as _ErrorBase
except ImportError:  # pragma: no cover - only when this file is copied out on its own
    _ErrorBase = Exception  # type: ignore[assignment,misc]

__all__ = [
    "EVIDENCE_FORMAT",
    "RFC6962",
    "SIG_TYPE_COSIGNATURE",
    "SIG_TYPE_ED25519",
    "SIG_TYPE_MLDSA44",
    "Checkpoint",
    "CheckpointError",
    "Cosignature",
    "EvidenceError",
    "EvidenceSummary",
    "Hasher",
    "NoteError",
    "NoteSignature",
    "ParsedNote",
    "Policy",
    "PolicyError",
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
    "parse_decimal",
    "parse_note",
    "parse_policy",
    "parse_tlog_proof",
    "parse_vkey",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "subtree_message",
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


def parse_decimal(text: str, what: str, error: type[VerificationError] | None = None) -> int:
    """A size or index as the C2SP formats write it: ASCII digits, no leading zeroes (``0``
    itself is fine). ``int()`` alone would take ``+1``, ``1_0``, ``03`` and other scripts'
    digits; here each is refused with ``error`` (ProofError by default)."""
    if not text or not text.isascii() or not text.isdigit() or (len(text) > 1 and text[0] == "0"):
        raise (error or ProofError)(
            f"{what}: expected ASCII decimal digits without leading zeroes, found {text[:40]!r}"
        )
    return int(text)


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

    Edge semantics (transparency-dev/merkle and Go's tlog.CheckTree): size2 < size1 is an
    error; a proof from size 0 is an error, also to size 0; equal sizes need an empty proof
    and give root1; an empty proof for size1 < size2 is an error.
    """
    if size1 < 0 or size2 < 0:
        raise ProofError(f"sizes must not be negative, found {size1} and {size2}")
    if size2 < size1:
        raise ProofError(f"size2 ({size2}) < size1 ({size1})")
    _check_hash(hasher, root1, "root1")
    if size1 == 0:
        # Go's tlog.CheckTree refuses n < 1 too: the empty tree is a prefix of every tree,
        # so a "proof" from it proves nothing, and 0 -> 0 is no exception.
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if size1 == size2:
        if proof:
            raise ProofError(f"size1 = size2 = {size1}, but the proof has {len(proof)} hashes")
        return root1
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
SIG_TYPE_MLDSA44 = 0x06  # C2SP tlog-cosignature subtree/v1, ML-DSA-44 with timestamp
_KEY_SIZES = {SIG_TYPE_ED25519: 32, SIG_TYPE_COSIGNATURE: 32, SIG_TYPE_MLDSA44: 1312}
_SIGNATURE_SIZES = {SIG_TYPE_ED25519: 64, SIG_TYPE_COSIGNATURE: 8 + 64, SIG_TYPE_MLDSA44: 8 + 2420}
_HEX = frozenset("0123456789abcdefABCDEF")
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
        """The raw signature check: Ed25519 (0x01, 0x04) or ML-DSA-44 pure, empty context
        (0x06). ``message`` is what was signed; ``verify_note`` builds it per type."""
        try:
            if self.sig_type == SIG_TYPE_MLDSA44:
                MLDSA44PublicKey.from_public_bytes(self.public_key).verify(signature, message)
            else:
                Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
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
    # Go's note.NewVerifier parses the ID with strconv.ParseUint(id, 16, 32): either case.
    if len(hex_id) != 8 or not set(hex_id) <= _HEX:
        raise NoteError(f"vkey {name}: expected 8 hex digits of key ID, found {hex_id!r}")
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"vkey {name}: key is not base64") from exc
    if not raw or _KEY_SIZES.get(raw[0]) != len(raw) - 1:
        raise NoteError(
            f"vkey {name}: expected type 0x01 or 0x04 with a 32-byte Ed25519 key, or 0x06 "
            f"with a 1312-byte ML-DSA-44 key; found {len(raw)} bytes of type "
            f"0x{raw[:1].hex() or '??'}"
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


def subtree_message(
    cosigner_name: str, timestamp: int, origin: str, start: int, end: int, root: bytes
) -> bytes:
    """The ``cosigned_message`` an ML-DSA-44 cosignature signs (C2SP tlog-cosignature,
    "ML-DSA-44 signed message"): label, u8-length name, u64 timestamp, u8-length origin,
    u64 start and end, the 32-byte hash. A checkpoint is the subtree [0, size)."""
    name, log = cosigner_name.encode(), origin.encode()
    if not 1 <= len(name) <= 255 or not 1 <= len(log) <= 255:
        raise NoteError("subtree/v1: cosigner name and log origin must be 1 to 255 bytes")
    if not 0 <= timestamp < 1 << 63 or not 0 <= start <= end < 1 << 64 or len(root) != 32:
        raise NoteError("subtree/v1: timestamp, range or hash out of bounds")
    if start and timestamp:
        raise NoteError("subtree/v1: a subtree that does not start at 0 has timestamp 0")
    return b"".join(
        [
            b"subtree/v1\n\x00",
            bytes([len(name)]),
            name,
            timestamp.to_bytes(8, "big"),
            bytes([len(log)]),
            log,
            start.to_bytes(8, "big"),
            end.to_bytes(8, "big"),
            root,
        ]
    )


def _mldsa_message(key_name: str, note_text: str, timestamp: int) -> bytes | None:
    """The subtree/v1 message of a checkpoint note, or None when ``note_text`` is not a
    checkpoint without extension lines: the ML-DSA-44 message does not cover extension lines,
    so a note carrying them would be half unsigned (torchwood refuses them likewise)."""
    try:
        checkpoint = parse_checkpoint(note_text)
    except CheckpointError:
        return None
    if checkpoint.extensions:
        return None
    return subtree_message(
        key_name, timestamp, checkpoint.origin, 0, checkpoint.size, checkpoint.root
    )


def _signature_verifies(key: VerifierKey, note_text: str, signature: bytes) -> int | None:
    """Check one signature by a known key; returns its timestamp (cosignature types), -1 for
    a plain note signature, None when it does not verify."""
    if len(signature) != _SIGNATURE_SIZES[key.sig_type]:
        return None
    if key.sig_type == SIG_TYPE_ED25519:
        return -1 if key.verify(note_text.encode(), signature) else None
    timestamp = int.from_bytes(signature[:8], "big")
    if timestamp >= 1 << 63:
        return None
    if key.sig_type == SIG_TYPE_COSIGNATURE:
        message: bytes | None = cosignature_message(note_text, timestamp)
    else:
        message = _mldsa_message(key.name, note_text, timestamp)
    if message is None or not key.verify(message, signature[8:]):
        return None
    return timestamp


def verify_note(message: bytes | str, keys: Iterable[VerifierKey]) -> VerifiedNote:
    """Open a signed note with the trusted ``keys``.

    A signature by a trusted key that does not verify rejects the whole note; signatures by
    unknown keys are returned as unverified; a note with no verified signature is rejected.
    Keys of type 0x04 and 0x06 verify tlog-cosignatures (8-byte timestamp, then the Ed25519
    or ML-DSA-44 signature); an ML-DSA-44 log key signs its checkpoint the same way.
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
        timestamp = _signature_verifies(key, note.text, sig.signature)
        if timestamp is None:
            raise SignatureError(
                f"invalid signature for key {sig.name}+{sig.key_id:08x} "
                f"({len(sig.signature)} bytes, type 0x{key.sig_type:02x})"
            )
        if timestamp >= 0:
            cosigs.append(Cosignature(sig.name, sig.key_id, timestamp))
        verified.append(sig)
    if not verified:
        raise SignatureError("note has no verifiable signatures")
    return VerifiedNote(note.text, tuple(verified), tuple(unverified), tuple(cosigs))


# --------------------------------------------------------------------------- checkpoints


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


# --------------------------------------------------------------------------- policy

MAX_POLICY_BYTES = 64 << 10
MAX_POLICY_ITEMS = 256  # logs, witnesses and groups each; the spec asks for at least 32


class PolicyError(VerificationError):
    """A policy file is malformed, or a checkpoint does not meet its quorum."""


@dataclass(frozen=True)
class PolicyGroup:
    name: str
    threshold: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    """A C2SP tlog-policy (https://c2sp.org/tlog-policy): the logs a verifier accepts, the
    witnesses it knows and the quorum of cosignatures it requires (k of n, nested groups).
    The key types are the policy's too: a group of only ML-DSA-44 (0x06) witnesses requires
    post-quantum cosignatures."""

    logs: tuple[VerifierKey, ...]
    witnesses: tuple[tuple[str, VerifierKey], ...]
    groups: tuple[PolicyGroup, ...]
    quorum: str
    urls: tuple[tuple[str, str], ...] = ()  # (log vkey or witness name, URL)

    def witness_keys(self) -> list[VerifierKey]:
        return [key for _, key in self.witnesses]

    def witnessed(self, cosigned: Iterable[tuple[str, int]]) -> bool:
        """Whether cosignatures by the (key name, key ID) pairs in ``cosigned`` meet the
        quorum."""
        have = set(cosigned)
        by_name = {name: key for name, key in self.witnesses}
        groups = {group.name: group for group in self.groups}

        def holds(name: str) -> bool:
            if name in by_name:
                key = by_name[name]
                return (key.name, key.key_id) in have
            group = groups[name]
            return sum(holds(member) for member in group.members) >= group.threshold

        return self.quorum == "none" or holds(self.quorum)

    def verify_checkpoint(self, message: bytes | str) -> VerifiedCheckpoint:
        """Verify a checkpoint under this policy: signed by one of its logs (whose key name
        is the origin, as tlog-policy requires), cosigned to meet the quorum."""
        try:
            origin = parse_checkpoint(parse_note(message).text).origin
        except (NoteError, CheckpointError) as exc:
            raise PolicyError(f"checkpoint: {exc}") from exc
        logs = [key for key in self.logs if key.name == origin]
        if not logs:
            raise PolicyError(f"the policy lists no log with origin {origin!r}")
        errors = []
        for log_key in logs:
            try:
                verified = verify_checkpoint(message, log_key, self.witness_keys(), origin=origin)
            except VerificationError as exc:
                errors.append(str(exc))
                continue
            cosigned = {(c.name, c.key_id) for c in verified.cosignatures}
            if not self.witnessed(cosigned):
                names = sorted(n for n, k in self.witnesses if (k.name, k.key_id) in cosigned)
                raise PolicyError(
                    f"checkpoint of {origin} does not meet the quorum {self.quorum!r}: "
                    f"cosigned by {', '.join(names) or 'no known witness'}"
                )
            return verified
        raise PolicyError(f"checkpoint of {origin}: {errors[0]}")


def _policy_fields(raw: str) -> list[tuple[int, list[str]]]:
    out = []
    for number, line in enumerate(raw.split("\n"), 1):
        fields = line.replace("\t", " ").split(" ")
        fields = [f for f in fields if f]
        if fields and not fields[0].startswith("#"):
            out.append((number, fields))
    return out


def _policy_key(text: str, number: int, types: tuple[int, ...], what: str) -> VerifierKey:
    try:
        key = parse_vkey(text)
    except NoteError as exc:
        raise PolicyError(f"policy line {number}: {exc}") from exc
    if key.sig_type not in types:
        raise PolicyError(
            f"policy line {number}: a {what} key must be of type "
            f"{' or '.join(f'0x{t:02x}' for t in types)}, found 0x{key.sig_type:02x}"
        )
    return key


def _policy_threshold(word: str, count: int, number: int) -> int:
    if word == "all":
        return count
    if word == "any":
        return 1
    threshold = parse_decimal(word, f"policy line {number}: group threshold", PolicyError)
    if not 1 <= threshold <= count:
        raise PolicyError(f"policy line {number}: threshold {threshold} is not in 1..{count}")
    return threshold


def parse_policy(text: str | bytes) -> Policy:
    """Parse a tlog-policy file: ``log <vkey> [<url>]``, ``witness <name> <vkey> [<url>]``,
    ``group <name> all|any|<k> <name>...``, exactly one ``quorum <name>|none``; names defined
    before use, each a group member at most once, no key listed twice."""
    if isinstance(text, str):
        text = text.encode()
    if len(text) > MAX_POLICY_BYTES:
        raise PolicyError(f"policy of {len(text)} bytes, at most {MAX_POLICY_BYTES}")
    if any((b < 0x20 and b not in (0x09, 0x0A)) or b == 0x7F for b in text):
        raise PolicyError("policy: control character other than tab and newline")
    try:
        raw = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError("policy: not UTF-8") from exc
    logs: list[VerifierKey] = []
    witnesses: dict[str, VerifierKey] = {}
    groups: dict[str, PolicyGroup] = {}
    urls: list[tuple[str, str]] = []
    used_members: set[str] = set()
    seen_keys: set[bytes] = set()
    quorum: str | None = None

    def new_key(key: VerifierKey, number: int) -> None:
        if key.public_key in seen_keys:
            raise PolicyError(f"policy line {number}: this public key is listed twice")
        seen_keys.add(key.public_key)

    def new_name(name: str, number: int) -> None:
        if name == "none" or name in witnesses or name in groups:
            raise PolicyError(f"policy line {number}: name {name!r} is reserved or taken")

    for number, fields in _policy_fields(raw):
        kind, args = fields[0], fields[1:]
        if kind == "log" and len(args) in (1, 2):
            key = _policy_key(args[0], number, (SIG_TYPE_ED25519, SIG_TYPE_MLDSA44), "log")
            new_key(key, number)
            logs.append(key)
            urls.extend((str(key), url) for url in args[1:])
        elif kind == "witness" and len(args) in (2, 3):
            new_name(args[0], number)
            key = _policy_key(args[1], number, (SIG_TYPE_COSIGNATURE, SIG_TYPE_MLDSA44), "witness")
            new_key(key, number)
            witnesses[args[0]] = key
            urls.extend((args[0], url) for url in args[2:])
        elif kind == "group" and len(args) >= 3:
            name, members = args[0], args[2:]
            new_name(name, number)
            for member in members:
                if member not in witnesses and member not in groups:
                    raise PolicyError(f"policy line {number}: {member!r} is not defined above")
                if member in used_members:
                    raise PolicyError(f"policy line {number}: {member!r} is a member twice")
                used_members.add(member)
            threshold = _policy_threshold(args[1], len(members), number)
            groups[name] = PolicyGroup(name, threshold, tuple(members))
        elif kind == "quorum" and len(args) == 1:
            if quorum is not None:
                raise PolicyError(f"policy line {number}: a second quorum line")
            if args[0] != "none" and args[0] not in witnesses and args[0] not in groups:
                raise PolicyError(f"policy line {number}: quorum {args[0]!r} is not defined above")
            quorum = args[0]
        else:
            raise PolicyError(f"policy line {number}: cannot read {' '.join(fields)[:80]!r}")
        if max(len(logs), len(witnesses), len(groups)) > MAX_POLICY_ITEMS:
            raise PolicyError(f"policy: more than {MAX_POLICY_ITEMS} logs, witnesses or groups")
    if quorum is None:
        raise PolicyError("policy: no quorum line (write 'quorum none' to require none)")
    return Policy(
        tuple(logs), tuple(witnesses.items()), tuple(groups.values()), quorum, tuple(urls)
    )


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

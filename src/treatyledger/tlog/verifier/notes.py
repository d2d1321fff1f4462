"""C2SP signed notes and verifier keys: Ed25519 (0x01), Ed25519 cosignatures (0x04) and
ML-DSA-44 cosignatures (0x06, also an ML-DSA-44 log's own signature)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PublicKey

from ._errors import CheckpointError, NoteError, SignatureError

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
    from .checkpoints import parse_checkpoint  # checkpoints verify notes: import at use

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

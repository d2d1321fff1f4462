"""C2SP signed notes (https://c2sp.org/signed-note): Ed25519 and ML-DSA-44 signing and
signer keys.
Parsing and verification are the standalone verifier's (re-exported here)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from treatyledger.tlog.verifier import (
    SIG_TYPE_COSIGNATURE,
    SIG_TYPE_ED25519,
    SIG_TYPE_MLDSA44,
    NoteError,
    NoteSignature,
    ParsedNote,
    SignatureError,
    VerifiedNote,
    VerifierKey,
    compute_key_id,
    parse_checkpoint,
    parse_note,
    parse_vkey,
    subtree_message,
    verify_note,
)

__all__ = [
    "MLDSASigner",
    "NoteError",
    "NoteSignature",
    "NoteSigner",
    "ParsedNote",
    "SignatureError",
    "Signer",
    "VerifiedNote",
    "VerifierKey",
    "add_signature_lines",
    "parse_note",
    "parse_skey",
    "parse_vkey",
    "sign_note",
    "verify_note",
]

_SKEY_PREFIX = "PRIVATE+KEY+"


@dataclass(frozen=True)
class _SignerBase:
    """What every note signer shares: its key name, type, key ID and encodings."""

    name: str

    def __post_init__(self) -> None:
        if not self.name or "+" in self.name or any(ch.isspace() for ch in self.name):
            raise NoteError(f"key name {self.name!r}: must be non-empty, no '+', no spaces")

    @property
    def sig_type(self) -> int:
        raise NotImplementedError

    @property
    def public_key(self) -> bytes:
        raise NotImplementedError

    def _seed(self) -> bytes:
        raise NotImplementedError

    @property
    def key_id(self) -> int:
        return compute_key_id(self.name, self.sig_type, self.public_key)

    def verifier_key(self) -> VerifierKey:
        return VerifierKey(self.name, self.key_id, self.sig_type, self.public_key)

    def signature_line(self, signature: bytes) -> str:
        blob = self.key_id.to_bytes(4, "big") + signature
        return f"\u2014 {self.name} {base64.b64encode(blob).decode()}\n"

    def skey(self) -> str:
        """The Go sumdb/note private key encoding (type byte, then the 32-byte seed).
        Secret: never log or commit it."""
        blob = base64.b64encode(bytes([self.sig_type]) + self._seed()).decode()
        return f"{_SKEY_PREFIX}{self.name}+{self.key_id:08x}+{blob}"


@dataclass(frozen=True)
class NoteSigner(_SignerBase):
    """An Ed25519 note signer: key name and private key. ``kind`` 0x01 signs notes; 0x04 is
    a tlog cosigner (see treatyledger.tlog.cosignature)."""

    private_key: Ed25519PrivateKey
    kind: int = SIG_TYPE_ED25519

    @classmethod
    def from_seed(cls, name: str, seed: bytes, sig_type: int = SIG_TYPE_ED25519) -> NoteSigner:
        if len(seed) != 32:
            raise NoteError(f"Ed25519 seed: expected 32 bytes, found {len(seed)}")
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed), sig_type)

    @property
    def sig_type(self) -> int:
        return self.kind

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def _seed(self) -> bytes:
        return self.private_key.private_bytes_raw()

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)


@dataclass(frozen=True)
class MLDSASigner(_SignerBase):
    """An ML-DSA-44 signer (FIPS 204, pure, empty context): type 0x06, as a log key (its
    checkpoint signature is a subtree/v1 cosignature with timestamp 0) or as a cosigner.
    Signatures are hedged (randomised), so re-signing gives other bytes that verify alike."""

    private_key: MLDSA44PrivateKey
    seed: bytes = field(repr=False, default=b"")

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> MLDSASigner:
        if len(seed) != 32:
            raise NoteError(f"ML-DSA-44 seed: expected 32 bytes, found {len(seed)}")
        return cls(name, MLDSA44PrivateKey.from_seed_bytes(seed), seed)

    @property
    def sig_type(self) -> int:
        return SIG_TYPE_MLDSA44

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes_raw()

    def _seed(self) -> bytes:
        return self.seed

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    def sign_checkpoint_text(self, text: str, timestamp: int) -> bytes:
        """timestamp || ML-DSA-44 signature over the subtree/v1 message of checkpoint
        ``text`` (which must have no extension lines: they would go unsigned)."""
        checkpoint = parse_checkpoint(text)
        if checkpoint.extensions:
            raise NoteError(
                "an ML-DSA-44 signature does not cover checkpoint extension lines; "
                "refusing to sign a checkpoint that has them"
            )
        message = subtree_message(
            self.name, timestamp, checkpoint.origin, 0, checkpoint.size, checkpoint.root
        )
        return timestamp.to_bytes(8, "big") + self.sign(message)


Signer = NoteSigner | MLDSASigner


def parse_skey(text: str) -> Signer:
    """Parse ``PRIVATE+KEY+<name>+<hex id>+<base64(type || seed)>`` (type 0x01 or 0x04:
    Ed25519 seed; 0x06: ML-DSA-44 seed); checks the key ID."""
    text = text.strip()
    if not text.startswith(_SKEY_PREFIX):
        raise NoteError("signer key: expected it to start with PRIVATE+KEY+")
    parts = text[len(_SKEY_PREFIX) :].split("+", 2)
    if len(parts) != 3:
        raise NoteError("signer key: expected PRIVATE+KEY+name+keyid+key")
    name, hex_id, blob = parts
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"signer key {name}: key is not base64") from exc
    signer: Signer
    if len(raw) == 33 and raw[0] in (SIG_TYPE_ED25519, SIG_TYPE_COSIGNATURE):
        signer = NoteSigner.from_seed(name, raw[1:], raw[0])
    elif len(raw) == 33 and raw[0] == SIG_TYPE_MLDSA44:
        signer = MLDSASigner.from_seed(name, raw[1:])
    else:
        raise NoteError(f"signer key {name}: expected a type byte and a 32-byte seed")
    if f"{signer.key_id:08x}" != hex_id.lower():
        raise NoteError(f"signer key {name}: key ID {hex_id} does not match ({signer.key_id:08x})")
    return signer


def _check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text or text.startswith("\n"):
        raise NoteError("note text must end with one newline and contain no blank line")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in text):
        raise NoteError("note text must not contain control characters other than newline")


def sign_note(text: str, signers: Iterable[Signer]) -> str:
    """The signed note: ``text``, a blank line and one signature line per signer: Ed25519
    (0x01) over the text, or ML-DSA-44 (0x06, for checkpoints) as a subtree/v1 signature
    with timestamp 0, the form C2SP tlog-checkpoint recommends for logs."""
    _check_text(text)
    lines = []
    for signer in signers:
        if isinstance(signer, MLDSASigner):
            lines.append(signer.signature_line(signer.sign_checkpoint_text(text, 0)))
        elif signer.sig_type == SIG_TYPE_ED25519:
            lines.append(signer.signature_line(signer.sign(text.encode())))
        else:
            raise NoteError(f"signer {signer.name} has type {signer.sig_type}, want 0x01 or 0x06")
    if not lines:
        raise NoteError("a signed note needs at least one signer")
    return text + "\n" + "".join(lines)


def add_signature_lines(note: str, lines: Iterable[str]) -> str:
    """Append signature lines (e.g. cosignatures) to a signed note, skipping duplicates."""
    parse_note(note)
    out = note
    for line in lines:
        if not line.endswith("\n"):
            line += "\n"
        if line not in out.split("\n\n")[-1]:
            out += line
    parse_note(out)
    return out

"""C2SP signed notes (https://c2sp.org/signed-note): Ed25519 signing and signer keys.
Parsing and verification are the standalone verifier's (re-exported here)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from treatyledger.tlog.verifier import (
    SIG_TYPE_COSIGNATURE,
    SIG_TYPE_ED25519,
    NoteError,
    NoteSignature,
    ParsedNote,
    SignatureError,
    VerifiedNote,
    VerifierKey,
    compute_key_id,
    parse_note,
    parse_vkey,
    verify_note,
)

__all__ = [
    "NoteError",
    "NoteSignature",
    "NoteSigner",
    "ParsedNote",
    "SignatureError",
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
class NoteSigner:
    """An Ed25519 note signer: key name and private key. ``sig_type`` 0x01 signs notes;
    0x04 is a tlog cosigner (see treatyledger.tlog.cosignature)."""

    name: str
    private_key: Ed25519PrivateKey
    sig_type: int = SIG_TYPE_ED25519

    def __post_init__(self) -> None:
        if not self.name or "+" in self.name or any(ch.isspace() for ch in self.name):
            raise NoteError(f"key name {self.name!r}: must be non-empty, no '+', no spaces")

    @classmethod
    def from_seed(cls, name: str, seed: bytes, sig_type: int = SIG_TYPE_ED25519) -> NoteSigner:
        if len(seed) != 32:
            raise NoteError(f"Ed25519 seed: expected 32 bytes, found {len(seed)}")
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed), sig_type)

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> int:
        return compute_key_id(self.name, self.sig_type, self.public_key)

    def verifier_key(self) -> VerifierKey:
        return VerifierKey(self.name, self.key_id, self.sig_type, self.public_key)

    def signature_line(self, signature: bytes) -> str:
        blob = self.key_id.to_bytes(4, "big") + signature
        return f"\u2014 {self.name} {base64.b64encode(blob).decode()}\n"

    def skey(self) -> str:
        """The Go sumdb/note private key encoding. Secret: never log or commit it."""
        seed = self.private_key.private_bytes_raw()
        blob = base64.b64encode(bytes([self.sig_type]) + seed).decode()
        return f"{_SKEY_PREFIX}{self.name}+{self.key_id:08x}+{blob}"


def parse_skey(text: str) -> NoteSigner:
    """Parse ``PRIVATE+KEY+<name>+<hex id>+<base64(type || seed)>``; checks the key ID."""
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
    if len(raw) != 33 or raw[0] not in (SIG_TYPE_ED25519, SIG_TYPE_COSIGNATURE):
        raise NoteError(f"signer key {name}: expected type byte and 32-byte Ed25519 seed")
    signer = NoteSigner.from_seed(name, raw[1:], raw[0])
    if f"{signer.key_id:08x}" != hex_id:
        raise NoteError(f"signer key {name}: key ID {hex_id} does not match ({signer.key_id:08x})")
    return signer


def _check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text or text.startswith("\n"):
        raise NoteError("note text must end with one newline and contain no blank line")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in text):
        raise NoteError("note text must not contain control characters other than newline")


def sign_note(text: str, signers: Iterable[NoteSigner]) -> str:
    """The signed note: ``text``, a blank line and one signature line per signer (0x01)."""
    _check_text(text)
    lines = []
    for signer in signers:
        if signer.sig_type != SIG_TYPE_ED25519:
            raise NoteError(f"signer {signer.name} has type {signer.sig_type}, want 0x01")
        lines.append(signer.signature_line(signer.private_key.sign(text.encode())))
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

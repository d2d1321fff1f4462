"""MAC keys for what the store keeps beside the log (the derived-state snapshot, the counted
view): HKDF-SHA-256 of the party's raw Ed25519 private key, one key per purpose, never stored.
Whoever can edit the database without the workspace's key cannot forge a row they cover."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def mac_key(private_key: Ed25519PrivateKey, purpose: bytes) -> bytes:
    """The 32-byte MAC key of ``purpose`` (an HKDF info string, e.g. b"... v1")."""
    raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(raw)

"""The note keys of a party node, from the party's one Ed25519 key: the log key that signs
its checkpoints (named by its origin line) and the cosigner key with which it cosigns the
other party's checkpoints. Every message kind is domain-separated (checkpoint text,
``cosignature/v1`` prefix, canonical notification JSON), so one key serves all three.

A node may also hold an ML-DSA-44 key (a 32-byte seed, ``keys add --type mldsa44``): it
signs the node's checkpoints beside the Ed25519 key (type 0x06: a ``subtree/v1``
cosignature with timestamp 0, as C2SP tlog-checkpoint recommends for logs) and cosigns as a
witness beside it (``subtree/v1`` with the time). Both keys are named by the origin; a
verifier's tlog-policy says which it requires. Notifications stay Ed25519-signed."""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from treatyledger.ledger.signing import key_id as signer_key_id
from treatyledger.ledger.signing import public_key_from_base64
from treatyledger.node.errors import KeyFormatError
from treatyledger.tlog.checkpoint import origin_for_party
from treatyledger.tlog.note import MLDSASigner, NoteSigner, Signer
from treatyledger.tlog.verifier import (
    SIG_TYPE_COSIGNATURE,
    SIG_TYPE_ED25519,
    VerificationError,
    VerifierKey,
    compute_key_id,
    parse_vkey,
)


def log_signer(party: str, signing_key: Ed25519PrivateKey) -> NoteSigner:
    """The key that signs ``party``'s checkpoints."""
    return NoteSigner(origin_for_party(party), signing_key)


def mldsa_signer(party: str, seed: bytes) -> MLDSASigner:
    """``party``'s node ML-DSA-44 key: signs its checkpoints and cosigns (type 0x06)."""
    return MLDSASigner.from_seed(origin_for_party(party), seed)


def log_signers(
    party: str, signing_key: Ed25519PrivateKey, mldsa_seed: bytes | None = None
) -> list[Signer]:
    """Every key that signs ``party``'s checkpoints: Ed25519, and ML-DSA-44 if configured."""
    signers: list[Signer] = [log_signer(party, signing_key)]
    if mldsa_seed is not None:
        signers.append(mldsa_signer(party, mldsa_seed))
    return signers


def cosigners_for(
    party: str, signing_key: Ed25519PrivateKey, mldsa_seed: bytes | None = None
) -> list[Signer]:
    """Every key with which ``party``'s node cosigns as a witness."""
    signers: list[Signer] = [cosigner_for(party, signing_key)]
    if mldsa_seed is not None:
        signers.append(mldsa_signer(party, mldsa_seed))
    return signers


def cosigner_for(party: str, signing_key: Ed25519PrivateKey) -> NoteSigner:
    """The key with which ``party``'s node cosigns other logs (C2SP cosignature, type 0x04)."""
    return NoteSigner(origin_for_party(party), signing_key, SIG_TYPE_COSIGNATURE)


def _vkey(party: str, public_key_b64: str, sig_type: int) -> VerifierKey:
    raw = base64.b64decode(public_key_b64)
    name = origin_for_party(party)
    return VerifierKey(name, compute_key_id(name, sig_type, raw), sig_type, raw)


def log_vkey(party: str, public_key_b64: str) -> VerifierKey:
    """The verifier key of ``party``'s log, from its registered (base64 raw) public key."""
    return _vkey(party, public_key_b64, SIG_TYPE_ED25519)


def cosigner_vkey(party: str, public_key_b64: str) -> VerifierKey:
    """The verifier key of ``party``'s cosignatures (for ``principal add --vkey``)."""
    return _vkey(party, public_key_b64, SIG_TYPE_COSIGNATURE)


#: base64 of 32 raw bytes; a verifier key is always longer (name, key id, type byte)
RAW_KEY_B64_LENGTH = 44


def party_public_key(party: str, text: str) -> str:
    """The base64 raw Ed25519 key of ``party`` from what a peer was given: the key itself
    (``keys show``'s ``public_key``, ``init``'s output) or its log or cosigner verifier key
    (``log vkey``), whose name must be ``party``'s log origin."""
    text = text.strip()
    if len(text) == RAW_KEY_B64_LENGTH:
        return text  # base64 raw; the workspace checks that it is an Ed25519 key
    try:
        vkey = parse_vkey(text)
    except VerificationError as exc:
        raise KeyFormatError(f"not a public key nor a verifier key: {exc}") from None
    if vkey.sig_type not in (SIG_TYPE_ED25519, SIG_TYPE_COSIGNATURE):
        raise KeyFormatError(
            f"verifier key {vkey.name} is of type 0x{vkey.sig_type:02x}; a party key is "
            "Ed25519 (0x01 log key or 0x04 cosigner key)"
        )
    origin = origin_for_party(party)
    if vkey.name != origin:
        raise KeyFormatError(
            f"verifier key is named {vkey.name!r}; party {party}'s log is {origin!r}"
        )
    return base64.b64encode(vkey.public_key).decode("ascii")


def peer_formats(party: str, public_key_b64: str) -> dict[str, str]:
    """Every form in which the other party, its witnesses and verifiers take this party's
    key: ``peer trust`` (public_key, or log_vkey), ``principal add --vkey`` (cosigner_vkey),
    ``log verify ... --vkey`` and witnesses (log_vkey); and the fingerprints to compare over
    another channel."""
    fingerprint = hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()
    return {
        "party": party,
        "origin": origin_for_party(party),
        "public_key": public_key_b64,
        "key_id": signer_key_id(public_key_from_base64(public_key_b64)),  # its first 16 hex
        "fingerprint_sha256": fingerprint,
        "log_vkey": str(log_vkey(party, public_key_b64)),
        "cosigner_vkey": str(cosigner_vkey(party, public_key_b64)),
    }

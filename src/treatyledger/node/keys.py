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

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from treatyledger.tlog.checkpoint import origin_for_party
from treatyledger.tlog.note import MLDSASigner, NoteSigner, Signer
from treatyledger.tlog.verifier import (
    SIG_TYPE_COSIGNATURE,
    SIG_TYPE_ED25519,
    VerifierKey,
    compute_key_id,
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

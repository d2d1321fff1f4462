"""TreatyLedger offline evidence bundles (``treatyledger/evidence-bundle/v1``): notifications
with their tlog-proofs under one checkpoint, the checkpoint's cosignatures, the verifier
policy and the party keys, checked on an air-gapped machine with this package alone: the
checkpoint against the policy, each entry's inclusion, and each notification's signature by
its party's key."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ._errors import ProofError, VerificationError
from .checkpoints import _b64_or, parse_tlog_proof
from .notes import parse_note
from .policy import Policy, parse_policy
from .proofs import RFC6962, verify_inclusion
from .signatures import (
    NotificationSignatureError,
    SignedBy,
    parse_party_keys,
    verify_notification_signature,
)

BUNDLE_FORMAT = "treatyledger/evidence-bundle/v1"
MAX_BUNDLE_BYTES = 64 << 20
MAX_INLINE_ENTRY = 0xFFFF
DIGEST_LEAF_TAG = b"\x00tl-digest\x00sha256\x00"


def entry_leaf(entry: bytes) -> bytes:
    """The log leaf of an entry (TreatyLedger's leaf encoding): the entry itself up to 65,535
    bytes, else ``DIGEST_LEAF_TAG || SHA-256(entry) || len(entry) as u64 BE``. An entry may
    not be empty nor start with 0x00 (reserved for digest leaves)."""
    if not entry or entry[0] == 0:
        raise ProofError("an entry is empty or starts with 0x00, which no leaf encodes")
    if len(entry) <= MAX_INLINE_ENTRY:
        return entry
    return DIGEST_LEAF_TAG + hashlib.sha256(entry).digest() + len(entry).to_bytes(8, "big")


class BundleError(VerificationError):
    """An evidence bundle is malformed or does not verify."""


@dataclass(frozen=True)
class BundleEntry:
    index: int
    entry: bytes
    signed_by: SignedBy | None = None


@dataclass(frozen=True)
class BundleSummary:
    """What a verified bundle proves: ``entries`` are in the log ``origin`` at the signed
    ``size``, under a checkpoint that meets the policy (``policy_trusted``: the caller's own
    policy, not the one the bundle carries), each signed by its party (``keys_trusted``: by
    keys the caller gave, or by the log key of the caller's policy, which is the party's)."""

    origin: str
    size: int
    root: bytes
    cosigners: tuple[str, ...]
    entries: tuple[BundleEntry, ...]
    policy_trusted: bool
    attachments: dict[str, int]
    keys_trusted: bool = False

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "valid": True,
            "origin": self.origin,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "cosigners": list(self.cosigners),
            "entries": [e.index for e in self.entries],
            "policy_trusted": self.policy_trusted,
            "signatures": [
                {"index": e.index, "party": e.signed_by.party, "sequence": e.signed_by.sequence}
                for e in self.entries
                if e.signed_by is not None
            ],
            "keys_trusted": self.keys_trusted,
            "attachments": self.attachments,
        }


def _bundle_document(data: bytes | str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(data, bytes | str):
        if len(data) > MAX_BUNDLE_BYTES:
            raise BundleError(f"bundle of {len(data)} bytes, at most {MAX_BUNDLE_BYTES}")
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BundleError(f"bundle is not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"bundle: expected a JSON object of format {BUNDLE_FORMAT!r}")
    for key in ("checkpoint", "policy"):
        if not isinstance(data.get(key), str):
            raise BundleError(f"bundle: {key} must be a string")
    if not isinstance(data.get("entries"), list) or not data["entries"]:
        raise BundleError("bundle: entries must be a non-empty list")
    return data


def _bundle_entry(item: Any, position: int, note_text: str, size: int, root: bytes) -> BundleEntry:
    if not isinstance(item, dict) or not isinstance(item.get("proof"), str):
        raise BundleError(f"bundle entry {position}: expected an object with entry and proof")
    entry = _b64_or(str(item.get("entry")), BundleError, f"bundle entry {position}")
    proof = parse_tlog_proof(item["proof"])
    if parse_note(proof.checkpoint_note).text != note_text:
        raise BundleError(f"bundle entry {position}: its proof is under another checkpoint")
    try:
        leaf = entry_leaf(entry)
        verify_inclusion(RFC6962, proof.index, size, RFC6962.hash_leaf(leaf), proof.proof, root)
    except ProofError as exc:
        raise BundleError(f"bundle entry {position} (index {proof.index}): {exc}") from exc
    return BundleEntry(proof.index, entry)


def _signed(
    entry: BundleEntry, position: int, keys: dict[str, list[bytes]], log_keys: list[bytes]
) -> BundleEntry:
    try:
        signed_by = verify_notification_signature(entry.entry, keys, log_keys)
    except NotificationSignatureError as exc:
        raise BundleError(f"bundle entry {position} (index {entry.index}): {exc}") from exc
    return BundleEntry(entry.index, entry.entry, signed_by)


def _party_keys(document: dict[str, Any]) -> dict[str, list[bytes]]:
    try:
        return parse_party_keys(document.get("party_keys", {}), "bundle party_keys")
    except NotificationSignatureError as exc:
        raise BundleError(str(exc)) from exc


def _signing_keys(
    document: dict[str, Any],
    policy: Policy,
    origin: str,
    trusted_policy: Policy | None,
    trusted_keys: dict[str, list[bytes]] | None,
) -> tuple[dict[str, list[bytes]], list[bytes], set[bytes]]:
    """Keys by party, the log's own Ed25519 keys (any party's entry of this log may name
    them) and which of all these the verifier brought itself."""
    keys = trusted_keys if trusted_keys is not None else _party_keys(document)
    log_keys = [k.public_key for k in policy.logs if k.name == origin and k.sig_type == 0x01]
    if trusted_keys is not None and trusted_policy is None:
        log_keys = []  # an untrusted policy's log key must not sign in the trusted keys' name
    trusted = {k for ks in (trusted_keys or {}).values() for k in ks}
    if trusted_policy is not None:
        trusted.update(log_keys)
    return keys, log_keys, trusted


def _attachments(document: dict[str, Any]) -> dict[str, int]:
    attachments = {}
    for key in ("openings", "inspections"):
        value = document.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise BundleError(f"bundle: {key} must be a list of objects")
        attachments[key] = len(value)
    return attachments


def verify_bundle(
    data: bytes | str | dict[str, Any],
    trusted_policy: Policy | None = None,
    trusted_keys: dict[str, list[bytes]] | None = None,
) -> BundleSummary:
    """Verify an offline evidence bundle: its checkpoint meets the policy (``trusted_policy``,
    which a careful verifier brings; else the one the bundle carries, reported as not
    trusted), every entry is in the log at that checkpoint by its tlog-proof, and every
    notification is signed by a key of its party: one of ``trusted_keys`` (party -> raw
    Ed25519 keys) if given, else of the bundle's ``party_keys``, or the log's own Ed25519 key
    from the policy (a party's key signs its notifications and its log). Attached openings
    and inspection records are counted here; ``treatyledger evidence verify`` checks openings
    against their logged commitments."""
    document = _bundle_document(data)
    policy = trusted_policy if trusted_policy is not None else parse_policy(document["policy"])
    try:
        verified = policy.verify_checkpoint(document["checkpoint"])
    except VerificationError as exc:
        raise BundleError(f"bundle checkpoint: {exc}") from exc
    checkpoint = verified.checkpoint
    keys, log_keys, trusted = _signing_keys(document, policy, checkpoint.origin, trusted_policy,
                                            trusted_keys)  # fmt: skip
    entries = tuple(
        _signed(
            _bundle_entry(item, i, verified.note.text, checkpoint.size, checkpoint.root),
            i,
            keys,
            log_keys,
        )
        for i, item in enumerate(document["entries"])
    )
    keys_trusted = all(e.signed_by is not None and e.signed_by.key in trusted for e in entries)
    attachments = _attachments(document)
    return BundleSummary(
        checkpoint.origin,
        checkpoint.size,
        checkpoint.root,
        tuple(sorted({c.name for c in verified.cosignatures})),
        entries,
        trusted_policy is not None,
        attachments,
        keys_trusted,
    )

"""TreatyLedger offline evidence bundles (``treatyledger/evidence-bundle/v1``): notifications
with their tlog-proofs under one checkpoint, the checkpoint's cosignatures and the verifier
policy, checked on an air-gapped machine with this package alone."""

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


@dataclass(frozen=True)
class BundleSummary:
    """What a verified bundle proves: ``entries`` are in the log ``origin`` at the signed
    ``size``, under a checkpoint that meets the policy (``policy_trusted``: the caller's own
    policy, not the one the bundle carries)."""

    origin: str
    size: int
    root: bytes
    cosigners: tuple[str, ...]
    entries: tuple[BundleEntry, ...]
    policy_trusted: bool
    attachments: dict[str, int]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "valid": True,
            "origin": self.origin,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "cosigners": list(self.cosigners),
            "entries": [e.index for e in self.entries],
            "policy_trusted": self.policy_trusted,
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


def verify_bundle(
    data: bytes | str | dict[str, Any], trusted_policy: Policy | None = None
) -> BundleSummary:
    """Verify an offline evidence bundle: its checkpoint meets the policy (``trusted_policy``,
    which a careful verifier brings; else the one the bundle carries, reported as not
    trusted), and every entry is in the log at that checkpoint by its tlog-proof. Attached
    openings and inspection records are counted here; ``treatyledger evidence verify`` checks
    openings against their logged commitments."""
    document = _bundle_document(data)
    policy = trusted_policy if trusted_policy is not None else parse_policy(document["policy"])
    try:
        verified = policy.verify_checkpoint(document["checkpoint"])
    except VerificationError as exc:
        raise BundleError(f"bundle checkpoint: {exc}") from exc
    checkpoint = verified.checkpoint
    entries = tuple(
        _bundle_entry(item, i, verified.note.text, checkpoint.size, checkpoint.root)
        for i, item in enumerate(document["entries"])
    )
    attachments = {}
    for key in ("openings", "inspections"):
        value = document.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise BundleError(f"bundle: {key} must be a list of objects")
        attachments[key] = len(value)
    return BundleSummary(
        checkpoint.origin,
        checkpoint.size,
        checkpoint.root,
        tuple(sorted({c.name for c in verified.cosignatures})),
        entries,
        trusted_policy is not None,
        attachments,
    )

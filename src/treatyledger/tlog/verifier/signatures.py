"""Notification signatures, checked offline (standard library and ``cryptography``).

A TreatyLedger log entry is a signed notification: the RFC 8785 (JCS) bytes of its JSON
envelope, whose ``signature`` (base64 Ed25519) covers the RFC 8785 bytes of the same envelope
without ``signature``, and whose ``signer_key_id`` names the key: the first 8 bytes of
SHA-256 of the raw 32-byte public key, in hex (a name, never a check).

RFC 8785 equals sorted compact ``json.dumps`` (UTF-8, no ASCII escaping) on JSON made of
strings, booleans, null, integers of magnitude below 2^53, lists and objects with ASCII keys
(both escape only the quote, the backslash and controls, with lowercase hex; ASCII keys sort
alike by code point and by UTF-16 unit), which is what notifications are. An entry outside
that domain, or not in its canonical form, is refused rather than canonicalized by guesswork.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ._errors import VerificationError

_MAX_EXACT_INT = 2**53 - 1
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)


class NotificationSignatureError(VerificationError):
    """A notification is not canonical, names no known key, or its signature fails."""


@dataclass(frozen=True)
class SignedBy:
    """Who signed a notification that verified: its party, sequence and the key (raw)."""

    party: str
    sequence: int | None
    key: bytes


def notification_key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


def _plain(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if -_MAX_EXACT_INT <= item <= _MAX_EXACT_INT:
                continue
            return False
        if kind is dict:
            for key, member in item.items():
                if not key.isascii():
                    return False
                stack.append(member)
            continue
        if kind is list:
            stack.extend(item)
            continue
        return False  # floats would need RFC 8785's ECMAScript number formatting
    return True


def canonical_json(value: Any) -> bytes:
    """RFC 8785 bytes of ``value``, within the domain described above."""
    if not _plain(value):
        raise NotificationSignatureError(
            "the notification holds JSON outside the canonical domain this verifier reads "
            "(floats, integers beyond 2^53, non-ASCII keys)"
        )
    try:
        return _ENCODER.encode(value).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NotificationSignatureError(f"the notification is not UTF-8: {exc}") from None


def _envelope(entry: bytes) -> dict[str, Any]:
    try:
        data = json.loads(entry.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotificationSignatureError(f"the entry is not a JSON notification: {exc}") from None
    if not isinstance(data, dict):
        raise NotificationSignatureError("the entry is not a JSON object")
    for field in ("party", "signature", "signer_key_id"):
        if not isinstance(data.get(field), str):
            raise NotificationSignatureError(f"the notification has no {field}")
    if canonical_json(data) != entry:
        raise NotificationSignatureError("the entry is not the RFC 8785 form of its notification")
    return data


def _signature(text: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 64:
        raise NotificationSignatureError("the signature is not 64 bytes of base64")
    return raw


def verify_notification_signature(
    entry: bytes, keys: Mapping[str, Sequence[bytes]], any_party: Sequence[bytes] = ()
) -> SignedBy:
    """Check the signature of the notification ``entry`` (its log bytes) by a key of its party
    in ``keys`` (party -> raw Ed25519 public keys), or one of ``any_party`` (e.g. the log's own
    key, which is the party's), whose key id is the one it names."""
    data = _envelope(entry)
    party, key_id = data["party"], data["signer_key_id"]
    sequence = data.get("sequence")
    what = f"notification {party}/{sequence}"
    signature = _signature(data["signature"])
    message = canonical_json({k: v for k, v in data.items() if k != "signature"})
    candidates = [
        key for key in (*keys.get(party, ()), *any_party) if notification_key_id(key) == key_id
    ]
    if not candidates:
        raise NotificationSignatureError(f"{what}: no key of {party} with key id {key_id}")
    for key in candidates:
        try:
            Ed25519PublicKey.from_public_bytes(key).verify(signature, message)
        except (InvalidSignature, ValueError):
            continue
        return SignedBy(party, sequence if isinstance(sequence, int) else None, key)
    raise NotificationSignatureError(f"{what}: the signature does not verify")


def parse_party_keys(value: Any, where: str = "party_keys") -> dict[str, list[bytes]]:
    """``{party: [base64 raw Ed25519 key, ...]}``, bounded (64 parties, 16 keys each)."""
    if not isinstance(value, dict) or len(value) > 64:
        raise NotificationSignatureError(f"{where}: expected an object of at most 64 parties")
    keys: dict[str, list[bytes]] = {}
    for party, texts in value.items():
        if not isinstance(texts, list) or len(texts) > 16:
            raise NotificationSignatureError(f"{where}.{party}: expected at most 16 keys")
        keys[party] = [parse_party_key(t, f"{where}.{party}") for t in texts]
    return keys


def parse_party_key(text: Any, where: str) -> bytes:
    try:
        raw = base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise NotificationSignatureError(f"{where}: an Ed25519 key is 32 bytes of base64")
    return raw

"""Canonical bytes and Ed25519 signatures of notifications.

The signed message is the RFC 8785 (JSON Canonicalization Scheme) encoding of the envelope's
JSON form without ``signature``; the transparency-log leaf is the RFC 8785 encoding of the
signed envelope. Keys are passed in; nothing here reads a key file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from treatyledger.model.notifications import Notification


def canonical_bytes(notification: Notification | Mapping[str, Any]) -> bytes:
    """RFC 8785 bytes of the envelope without its signature: the message that is signed."""
    data = dict(_json(notification))
    data.pop("signature", None)
    return jcs(data)


def leaf_bytes(notification: Notification | Mapping[str, Any]) -> bytes:
    """RFC 8785 bytes of the signed envelope: the transparency-log leaf."""
    return jcs(_json(notification))


_SIGNATURE = "signature"


def canonical_bytes_of_leaf(notification: Notification | Mapping[str, Any], leaf: bytes) -> bytes:
    """``canonical_bytes(notification)`` from its ``leaf_bytes`` without canonicalizing it again.

    RFC 8785 writes an object as its members in key order joined by commas, so the message is
    the leaf with the ``signature`` member cut out; only the members after it (the key id) are
    encoded again, to find where it ends. A key compares with the ASCII ``"signature"`` alike
    by code point and by UTF-16 unit. A ``leaf`` that is not the notification's own gives the
    message computed afresh.
    """
    data = _json(notification)
    if _SIGNATURE not in data:
        return leaf
    after: dict[str, Any] = {}
    for key, value in data.items():
        if type(key) is not str:  # not JSON: let the reference path judge it
            return canonical_bytes(data)
        if key > _SIGNATURE:
            after[key] = value
    member = b'"signature":' + jcs(data[_SIGNATURE])
    tail = jcs(after)[1:-1] if after else b""
    end = len(leaf) - 1 - (len(tail) + 1 if tail else 0)  # the member ends here
    start = end - len(member)
    if start < 1 or leaf[start:end] != member or (tail and leaf[end : end + 1] != b","):
        return canonical_bytes(data)
    if start > 1:  # members before it: drop the comma that precedes it
        start -= 1
    elif tail:  # it is the first member: drop the comma that follows it
        end += 1
    return leaf[:start] + leaf[end:]


_MAX_EXACT_INT = 2**53 - 1  # the safe-integer domain of IEEE doubles, which JCS requires
_LAST_BMP = "\uffff"


def _is_plain_json(value: Any) -> bool:
    """True for JSON made of strings, booleans, null, exactly representable integers, lists and
    objects whose keys lie in the Basic Multilingual Plane: the values on which sorted
    ``json.dumps`` equals RFC 8785. RFC 8785 sorts keys by UTF-16 code unit, Python by code
    point; the two orders differ only between a character beyond U+FFFF (a surrogate pair,
    units U+D800..U+DFFF) and one in U+E000..U+FFFF, so keys without the former sort alike.
    (A lone surrogate passes here and fails to encode: ``jcs`` then asks the reference.)"""
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
                if type(key) is not str or (not key.isascii() and max(key) > _LAST_BMP):
                    return False
                stack.append(member)
            continue
        if kind is list or kind is tuple:
            stack.extend(item)
            continue
        return False  # floats need RFC 8785's ECMAScript number formatting
    return True


def jcs(data: Any) -> bytes:
    """RFC 8785 canonical bytes of ``data``.

    Notifications are mostly strings and small integers; for those, sorted ``json.dumps``
    produces the same bytes (BMP keys sort alike by code point and by UTF-16 unit; both
    escape only the quote, backslash and controls, with lowercase hex) at a quarter of the
    cost of the ``rfc8785`` package, which remains the reference for everything else and is
    checked against this path by property tests.
    """
    if _is_plain_json(data):
        try:
            return _PLAIN_ENCODER.encode(data).encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: let the reference raise its own error
            pass
    return rfc8785.dumps(data)


# One encoder for every call: ``json.dumps`` with options builds a new one each time.
_PLAIN_ENCODER = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)


def content_hash(notification: Notification | Mapping[str, Any]) -> bytes:
    """SHA-256 of the canonical unsigned bytes: two notifications with the same content hash say
    the same thing, whoever signed them and however."""
    return hashlib.sha256(canonical_bytes(notification)).digest()


def public_key_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """A short name for a public key: the first 8 bytes of SHA-256 of its raw 32 bytes, in hex.
    An identifier only, never a security check: the signature is verified against the key."""
    return hashlib.sha256(public_key_raw(key)).hexdigest()[:16]


def public_key_from_base64(text: str) -> Ed25519PublicKey:
    """Parse a raw 32-byte Ed25519 public key in base64 (the form of Party.public_keys)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"public key is not base64: {exc}") from None
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key has 32 bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def sign(notification: Notification, key: Ed25519PrivateKey) -> Notification:
    """The notification with ``signer_key_id`` set and signed by ``key`` (base64 signature)."""
    with_id = notification.model_copy(
        update={"signature": None, "signer_key_id": key_id(key.public_key())}
    )
    signature = key.sign(canonical_bytes(with_id))
    return with_id.model_copy(update={"signature": base64.b64encode(signature).decode("ascii")})


def verify(notification: Notification | Mapping[str, Any], key: Ed25519PublicKey) -> bool:
    """True when the notification carries a valid signature by ``key`` over its canonical bytes."""
    data = _json(notification)
    signature = data.get("signature")
    if not isinstance(signature, str):
        return False
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) != 64:
        return False
    try:
        key.verify(raw, canonical_bytes(data))
    except InvalidSignature:
        return False
    return True


def _json(notification: Notification | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(notification, Notification):
        return notification.to_json_dict()
    return notification

"""Canonical bytes (RFC 8785) and Ed25519 signatures."""

from __future__ import annotations

import base64
import json

from ledger_helpers import TEST_KEY_OTHER, TEST_KEY_US

from treatyledger.ledger import canonical_bytes, content_hash, key_id, leaf_bytes, sign, verify
from treatyledger.model.notifications import parse_notification

MOVE = {
    "party": "US",
    "sequence": 1,
    "kind": "move",
    "effective_time": "2011-02-05T00:00:00Z",
    "issued_time": "2011-02-06T00:00:00Z",
    "payload": {"uid": "M1", "to_facility": "F"},
}


def test_canonical_bytes_are_rfc8785_sorted_compact_json() -> None:
    expected = (
        b'{"effective_time":"2011-02-05T00:00:00Z","issued_time":"2011-02-06T00:00:00Z",'
        b'"kind":"move","party":"US","payload":{"to_facility":"F","uid":"M1"},"sequence":1}'
    )
    assert canonical_bytes(parse_notification(MOVE)) == expected


def test_canonical_bytes_leave_out_the_signature_but_keep_the_key_id() -> None:
    signed = sign(parse_notification(MOVE), TEST_KEY_US)
    message = json.loads(canonical_bytes(signed))
    assert "signature" not in message
    assert message["signer_key_id"] == key_id(TEST_KEY_US.public_key())


def test_leaf_bytes_are_the_canonical_signed_envelope() -> None:
    signed = sign(parse_notification(MOVE), TEST_KEY_US)
    assert json.loads(leaf_bytes(signed))["signature"] == signed.signature


def test_a_signature_verifies_with_the_signing_key() -> None:
    signed = sign(parse_notification(MOVE), TEST_KEY_US)
    assert verify(signed, TEST_KEY_US.public_key())
    assert verify(signed.to_json_dict(), TEST_KEY_US.public_key())


def test_a_signature_is_64_bytes_of_ed25519() -> None:
    signed = sign(parse_notification(MOVE), TEST_KEY_US)
    assert signed.signature is not None
    assert len(base64.b64decode(signed.signature)) == 64
    # Ed25519 is deterministic: the same key and message give the same signature
    assert sign(parse_notification(MOVE), TEST_KEY_US).signature == signed.signature


def test_a_signature_does_not_verify_with_another_key() -> None:
    signed = sign(parse_notification(MOVE), TEST_KEY_US)
    assert not verify(signed, TEST_KEY_OTHER.public_key())


def test_a_changed_payload_breaks_the_signature() -> None:
    data = sign(parse_notification(MOVE), TEST_KEY_US).to_json_dict()
    data["payload"]["to_facility"] = "G"
    assert not verify(data, TEST_KEY_US.public_key())


def test_a_garbled_signature_does_not_verify() -> None:
    data = sign(parse_notification(MOVE), TEST_KEY_US).to_json_dict()
    data["signature"] = "not base64!"
    assert not verify(data, TEST_KEY_US.public_key())
    data["signature"] = base64.b64encode(b"short").decode()
    assert not verify(data, TEST_KEY_US.public_key())


def test_an_unsigned_notification_does_not_verify() -> None:
    assert not verify(parse_notification(MOVE), TEST_KEY_US.public_key())


def test_content_hash_ignores_the_signature() -> None:
    unsigned = parse_notification(MOVE)
    signed = sign(unsigned, TEST_KEY_US)
    assert content_hash(signed) == content_hash(signed.model_copy(update={"signature": None}))
    assert content_hash(unsigned) != content_hash(signed)  # the key id is signed content

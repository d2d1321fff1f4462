"""The signed message cut out of the log leaf equals the message canonicalized afresh."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from ledger_helpers import TEST_KEY_US

from treatyledger.ledger.signing import (
    canonical_bytes,
    canonical_bytes_of_leaf,
    leaf_bytes,
    sign,
    verify,
)
from treatyledger.model.notifications import parse_notification

keys = st.sampled_from(
    ["party", "payload", "sequence", "signature", "signer_key_id", "sig", "signaturex", "z", "é"]
) | st.text(max_size=6)
values = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=12)
envelopes = st.dictionaries(
    keys, values | st.floats(allow_nan=False) | st.dictionaries(keys, values, max_size=3)
)


def outcome(encode: Callable[[], object]) -> object:
    """The bytes, or the type of the error (integers beyond 2**53 are refused either way)."""
    try:
        return encode()
    except Exception as exc:
        return type(exc)


@settings(max_examples=300)
@given(envelopes)
def test_the_message_cut_from_the_leaf_equals_canonical_bytes(envelope: dict[str, object]) -> None:
    leaf = outcome(lambda: leaf_bytes(envelope))
    assume(isinstance(leaf, bytes))  # an envelope outside JSON's domain has no leaf at all
    assert isinstance(leaf, bytes)
    expected = outcome(lambda: canonical_bytes(envelope))
    assert outcome(lambda: canonical_bytes_of_leaf(envelope, leaf)) == expected


def test_the_message_cut_from_a_signed_notifications_leaf_is_what_was_signed() -> None:
    notification = parse_notification(
        {
            "party": "US",
            "sequence": 1,
            "kind": "move",
            "effective_time": "2011-02-05T00:00:00Z",
            "issued_time": "2011-02-06T00:00:00Z",
            "payload": {"uid": "M1", "to_facility": "F"},
        }
    )
    signed = sign(notification, TEST_KEY_US)
    assert canonical_bytes_of_leaf(signed, leaf_bytes(signed)) == canonical_bytes(signed)
    assert verify(signed.to_json_dict(), TEST_KEY_US.public_key())
    assert canonical_bytes_of_leaf(notification, leaf_bytes(notification)) == canonical_bytes(
        notification
    )


def test_a_leaf_of_another_notification_gives_the_message_computed_afresh() -> None:
    envelope = {"party": "US", "signature": "c2ln", "signer_key_id": "00"}
    other = leaf_bytes({**envelope, "party": "RU", "signer_key_id": "0"})
    assert canonical_bytes_of_leaf(envelope, other) == canonical_bytes(envelope)

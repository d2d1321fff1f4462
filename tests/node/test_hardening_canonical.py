"""The signed bytes are the bytes received (issue 13, item 6).

A notification is signed over its RFC 8785 form. The node once parsed what it received and
re-serialised it before checking the signature, so duplicate keys, ``true`` for ``1``,
another offset of the same instant and other encodings of the same value all verified; the
log then held bytes the party never sent. Each variant below keeps a valid signature over
the canonical form and must be refused with its rule, and nothing stored."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable

import httpx
import pytest

from factory import signed, stream
from node.harness import ServedNode
from treatyledger.ledger.outcomes import Rule
from treatyledger.ledger.signing import leaf_bytes
from treatyledger.node.auth import Role

Variant = Callable[[bytes], bytes]


def _replace(old: bytes, new: bytes) -> Variant:
    def change(raw: bytes) -> bytes:
        assert old in raw, (old, raw[:200])
        return raw.replace(old, new, 1)

    return change


def _spaced(raw: bytes) -> bytes:
    return json.dumps(json.loads(raw), sort_keys=True).encode()


def _unsorted(raw: bytes) -> bytes:
    value = json.loads(raw)
    return json.dumps(dict(reversed(value.items())), separators=(",", ":")).encode()


# (variant, rule, what the reason must name)
VARIANTS: dict[str, tuple[Variant, Rule, str]] = {
    "whitespace": (_spaced, Rule.NOT_CANONICAL, "byte"),
    "key order": (_unsorted, Rule.NOT_CANONICAL, "byte"),
    "duplicate key": (
        _replace(b'"party":"US"', b'"party":"RU","party":"US"'),
        Rule.DUPLICATE_KEY,
        "'party'",
    ),
    "true for 1": (_replace(b'"warheads":1', b'"warheads":true'), Rule.NOT_CANONICAL, "warheads"),
    "+00:00 for Z": (
        _replace(
            b'"effective_time":"2011-02-05T00:00:00Z"',
            b'"effective_time":"2011-02-05T00:00:00+00:00"',
        ),
        Rule.NOT_CANONICAL,
        "effective_time",
    ),
    "another offset, same instant": (
        _replace(
            b'"issued_time":"2011-02-05T01:00:00Z"', b'"issued_time":"2011-02-05T04:00:00+03:00"'
        ),
        Rule.NOT_CANONICAL,
        "issued_time",
    ),
    "1.0 for 1": (_replace(b'"sequence":1', b'"sequence":1.0'), Rule.NOT_CANONICAL, "sequence"),
    "1e0 for 1": (_replace(b'"sequence":1', b'"sequence":1e0'), Rule.NOT_CANONICAL, "sequence"),
    "escaped letter": (
        _replace(b'"party":"US"', b'"party":"\\u0055S"'),
        Rule.NOT_CANONICAL,
        "byte",
    ),
    "NaN": (_replace(b'"warheads":1', b'"warheads":NaN'), Rule.NOT_JSON, "NaN"),
}


def _log_size(node: ServedNode) -> int:
    return int(node.client(Role.OWNER).get("/v1/log/checkpoint").json()["size"])


def _post_raw(node: ServedNode, raw: bytes) -> httpx.Response:
    return node.client(Role.OWNER).post(
        "/v1/notifications",
        content=b'{"notifications": [' + raw + b"]}",  # the envelope may be spaced freely
        headers={"Content-Type": "application/json"},
    )


@pytest.mark.parametrize("name", list(VARIANTS))
def test_a_non_canonical_encoding_of_a_validly_signed_notification_is_refused(
    node: ServedNode, name: str
) -> None:
    variant, rule, named = VARIANTS[name]
    note = signed(stream("US", 1), node.workspace.signing_key)[0]
    raw = variant(leaf_bytes(note))
    assert raw != leaf_bytes(note)
    response = _post_raw(node, raw)
    assert response.status_code == 422, response.text
    result = response.json()["results"][0]
    assert (result["status"], result["rule"]) == ("rejected", rule.value), result
    assert named in result["error"]
    assert _log_size(node) == 0
    # the canonical bytes of the same notification are accepted afterwards
    accepted = _post_raw(node, leaf_bytes(note))
    assert accepted.json()["results"][0]["status"] == "accepted", accepted.text


def test_the_log_holds_the_very_bytes_received(node: ServedNode) -> None:
    notes = signed(stream("US", 3), node.workspace.signing_key)
    sent = [leaf_bytes(n) for n in notes]
    response = _post_raw(node, b" ,\n ".join(sent))
    assert response.json()["accepted"] == 3, response.text
    entries = node.client(Role.OWNER).get("/v1/log/entries?start=0&end=3").json()["entries"]
    assert [base64.b64decode(e["leaf"]) for e in entries] == sent


def test_a_signature_over_other_bytes_than_those_received_is_refused(node: ServedNode) -> None:
    """Two notifications that differ only in a value the old re-serialisation normalised:
    the signature of one is not accepted on the other."""
    note = signed(stream("US", 1), node.workspace.signing_key)[0]
    other = leaf_bytes(note).replace(b'"warheads":1', b'"warheads":2', 1)
    response = _post_raw(node, other)
    assert response.json()["results"][0]["rule"] == Rule.SIGNATURE_INVALID.value


@pytest.mark.parametrize("second", ["same", "other"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_two_authorization_headers_are_refused(node: ServedNode, second: str, method: str) -> None:
    owner = node.tokens[Role.OWNER]
    other = owner if second == "same" else node.tokens[Role.OBSERVER]
    headers = [("Authorization", f"Bearer {owner}"), ("Authorization", f"Bearer {other}")]
    with httpx.Client(base_url=node.url, timeout=30) as client:
        if method == "GET":
            response = client.get("/v1/counts", headers=headers)
        else:
            body = (
                b'{"notifications":['
                + leaf_bytes(signed(stream("US", 1), node.workspace.signing_key)[0])
                + b"]}"
            )
            response = client.post(
                "/v1/notifications",
                content=body,
                headers=[*headers, ("Content-Type", "application/json")],
            )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert re.search("Authorization", response.json()["detail"])
    assert _log_size(node) == 0

"""Commitments and openings: every honest opening verifies, every tampered one fails."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
import rfc8785

from escrow.helpers import CATEGORIES, counter_random, small_inventory, small_secret
from treatyledger.escrow.commitment import (
    ITEM_DOMAIN,
    Commitment,
    OpenableTree,
    commit,
    commitment_context,
    item_digest,
    parse_commitment,
    parse_opening,
    parse_secret,
    verify_opening,
)
from treatyledger.escrow.errors import EscrowError, InvalidOpeningError, MalformedEscrowDocument
from treatyledger.model.items import make_item

SECRET = small_secret()
COMMITMENT = SECRET.commitment
TREE = OpenableTree.from_secret(SECRET)


def _opening_json(key: str = "MM3-0001") -> dict[str, Any]:
    return TREE.open(key).public()


def test_every_committed_item_opens_and_verifies() -> None:
    for entry in SECRET.entries:
        assert verify_opening(COMMITMENT, TREE.open(entry.key)) == entry.item


def test_items_without_uid_are_keyed_by_their_row() -> None:
    opened = verify_opening(COMMITMENT, TREE.open("#11"))
    assert opened.uid is None and opened.quantity == 40


def test_totals_are_the_category_sums_of_the_inventory() -> None:
    assert dict(COMMITMENT.totals) == {"deployed-warheads-at-F-E-Warren": 2, "deployed-rvs": 6}


def test_item_digest_follows_the_documented_construction() -> None:
    item = make_item({"uid": "W87-0009", "party": "US", "kind": "warhead", "status": "stored"})
    context, salt = bytes(range(32)), bytes(32)
    body = (
        b'{"item":{"kind":"warhead","party":"US","quantity":1,"status":"stored",'
        b'"uid":"W87-0009"},"key":"W87-0009"}'
    )
    expected = hashlib.sha256(b"treatyledger/escrow/item/v1\x00" + context + salt + body)
    assert ITEM_DOMAIN == b"treatyledger/escrow/item/v1\x00"
    assert item_digest(context, "W87-0009", item, salt) == expected.digest()


def test_context_is_the_hash_of_the_canonical_public_metadata() -> None:
    public = {
        "format": "treatyledger-escrow-commitment/v1",
        "party": "US",
        "exchange": "x",
        "count": 3,
        "categories": [c.public() for c in CATEGORIES],
    }
    expected = hashlib.sha256(b"treatyledger/escrow/context/v1\x00" + rfc8785.dumps(public))
    assert commitment_context("US", "x", 3, CATEGORIES) == expected.digest()


def test_the_same_inventory_with_other_salts_gives_another_root() -> None:
    assert small_secret("other-seed").commitment.root != COMMITMENT.root


def test_the_same_salts_give_the_same_root() -> None:
    assert small_secret().commitment.root == COMMITMENT.root


def test_leaves_are_ordered_by_salt_not_by_inventory_row() -> None:
    salts = [e.salt for e in SECRET.entries]
    assert salts == sorted(salts)
    assert [e.key for e in SECRET.entries] != [i.uid or "" for i in small_inventory().items]


def _flip_hex(text: str, position: int = 0) -> str:
    flipped = "0" if text[position] != "0" else "1"
    return text[:position] + flipped + text[position + 1 :]


Tamper = Callable[[dict[str, Any]], None]
TAMPERS: dict[str, Tamper] = {
    "item status": lambda o: o["item"].update(status="non_deployed"),
    "item facility": lambda o: o["item"].update(facility="Malmstrom"),
    "item warheads": lambda o: o["item"].update(warheads=3),
    "item dropped field": lambda o: o["item"].pop("facility"),
    "salt": lambda o: o.update(salt=_flip_hex(o["salt"], 63)),
    "salt of another item": lambda o: o.update(salt=TREE.by_key["MM3-0002"].salt),
    "key": lambda o: o.update(key="MM3-0002"),
    "row key for an item with a uid": lambda o: o.update(key="#1"),
    "index": lambda o: o.update(index=(o["index"] + 1) % o["size"]),
    "size": lambda o: o.update(size=o["size"] + 1),
    "root": lambda o: o.update(root=_flip_hex(o["root"])),
    "party": lambda o: o.update(party="RU"),
    "exchange": lambda o: o.update(exchange="2025-09-01"),
    "proof digest": lambda o: o["proof"].__setitem__(0, _flip_hex(o["proof"][0])),
    "proof sum": lambda o: o["proof"].__setitem__(0, _flip_hex(o["proof"][0], 79)),
    "proof last node": lambda o: o["proof"].__setitem__(-1, _flip_hex(o["proof"][-1], 5)),
    "proof truncated": lambda o: o["proof"].pop(),
    "proof extended": lambda o: o["proof"].append(o["proof"][0]),
    "proof reordered": lambda o: o["proof"].reverse(),
    "proof node of the wrong size": lambda o: o["proof"].__setitem__(0, o["proof"][0][:64]),
}


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_tampered_opening_fails(name: str) -> None:
    data = _opening_json()
    TAMPERS[name](data)
    with pytest.raises(InvalidOpeningError):
        verify_opening(COMMITMENT, parse_opening(data))


def _commitment_with(**changes: Any) -> Commitment:
    data = COMMITMENT.public()
    data.update(changes)
    return parse_commitment(data)


@pytest.mark.parametrize(
    "changes",
    [
        {"root": _flip_hex(COMMITMENT.root)},
        {"totals": {"deployed-warheads-at-F-E-Warren": 1, "deployed-rvs": 6}},
        {"totals": {"deployed-warheads-at-F-E-Warren": 2, "deployed-rvs": 7}},
        {"count": COMMITMENT.count + 1},
        {"exchange": "2026-09-01"},
    ],
    ids=["root", "total lowered", "total raised", "count", "exchange"],
)
def test_an_honest_opening_fails_against_a_tampered_commitment(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidOpeningError):
        verify_opening(_commitment_with(**changes), TREE.open("W87-0001"))


def test_changed_category_definition_invalidates_every_opening() -> None:
    data = COMMITMENT.public()
    data["categories"][1]["measure"] = "items"
    with pytest.raises(InvalidOpeningError):
        verify_opening(parse_commitment(data), TREE.open("MM3-0003"))


def test_opening_of_one_commitment_fails_against_another() -> None:
    other = small_secret("other-seed").commitment
    with pytest.raises(InvalidOpeningError, match="root"):
        verify_opening(other, TREE.open("MM3-0001"))


def test_an_item_of_another_party_is_refused_at_commit() -> None:
    with pytest.raises(EscrowError, match="RU"):
        commit(small_inventory(), party="RU", exchange="x", random_bytes=counter_random())


def test_a_short_random_source_is_refused() -> None:
    with pytest.raises(EscrowError, match="expected 32 bytes"):
        commit(small_inventory(), party="US", exchange="x", random_bytes=lambda n: bytes(n - 1))


def test_a_random_source_that_repeats_is_refused() -> None:
    with pytest.raises(EscrowError, match="repeated"):
        commit(small_inventory(), party="US", exchange="x", random_bytes=lambda n: bytes(n))


def test_opening_an_unknown_key_says_so() -> None:
    with pytest.raises(EscrowError, match="no committed item with key 'X-1'"):
        TREE.open("X-1")


def test_secret_round_trips_through_json() -> None:
    assert parse_secret(SECRET.model_dump(mode="json", exclude_none=True)) == SECRET


def test_a_tampered_secret_does_not_rebuild_the_root() -> None:
    data = SECRET.model_dump(mode="json", exclude_none=True)
    data["entries"][0]["salt"] = _flip_hex(data["entries"][0]["salt"])
    with pytest.raises(EscrowError, match="do not rebuild"):
        OpenableTree.from_secret(parse_secret(data))


@pytest.mark.parametrize(
    "change",
    [
        {"salt": "00" * 31},
        {"root": "AB" * 32},
        {"index": -1},
        {"key": "has space"},
        {"proof": ["00" * 48] * 65},
        {"extra": 1},
    ],
    ids=["short salt", "uppercase root", "negative index", "bad key", "long proof", "extra"],
)
def test_malformed_opening_is_a_schema_error(change: dict[str, Any]) -> None:
    data = _opening_json()
    data.update(change)
    with pytest.raises(MalformedEscrowDocument):
        parse_opening(data)


def test_commitment_totals_must_name_the_categories() -> None:
    data = COMMITMENT.public()
    data["totals"] = {"other": 1}
    with pytest.raises(MalformedEscrowDocument, match="totals"):
        parse_commitment(data)


def test_commitment_log_entry_is_canonical_json() -> None:
    assert COMMITMENT.entry_bytes() == rfc8785.dumps(COMMITMENT.public())


def test_an_exchange_label_with_spaces_is_refused_before_hashing() -> None:
    with pytest.raises(EscrowError, match="exchange 'Sept 2020'"):
        commit(small_inventory(), party="US", exchange="Sept 2020", random_bytes=counter_random())

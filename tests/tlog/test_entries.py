"""Leaf encoding: entries up to 65,535 bytes inline (what a C2SP entry bundle carries),
larger ones by digest."""

from __future__ import annotations

import hashlib

import pytest

from treatyledger.tlog.entries import (
    DIGEST_LEAF_SIZE,
    MAX_INLINE_ENTRY,
    check_leaf,
    is_digest_leaf,
    leaf_for_entry,
    leaf_matches_entry,
)
from treatyledger.tlog.errors import EntryError


def test_small_entry_is_its_own_leaf() -> None:
    assert leaf_for_entry(b'{"kind":"declare"}') == b'{"kind":"declare"}'


def test_entry_of_exactly_the_bundle_limit_is_inline() -> None:
    assert MAX_INLINE_ENTRY == 65_535
    entry = b"x" * MAX_INLINE_ENTRY
    assert leaf_for_entry(entry) == entry


def test_entry_over_the_bundle_limit_is_logged_by_digest() -> None:
    entry = b"x" * (MAX_INLINE_ENTRY + 1)
    leaf = leaf_for_entry(entry)
    assert len(leaf) == DIGEST_LEAF_SIZE and is_digest_leaf(leaf)
    assert hashlib.sha256(entry).digest() in leaf
    assert leaf_matches_entry(leaf, entry)
    assert not leaf_matches_entry(leaf, entry[:-1] + b"y")


def test_entry_starting_with_zero_byte_is_refused() -> None:
    with pytest.raises(EntryError, match="0x00"):
        leaf_for_entry(b"\x00abc")


def test_leaf_over_the_bundle_limit_is_refused_by_the_log() -> None:
    with pytest.raises(EntryError, match="digest"):
        check_leaf(b"x" * (MAX_INLINE_ENTRY + 1))

"""Leaf encoding: which bytes of an entry become a log leaf.

- An entry of at most ``MAX_INLINE_ENTRY`` (65,535) bytes is its own leaf, byte for byte
  (for notifications: the canonical signed envelope). 65,535 because C2SP tlog-tiles entry
  bundles prefix each leaf with a big-endian uint16 length.
- A larger entry is logged by digest: the leaf is ``DIGEST_LEAF_TAG`` (0x00 "tl-digest"
  0x00 "sha256" 0x00), then SHA-256(entry) (32 bytes), then len(entry) as 8 bytes
  big-endian: 50 bytes in all. The entry itself is kept elsewhere; anyone holding it checks
  it against the leaf with ``leaf_matches_entry``.
- An entry that starts with a 0x00 byte is refused, so an inline leaf can never be mistaken
  for a digest leaf (canonical JSON and UTF-8 text never start with 0x00).
"""

from __future__ import annotations

from treatyledger.tlog.errors import EntryError
from treatyledger.tlog.verifier import DIGEST_LEAF_TAG, MAX_INLINE_ENTRY, ProofError, entry_leaf

DIGEST_LEAF_SIZE = len(DIGEST_LEAF_TAG) + 32 + 8


def leaf_for_entry(entry: bytes) -> bytes:
    """The leaf bytes that log ``entry``: itself, or its digest leaf above 65,535 bytes."""
    if not entry:
        raise EntryError("entry is empty; expected at least one byte")
    if entry[0] == 0:
        raise EntryError("entry starts with byte 0x00, which is reserved for digest leaves")
    try:
        return entry_leaf(entry)  # the one encoding, in the standalone verifier
    except ProofError as exc:  # pragma: no cover - excluded by the checks above
        raise EntryError(str(exc)) from None


def is_digest_leaf(leaf: bytes) -> bool:
    return len(leaf) == DIGEST_LEAF_SIZE and leaf.startswith(DIGEST_LEAF_TAG)


def leaf_matches_entry(leaf: bytes, entry: bytes) -> bool:
    """Whether ``leaf`` is the leaf of ``entry`` (inline or by digest)."""
    try:
        return leaf_for_entry(entry) == leaf
    except EntryError:
        return False


def check_leaf(leaf: bytes) -> None:
    """Raise unless ``leaf`` fits in a log: at most 65,535 bytes. The tree itself takes any bytes
    (RFC 6962 leaves may be empty); applications log entries through ``leaf_for_entry``."""
    if len(leaf) > MAX_INLINE_ENTRY:
        raise EntryError(
            f"leaf of {len(leaf)} bytes: expected at most {MAX_INLINE_ENTRY}; log larger "
            "entries by digest with leaf_for_entry"
        )

"""RFC 6962 tree hashing. The hasher is passed into the proof and storage code, so they know
nothing about SHA-256; the definitions live in the standalone verifier (one source)."""

from __future__ import annotations

from treatyledger.tlog.verifier import RFC6962, Hasher, Sha256Hasher

__all__ = ["RFC6962", "Hasher", "Sha256Hasher", "fold_right"]


def fold_right(hasher: Hasher, hashes: list[bytes]) -> bytes:
    """Hash of a range given its complete subtrees left to right: H(c0, H(c1, ... c_last)).

    RFC 6962's MTH of a range that is not a power of two is this fold of the complete
    subtrees it decomposes into; an empty list is the empty tree.
    """
    if not hashes:
        return hasher.empty_root()
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = hasher.hash_children(left, result)
    return result

"""RFC 9162 inclusion and consistency proofs over the RFC 6962 SHA-256 tree hash, with
transparency-dev/merkle's and Go tlog's edge semantics; hashes and decimals as the C2SP
formats write them."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

from ._errors import ProofError, RootMismatchError, VerificationError


class Hasher(Protocol):
    """The tree hash: RFC 6962 section 2.1 with a chosen hash function."""

    size: int

    def empty_root(self) -> bytes: ...

    def hash_leaf(self, data: bytes) -> bytes: ...

    def hash_children(self, left: bytes, right: bytes) -> bytes: ...


_sha256 = hashlib.sha256  # one global lookup per hash: appends are hash-bound


class Sha256Hasher:
    """RFC 6962 / RFC 9162 SHA-256 tree hash with domain-separation prefixes 0x00 and 0x01."""

    size = 32

    def empty_root(self) -> bytes:
        return _sha256(b"").digest()

    def hash_leaf(self, data: bytes) -> bytes:
        return _sha256(b"\x00" + data).digest()

    def hash_leaves(self, leaves: Iterable[bytes]) -> list[bytes]:
        """``hash_leaf`` of each, a fifth cheaper in bulk (the log's audit: copying a hash
        of the prefix skips the concatenation and OpenSSL's lookup of SHA-256 per leaf)."""
        prefixed, out = _sha256(b"\x00"), list[bytes]()
        fresh, append = prefixed.copy, out.append
        for data in leaves:
            hashed = fresh()
            hashed.update(data)
            append(hashed.digest())
        return out

    def hash_children(self, left: bytes, right: bytes) -> bytes:
        return _sha256(b"\x01" + left + right).digest()


RFC6962 = Sha256Hasher()


def decode_hash(text: str, *, what: str = "hash", size: int = 32) -> bytes:
    """A hash given as lowercase/uppercase hex or standard base64; raises ProofError."""
    text = text.strip()
    raw: bytes | None = None
    if len(text) == 2 * size:
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = None
    if raw is None:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ProofError(f"{what}: expected hex or base64, found {text[:80]!r}") from exc
    if len(raw) != size:
        raise ProofError(f"{what}: expected {size} bytes, found {len(raw)}")
    return raw


def parse_decimal(text: str, what: str, error: type[VerificationError] | None = None) -> int:
    """A size or index as the C2SP formats write it: ASCII digits, no leading zeroes (``0``
    itself is fine). ``int()`` alone would take ``+1``, ``1_0``, ``03`` and other scripts'
    digits; here each is refused with ``error`` (ProofError by default)."""
    if not text or not text.isascii() or not text.isdigit() or (len(text) > 1 and text[0] == "0"):
        raise (error or ProofError)(
            f"{what}: expected ASCII decimal digits without leading zeroes, found {text[:40]!r}"
        )
    return int(text)


# --------------------------------------------------------------------------- proofs


def _check_hash(hasher: Hasher, value: bytes, what: str) -> None:
    if len(value) != hasher.size:
        raise ProofError(f"{what} has size {len(value)}, want {hasher.size}")


def _decompose_inclusion(index: int, size: int) -> tuple[int, int]:
    """Lengths of the inner and border parts of the proof for ``index`` in a tree of ``size``.

    The inner part is below the point where the paths to ``index`` and ``size - 1`` diverge;
    above it every sibling is a complete left subtree on the right border.
    """
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner, border


def _chain_inner(hasher: Hasher, seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        seed = (
            hasher.hash_children(seed, h)
            if (index >> i) & 1 == 0
            else hasher.hash_children(h, seed)
        )
    return seed


def _chain_inner_right(hasher: Hasher, seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    # Only left siblings: the hash of the same subtree as it was in the earlier tree.
    for i, h in enumerate(proof):
        if (index >> i) & 1 == 1:
            seed = hasher.hash_children(h, seed)
    return seed


def _chain_border_right(hasher: Hasher, seed: bytes, proof: Sequence[bytes]) -> bytes:
    for h in proof:
        seed = hasher.hash_children(h, seed)
    return seed


def root_from_inclusion_proof(
    hasher: Hasher, index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` implies for leaf ``index`` in a tree of ``size`` (RFC 9162
    2.1.3.2). Requires 0 <= index < size, a hash-sized leaf hash and proof of exact length."""
    if index < 0 or size < 0:
        raise ProofError(f"index {index} and size {size} must not be negative")
    if index >= size:
        raise ProofError(f"index is beyond size: {index} >= {size}")
    _check_hash(hasher, leaf_hash, "leaf hash")
    inner, border = _decompose_inclusion(index, size)
    if len(proof) != inner + border:
        raise ProofError(f"wrong proof size {len(proof)}, want {inner + border}")
    for i, h in enumerate(proof):
        _check_hash(hasher, h, f"proof[{i}]")
    root = _chain_inner(hasher, leaf_hash, proof[:inner], index)
    return _chain_border_right(hasher, root, proof[inner:])


def verify_inclusion(
    hasher: Hasher,
    index: int,
    size: int,
    leaf_hash: bytes,
    proof: Sequence[bytes],
    root: bytes,
) -> None:
    """Raise unless ``proof`` shows leaf ``index`` with ``leaf_hash`` in the tree ``root``."""
    calculated = root_from_inclusion_proof(hasher, index, size, leaf_hash, proof)
    if calculated != root:
        raise RootMismatchError("root", root, calculated)


def consistency_proof_roots(
    hasher: Hasher, size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> tuple[bytes, bytes]:
    """Both roots a consistency proof implies: (root of size1, root of size2), RFC 9162 2.1.4.2.

    When ``size1`` is not a power of two the first root comes from the proof alone; otherwise
    it is ``root1`` itself (the proof then omits it). Requires 0 < size1 < size2 and a proof
    of exact length; the equal-size case is handled by ``root_from_consistency_proof``.
    """
    if size1 <= 0 or size2 <= size1:
        raise ProofError(f"need 0 < size1 < size2, found size1 {size1}, size2 {size2}")
    if not proof:
        raise ProofError("empty proof")
    for i, h in enumerate(proof):
        _check_hash(hasher, h, f"proof[{i}]")
    inner, border = _decompose_inclusion(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1
    inner -= shift
    # The proof starts with the root of the size-2^shift subtree, unless that is root1 itself.
    if size1 == 1 << shift:
        seed, rest = root1, list(proof)
    else:
        seed, rest = proof[0], list(proof[1:])
    want = (len(proof) - len(rest)) + inner + border
    if len(proof) != want:
        raise ProofError(f"wrong proof size {len(proof)}, want {want}")
    mask = (size1 - 1) >> shift
    hash1 = _chain_inner_right(hasher, seed, rest[:inner], mask)
    hash1 = _chain_border_right(hasher, hash1, rest[inner:])
    hash2 = _chain_inner(hasher, seed, rest[:inner], mask)
    hash2 = _chain_border_right(hasher, hash2, rest[inner:])
    return hash1, hash2


def root_from_consistency_proof(
    hasher: Hasher, size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> bytes:
    """The root of size ``size2`` that ``proof`` implies, after checking it against ``root1``.

    Edge semantics (transparency-dev/merkle and Go's tlog.CheckTree): size2 < size1 is an
    error; a proof from size 0 is an error, also to size 0; equal sizes need an empty proof
    and give root1; an empty proof for size1 < size2 is an error.
    """
    if size1 < 0 or size2 < 0:
        raise ProofError(f"sizes must not be negative, found {size1} and {size2}")
    if size2 < size1:
        raise ProofError(f"size2 ({size2}) < size1 ({size1})")
    _check_hash(hasher, root1, "root1")
    if size1 == 0:
        # Go's tlog.CheckTree refuses n < 1 too: the empty tree is a prefix of every tree,
        # so a "proof" from it proves nothing, and 0 -> 0 is no exception.
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if size1 == size2:
        if proof:
            raise ProofError(f"size1 = size2 = {size1}, but the proof has {len(proof)} hashes")
        return root1
    hash1, hash2 = consistency_proof_roots(hasher, size1, size2, proof, root1)
    if hash1 != root1:
        raise RootMismatchError("root1", root1, hash1)
    return hash2


def verify_consistency(
    hasher: Hasher,
    size1: int,
    size2: int,
    proof: Sequence[bytes],
    root1: bytes,
    root2: bytes,
) -> None:
    """Raise unless ``proof`` shows the tree (size1, root1) is a prefix of (size2, root2)."""
    _check_hash(hasher, root2, "root2")
    calculated = root_from_consistency_proof(hasher, size1, size2, proof, root1)
    if calculated != root2:
        raise RootMismatchError("root2", root2, calculated)

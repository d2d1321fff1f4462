"""The ristretto255 group (RFC 9496) through libsodium, and hashing to it (RFC 9380).

Part of the standalone zk verifier: Python standard library plus ``pysodium`` (the ctypes
binding of the system libsodium, >= 1.0.18). Every group operation is libsodium's:
decoding and validation (``crypto_core_ristretto255_is_valid_point``), addition, subtraction,
scalar multiplication (``crypto_scalarmult_ristretto255[_base]``) and the RFC 9496 one-way
map from 64 uniform bytes (``crypto_core_ristretto255_from_hash``). Nothing here adds or
doubles points itself. Scalars are Python integers modulo the prime group order ``ORDER``:
arithmetic modulo a prime, not a group implementation.

A point is its canonical 32-byte encoding (``bytes``); decoding a point from outside goes
through ``decode_point``, which rejects every non-canonical or invalid encoding. The identity
encodes as 32 zero bytes. libsodium refuses to return the identity from a scalar
multiplication (it guards Diffie-Hellman outputs); ``mul`` answers the identity itself for
the cases where that is the true result (a zero scalar or the identity point), which are the
only ones in a prime-order group.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

import pysodium

try:  # inside TreatyLedger the CLI reports these as one line; standalone they are Exceptions
    from treatyledger.errors import TreatyLedgerError as _ErrorBase
except ImportError:  # pragma: no cover - only when this file is copied out on its own
    _ErrorBase = Exception  # type: ignore[assignment,misc]

#: The order of the ristretto255 group: 2^252 + 27742317777372353535851937790883648493.
ORDER = 2**252 + 27742317777372353535851937790883648493
POINT_BYTES = 32
SCALAR_BYTES = 32
IDENTITY = bytes(POINT_BYTES)
#: The RFC 9496 generator (section 4.4: the ristretto255 encoding of the Ed25519 base point).
GENERATOR = bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76")

_mul = pysodium.crypto_scalarmult_ristretto255
_mul_base = pysodium.crypto_scalarmult_ristretto255_base
_add = pysodium.crypto_core_ristretto255_add
_sub = pysodium.crypto_core_ristretto255_sub


class GroupError(_ErrorBase):
    """An encoding is not a ristretto255 element or scalar, or an input is out of bounds."""


def decode_point(data: bytes) -> bytes:
    """``data`` if it is the canonical encoding of a ristretto255 element (RFC 9496 4.3.1);
    else ``GroupError``."""
    if len(data) != POINT_BYTES:
        raise GroupError(f"a point is {POINT_BYTES} bytes, got {len(data)}")
    if not pysodium.crypto_core_ristretto255_is_valid_point(data):
        raise GroupError(f"{data.hex()} is not a canonical ristretto255 encoding")
    return bytes(data)


def scalar_bytes(s: int) -> bytes:
    """The canonical 32-byte little-endian encoding of ``s mod ORDER``."""
    return (s % ORDER).to_bytes(SCALAR_BYTES, "little")


def decode_scalar(data: bytes) -> int:
    """A scalar from its canonical encoding (little-endian, below ``ORDER``)."""
    if len(data) != SCALAR_BYTES:
        raise GroupError(f"a scalar is {SCALAR_BYTES} bytes, got {len(data)}")
    value = int.from_bytes(data, "little")
    if value >= ORDER:
        raise GroupError(f"{data.hex()} is not a canonical scalar (not below the group order)")
    return value


def scalar_from_wide(data: bytes) -> int:
    """A scalar from 64 uniform bytes (little-endian, reduced modulo ``ORDER``): the bias is
    below 2^-259, as in libsodium's ``crypto_core_ristretto255_scalar_reduce``."""
    if len(data) != 64:
        raise GroupError(f"wide reduction takes 64 bytes, got {len(data)}")
    return int.from_bytes(data, "little") % ORDER


def inverse(s: int) -> int:
    s %= ORDER
    if s == 0:
        raise GroupError("zero has no inverse")
    return pow(s, -1, ORDER)


def mul(s: int, point: bytes) -> bytes:
    """[s]point."""
    s %= ORDER
    if s == 0 or point == IDENTITY:
        return IDENTITY
    return bytes(_mul(s.to_bytes(SCALAR_BYTES, "little"), point))


def mul_base(s: int) -> bytes:
    """[s]GENERATOR (libsodium's fixed-base multiplication)."""
    s %= ORDER
    if s == 0:
        return IDENTITY
    return bytes(_mul_base(s.to_bytes(SCALAR_BYTES, "little")))


def add(p: bytes, q: bytes) -> bytes:
    return bytes(_add(p, q))


def sub(p: bytes, q: bytes) -> bytes:
    return bytes(_sub(p, q))


def neg(p: bytes) -> bytes:
    return sub(IDENTITY, p)


def sum_points(points: Iterable[bytes]) -> bytes:
    total = IDENTITY
    for point in points:
        total = _add(total, point)
    return bytes(total)


def _multiscalar_serial(scalars: Sequence[int], points: Sequence[bytes]) -> bytes:
    total = IDENTITY
    for s, point in zip(scalars, points, strict=True):
        s %= ORDER
        if s == 0 or point == IDENTITY:
            continue
        total = _add(total, _mul(s.to_bytes(SCALAR_BYTES, "little"), point))
    return bytes(total)


def multiscalar(scalars: Sequence[int], points: Sequence[bytes]) -> bytes:
    """sum [s_i]P_i. libsodium has no multi-scalar multiplication, so this is one scalar
    multiplication and one addition per term (zero scalars skipped), in ``WORKERS`` chunks."""
    if len(scalars) != len(points):
        raise GroupError(f"{len(scalars)} scalars for {len(points)} points")
    chunks = _chunks(len(points))
    if len(chunks) == 1:
        return _multiscalar_serial(scalars, points)
    tasks = [partial(_multiscalar_serial, scalars[a:b], points[a:b]) for a, b in chunks]
    return sum_points(run_parallel(tasks))


#: libsodium runs without the GIL (ctypes releases it), so long runs of group operations are
#: split over threads; the result does not depend on the split.
WORKERS = max(1, min(4, os.cpu_count() or 1))
_PARALLEL_MIN = 128
_executor: ThreadPoolExecutor | None = None
_T = TypeVar("_T")


def _chunks(length: int) -> list[tuple[int, int]]:
    if length < _PARALLEL_MIN:
        return [(0, length)]
    step = -(-length // WORKERS)
    return [(a, min(a + step, length)) for a in range(0, length, step)]


def run_parallel(tasks: Sequence[Callable[[], _T]]) -> list[_T]:
    """Run the tasks on the group-operation threads; results in task order."""
    global _executor
    if len(tasks) <= 1 or WORKERS == 1:
        return [task() for task in tasks]
    if _executor is None:
        _executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="ristretto255")
    futures = [_executor.submit(task) for task in tasks]
    return [future.result() for future in futures]


def from_uniform_bytes(data: bytes) -> bytes:
    """RFC 9496 section 4.3.4 element derivation: the one-way map of 64 uniform bytes."""
    if len(data) != 64:
        raise GroupError(f"element derivation takes 64 bytes, got {len(data)}")
    return bytes(pysodium.crypto_core_ristretto255_from_hash(data))


def expand_message_xmd(message: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 section 5.3.1 ``expand_message_xmd`` with SHA-512 (b = 64, s = 128 bytes)."""
    if not 1 <= len(dst) <= 255:
        raise GroupError(f"a domain separation tag is 1..255 bytes, got {len(dst)}")
    blocks = -(-length // 64)
    if not 1 <= blocks <= 255 or length > 65535:
        raise GroupError(f"expand_message_xmd cannot make {length} bytes")
    dst_prime = dst + bytes([len(dst)])
    b_0 = hashlib.sha512(
        bytes(128) + message + length.to_bytes(2, "big") + b"\x00" + dst_prime
    ).digest()
    b_i = hashlib.sha512(b_0 + b"\x01" + dst_prime).digest()
    out = [b_i]
    for i in range(2, blocks + 1):
        mixed = bytes(x ^ y for x, y in zip(b_0, b_i, strict=True))
        b_i = hashlib.sha512(mixed + bytes([i]) + dst_prime).digest()
        out.append(b_i)
    return b"".join(out)[:length]


def hash_to_group(message: bytes, dst: bytes) -> bytes:
    """RFC 9380 appendix B ``hash_to_ristretto255``: expand_message_xmd(SHA-512) to 64 bytes,
    then the RFC 9496 element derivation. Nobody knows the discrete logarithm of the result
    with respect to any other point (nothing-up-my-sleeve generators)."""
    return from_uniform_bytes(expand_message_xmd(message, dst, 64))

"""The public generators of the zk proofs (part of the standalone zk verifier).

- ``G``: the RFC 9496 ristretto255 generator, the base of committed values (g in Bulletproofs);
- ``H``: the base of blinding factors (h), ``hash_to_group("pedersen/H")``;
- ``g_i``, ``h_i``: the Bulletproofs vector generators, ``hash_to_group("bulletproofs/g/" ||
  i)`` and ``hash_to_group("bulletproofs/h/" || i)`` with i as 4 bytes, big-endian, from 0;
- ``U``: the inner-product argument's base (u), ``hash_to_group("bulletproofs/u")``.

All hashes are RFC 9380 ``hash_to_ristretto255`` under the domain separation tag ``DST``, so
no one knows a discrete-logarithm relation between any two of them: a Pedersen commitment
v*G + r*H is binding because log_G(H) is unknown, and hiding because r is uniform.
"""

from __future__ import annotations

from treatyledger.zk import ristretto as group
from treatyledger.zk.ristretto import GENERATOR, GroupError, hash_to_group

DST = b"TREATYLEDGER-ZK-V01-CS01-with-ristretto255_XMD:SHA-512_R255MAP_RO_"
#: Enough for 2^16 bits: any statement the verifier accepts (see ``verifier.MAX_BITS_TOTAL``).
MAX_VECTOR_GENERATORS = 1 << 16

G = GENERATOR
H = hash_to_group(b"pedersen/H", DST)
U = hash_to_group(b"bulletproofs/u", DST)

_g: list[bytes] = []
_h: list[bytes] = []


def vector_generators(count: int) -> tuple[list[bytes], list[bytes]]:
    """The first ``count`` of g_i and of h_i (derived once per process, then cached)."""
    if not 0 <= count <= MAX_VECTOR_GENERATORS:
        raise GroupError(f"{count} vector generators asked for, at most {MAX_VECTOR_GENERATORS}")
    for i in range(len(_g), count):
        index = i.to_bytes(4, "big")
        _g.append(hash_to_group(b"bulletproofs/g/" + index, DST))
        _h.append(hash_to_group(b"bulletproofs/h/" + index, DST))
    return _g[:count], _h[:count]


def commit(value: int, blinding: int) -> bytes:
    """The Pedersen commitment value*G + blinding*H (G is the generator: fixed-base mul)."""
    return group.add(group.mul_base(value), group.mul(blinding, H))

"""Aggregated Bulletproofs range proofs: the proof and its verifier (part of the standalone
zk verifier).

Bünz, Bootle, Boneh, Poelstra, Wuille and Maxwell, "Bulletproofs: Short Proofs for
Confidential Transactions and More", IEEE S&P 2018: the aggregated logarithmic range proof
(section 4.3) over the inner-product argument (section 3, protocols 1 and 2), made
non-interactive by Fiat-Shamir (section 4.4), verified as one multi-exponentiation
(sections 3.1 and 6.2). Notation as in the paper: m values of n bits, g and h the Pedersen
bases (``generators.G``, ``generators.H``), **g**, **h** the vector generators, u the
inner-product base. A proof is (A, S, T1, T2, tau_x, mu, t_hat, L_1..L_k, R_1..R_k, a, b)
with k = log2(n*m): 2k + 4 points and 5 scalars.

Verification folds the paper's two checks (the t_hat equation (72) and the inner-product
check) into one equation with a weight c drawn from the transcript after the whole proof:
if either check fails, at most one c makes the sum vanish, and the prover cannot choose c.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from treatyledger.zk import ristretto as group
from treatyledger.zk.generators import G, H, U, vector_generators
from treatyledger.zk.ristretto import ORDER, GroupError, inverse
from treatyledger.zk.transcript import Transcript

#: Bits per value: n must be a power of two for the inner-product argument's halving (a
#: statement of any other bit length k is proven at the next power of two, ``zk.verifier``).
ALLOWED_BITS = (1, 2, 4, 8, 16, 32, 64)


class RangeProofError(GroupError):
    """A range proof does not verify, or its shape does not fit the statement."""


@dataclass(frozen=True)
class RangeProof:
    A: bytes
    S: bytes
    T1: bytes
    T2: bytes
    tau_x: int
    mu: int
    t_hat: int
    L: tuple[bytes, ...]
    R: tuple[bytes, ...]
    a: int
    b: int

    @property
    def group_elements(self) -> int:
        return 4 + len(self.L) + len(self.R)

    def to_json(self) -> dict[str, Any]:
        def scalar(s: int) -> str:
            return group.scalar_bytes(s).hex()

        return {
            "A": self.A.hex(),
            "S": self.S.hex(),
            "T1": self.T1.hex(),
            "T2": self.T2.hex(),
            "tau_x": scalar(self.tau_x),
            "mu": scalar(self.mu),
            "t_hat": scalar(self.t_hat),
            "L": [p.hex() for p in self.L],
            "R": [p.hex() for p in self.R],
            "a": scalar(self.a),
            "b": scalar(self.b),
        }


def check_shape(bits: int, values: int) -> int:
    """The number of rounds of the inner-product argument for ``values`` values of ``bits``
    bits (both powers of two, as the paper assumes; callers pad the values)."""
    if bits not in ALLOWED_BITS:
        raise RangeProofError(f"bits per value must be one of {ALLOWED_BITS}, got {bits}")
    if values < 1 or values & (values - 1):
        raise RangeProofError(f"the number of values must be a power of two, got {values}")
    return (bits * values).bit_length() - 1


def begin(transcript: Transcript, bits: int, commitments: Sequence[bytes]) -> None:
    """The statement of a range proof, as prover and verifier append it."""
    transcript.append_u64(b"bits", bits)
    transcript.append_u64(b"values", len(commitments))
    for commitment in commitments:
        transcript.append(b"V", commitment)


def delta(y: int, z: int, bits: int, values: int) -> int:
    """delta(y, z) = (z - z^2) <1^{nm}, y^{nm}> - sum_j z^{j+2} <1^n, 2^n> (j from 1)."""
    sum_y = 0
    power = 1
    for _ in range(bits * values):
        sum_y += power
        power = power * y % ORDER
    sum_z = 0
    z_j = z * z % ORDER * z % ORDER
    for _ in range(values):
        sum_z += z_j
        z_j = z_j * z % ORDER
    return ((z - z * z) * sum_y - sum_z * ((1 << bits) - 1)) % ORDER


def folding_scalars(challenges: Sequence[int]) -> list[int]:
    """s_i = prod_j x_j^{b(i,j)}: the coefficient of g_i in the fully folded generator, with
    b(i,j) = +1 where bit (k - j) of i is set (round j took the high half), else -1."""
    rounds = len(challenges)
    product_inverse = 1
    for x in challenges:
        product_inverse = product_inverse * x % ORDER
    s = [inverse(product_inverse)]
    squares = [x * x % ORDER for x in challenges]
    for i in range(1, 1 << rounds):
        top = i.bit_length() - 1
        s.append(s[i - (1 << top)] * squares[rounds - 1 - top] % ORDER)
    return s


def verify_range_proof(
    proof: RangeProof, commitments: Sequence[bytes], bits: int, transcript: Transcript
) -> None:
    """Accept the proof that every ``commitments[j]`` = v_j*G + gamma_j*H has v_j in
    [0, 2^bits), or raise ``RangeProofError``. ``transcript`` must already hold what the
    prover bound before the proof (the statement)."""
    m = len(commitments)
    rounds = check_shape(bits, m)
    if len(proof.L) != rounds or len(proof.R) != rounds:
        raise RangeProofError(
            f"the inner-product argument has {len(proof.L)} L and {len(proof.R)} R points, "
            f"want {rounds} each for {m} values of {bits} bits"
        )
    begin(transcript, bits, commitments)
    transcript.append(b"A", proof.A)
    transcript.append(b"S", proof.S)
    y = transcript.challenge(b"y")
    z = transcript.challenge(b"z")
    transcript.append(b"T1", proof.T1)
    transcript.append(b"T2", proof.T2)
    x = transcript.challenge(b"x")
    transcript.append_scalar(b"tau_x", proof.tau_x)
    transcript.append_scalar(b"mu", proof.mu)
    transcript.append_scalar(b"t_hat", proof.t_hat)
    w = transcript.challenge(b"w")
    challenges = []
    for left, right in zip(proof.L, proof.R, strict=True):
        transcript.append(b"L", left)
        transcript.append(b"R", right)
        challenges.append(transcript.challenge(b"ipa-x"))
    transcript.append_scalar(b"a", proof.a)
    transcript.append_scalar(b"b", proof.b)
    c = transcript.challenge(b"batch-weight")

    n_total = bits * m
    g, h = vector_generators(n_total)
    s = folding_scalars(challenges)
    y_inverse = inverse(y)
    a, b = proof.a, proof.b
    g_exponents = [(-z - a * s_i) % ORDER for s_i in s]
    h_exponents = []
    y_inv_power = 1
    z_j = z * z % ORDER
    for j in range(m):
        power_of_two = 1
        for i in range(bits):
            index = j * bits + i
            # s_i^-1 is s at the complementary index: every bit, hence every exponent, flips.
            term = z_j * power_of_two - b * s[n_total - 1 - index]
            h_exponents.append((z + y_inv_power * term) % ORDER)
            y_inv_power = y_inv_power * y_inverse % ORDER
            power_of_two <<= 1
        z_j = z_j * z % ORDER
    v_exponents = []
    z_j = z * z % ORDER
    for _ in range(m):
        v_exponents.append(-c * z_j % ORDER)
        z_j = z_j * z % ORDER
    squares = [u * u % ORDER for u in challenges]
    scalars = [
        c * (proof.t_hat - delta(y, z, bits, m)),
        c * proof.tau_x - proof.mu,
        -c * x,
        -c * x * x,
        1,
        x,
        w * (proof.t_hat - a * b),
        *v_exponents,
        *squares,
        *(inverse(sq) for sq in squares),
        *g_exponents,
        *h_exponents,
    ]
    points = [G, H, proof.T1, proof.T2, proof.A, proof.S, U, *commitments, *proof.L, *proof.R]
    points += g + h
    if group.multiscalar(scalars, points) != group.IDENTITY:
        raise RangeProofError("the range proof does not verify")

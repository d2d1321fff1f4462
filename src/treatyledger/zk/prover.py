"""The Bulletproofs prover: aggregated range proofs (Bünz et al. 2018, section 4.3) and the
inner-product argument (section 3, protocol 2), with the transcript of ``rangeproof``.

The proof is exactly the paper's; only how the prover computes it is arranged for libsodium,
which has no multi-scalar multiplication and decodes and re-encodes a point on every call:

- A = alpha*h + <a_L, **g**> + <a_R, **h**> has bits for exponents, so it is additions and
  subtractions only;
- the inner-product argument runs on h'_i = y^-i * h_i without computing h': each generator is
  kept as a point times a known scalar factor (``_Folding``), so h' costs nothing and folding
  a pair costs one scalar multiplication instead of two (the factor absorbs the other);
- the last round does not fold (no round follows that would use the folded generators).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from treatyledger.zk import ristretto as group
from treatyledger.zk.generators import H, U, vector_generators
from treatyledger.zk.rangeproof import RangeProof, RangeProofError, begin, check_shape
from treatyledger.zk.ristretto import ORDER, inverse, scalar_from_wide
from treatyledger.zk.transcript import Transcript

RandomBytes = Callable[[int], bytes]


def _inner(a: Sequence[int], b: Sequence[int]) -> int:
    return sum(x * y for x, y in zip(a, b, strict=True)) % ORDER


def _random_scalars(random_bytes: RandomBytes, count: int) -> list[int]:
    data = random_bytes(64 * count)
    if len(data) != 64 * count:
        raise RangeProofError("the random source returned too few bytes")
    return [scalar_from_wide(data[64 * i : 64 * i + 64]) for i in range(count)]


class _Folding:
    """Generators as (point, factor) pairs: the generator is factor * point."""

    def __init__(self, points: list[bytes], factors: list[int]) -> None:
        self.points = points
        self.factors = factors

    def fold(self, x_low: int, x_high: int) -> None:
        """Generator'_i = x_low * gen_i + x_high * gen_{i+n/2}, as point_i + c_i * point_hi
        with factor x_low * factor_i."""
        half = len(self.points) // 2
        points, factors = self.points, self.factors
        lows = [x_low * f % ORDER for f in factors[:half]]
        ratios = [
            x_high * f % ORDER * low_inverse % ORDER
            for f, low_inverse in zip(factors[half:], _batch_inverse(lows), strict=True)
        ]
        self.points = [
            group.add(points[i], group.mul(ratios[i], points[half + i])) for i in range(half)
        ]
        self.factors = lows


def _batch_inverse(values: Sequence[int]) -> list[int]:
    """Every value's inverse from one modular inversion (Montgomery's trick: prefix products,
    then back): a Python ``pow(x, -1, ORDER)`` costs a third of a scalar multiplication."""
    prefix = [1]
    for v in values:
        prefix.append(prefix[-1] * v % ORDER)
    running = inverse(prefix[-1])
    out = [0] * len(values)
    for i in range(len(values) - 1, -1, -1):
        out[i] = running * prefix[i] % ORDER
        running = running * values[i] % ORDER
    return out


def _inner_product_argument(
    transcript: Transcript,
    a: list[int],
    b: list[int],
    g: _Folding,
    h: _Folding,
    q: bytes,
) -> tuple[list[bytes], list[bytes], int, int]:
    """Protocol 2 for P = <a, g> + <b, h> + <a, b> q: the L and R points and final a, b."""
    left_points: list[bytes] = []
    right_points: list[bytes] = []
    while len(a) > 1:
        half = len(a) // 2
        a_lo, a_hi, b_lo, b_hi = a[:half], a[half:], b[:half], b[half:]
        g_f, h_f = g.factors, h.factors
        left = group.multiscalar(
            [*(a_lo[i] * g_f[half + i] for i in range(half)),
             *(b_hi[i] * h_f[i] for i in range(half)),
             _inner(a_lo, b_hi)],
            [*g.points[half:], *h.points[:half], q],
        )  # fmt: skip
        right = group.multiscalar(
            [*(a_hi[i] * g_f[i] for i in range(half)),
             *(b_lo[i] * h_f[half + i] for i in range(half)),
             _inner(a_hi, b_lo)],
            [*g.points[:half], *h.points[half:], q],
        )  # fmt: skip
        transcript.append(b"L", left)
        transcript.append(b"R", right)
        left_points.append(left)
        right_points.append(right)
        x = transcript.challenge(b"ipa-x")
        x_inverse = inverse(x)
        a = [(a_lo[i] * x + a_hi[i] * x_inverse) % ORDER for i in range(half)]
        b = [(b_lo[i] * x_inverse + b_hi[i] * x) % ORDER for i in range(half)]
        if half > 1:
            group.run_parallel([partial(g.fold, x_inverse, x), partial(h.fold, x, x_inverse)])
    return left_points, right_points, a[0], b[0]


def prove_range(
    values: Sequence[int],
    blindings: Sequence[int],
    commitments: Sequence[bytes],
    bits: int,
    transcript: Transcript,
    random_bytes: RandomBytes,
) -> RangeProof:
    """Prove that each ``commitments[j]`` = values[j]*G + blindings[j]*H holds a value in
    [0, 2^bits). The number of values must be a power of two (pad with value 0, blinding 0,
    whose commitment is the identity). ``transcript`` must hold the statement already."""
    m = len(values)
    check_shape(bits, m)
    if len(blindings) != m or len(commitments) != m:
        raise RangeProofError("values, blindings and commitments differ in number")
    for j, v in enumerate(values):
        if not 0 <= v < 1 << bits:
            raise RangeProofError(f"value {j} is outside [0, 2^{bits}): cannot prove it")
    n_total = bits * m
    g, h = vector_generators(n_total)
    begin(transcript, bits, commitments)

    a_left = [(v >> i) & 1 for v in values for i in range(bits)]
    alpha, rho, tau_1, tau_2 = _random_scalars(random_bytes, 4)
    s_left = _random_scalars(random_bytes, n_total)
    s_right = _random_scalars(random_bytes, n_total)
    a_point = group.mul(alpha, H)
    for i, bit in enumerate(a_left):
        a_point = group.add(a_point, g[i]) if bit else group.sub(a_point, h[i])
    s_point = group.multiscalar([rho, *s_left, *s_right], [H, *g, *h])
    transcript.append(b"A", a_point)
    transcript.append(b"S", s_point)
    y = transcript.challenge(b"y")
    z = transcript.challenge(b"z")

    # l(X) = l0 + l1 X, r(X) = r0 + r1 X with a_R = a_L - 1 (paper, section 4.3).
    y_powers = [1] * n_total
    for i in range(1, n_total):
        y_powers[i] = y_powers[i - 1] * y % ORDER
    l0 = [(bit - z) % ORDER for bit in a_left]
    r0 = []
    z_j = z * z % ORDER
    z_weights = []
    for j in range(m):
        z_weights.append(z_j)
        for i in range(bits):
            index = j * bits + i
            r0.append((y_powers[index] * (a_left[index] - 1 + z) + z_j * (1 << i)) % ORDER)
        z_j = z_j * z % ORDER
    r1 = [y_powers[i] * s_right[i] % ORDER for i in range(n_total)]
    t1 = (_inner(l0, r1) + _inner(s_left, r0)) % ORDER
    t2 = _inner(s_left, r1)
    t1_point = group.add(group.mul_base(t1), group.mul(tau_1, H))
    t2_point = group.add(group.mul_base(t2), group.mul(tau_2, H))
    transcript.append(b"T1", t1_point)
    transcript.append(b"T2", t2_point)
    x = transcript.challenge(b"x")

    tau_x = (tau_2 * x * x + tau_1 * x + _inner(z_weights, blindings)) % ORDER
    mu = (alpha + rho * x) % ORDER
    l_vector = [(l0[i] + s_left[i] * x) % ORDER for i in range(n_total)]
    r_vector = [(r0[i] + r1[i] * x) % ORDER for i in range(n_total)]
    t_hat = _inner(l_vector, r_vector)
    transcript.append_scalar(b"tau_x", tau_x)
    transcript.append_scalar(b"mu", mu)
    transcript.append_scalar(b"t_hat", t_hat)
    w = transcript.challenge(b"w")

    y_inverse = inverse(y)
    h_factors = [1] * n_total
    for i in range(1, n_total):
        h_factors[i] = h_factors[i - 1] * y_inverse % ORDER
    left, right, a, b = _inner_product_argument(
        transcript,
        l_vector,
        r_vector,
        _Folding(list(g), [1] * n_total),
        _Folding(list(h), h_factors),
        group.mul(w, U),
    )
    return RangeProof(
        A=a_point,
        S=s_point,
        T1=t1_point,
        T2=t2_point,
        tau_x=tau_x,
        mu=mu,
        t_hat=t_hat,
        L=tuple(left),
        R=tuple(right),
        a=a,
        b=b,
    )

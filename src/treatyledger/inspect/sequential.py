"""Sequential tests: Wald's SPRT and Page's CUSUM with average run lengths.

Conventions (``inspection_cases.json``): the SPRT accepts H1 when the log-likelihood ratio
reaches ``ln((1-beta)/alpha)`` and H0 when it falls to ``ln(beta/(1-alpha))`` (Wald 1947).
The upper CUSUM is ``S_n = max(0, S_{n-1} + X_n - k)`` with X ~ N(mu, 1), alarming when
``S_n > h``; its average run length solves the Page integral equation, here by the Nystroem
method on Gauss-Legendre nodes (Brook & Evans 1972; as CRAN ``spc::xcusum.arl``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy import stats

from treatyledger.inspect.errors import SequentialTestError

# --- Wald SPRT ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WaldBoundaries:
    upper: float  # ln A, accept H1 at or above
    lower: float  # ln B, accept H0 at or below

    @property
    def a(self) -> float:
        return math.exp(self.upper)

    @property
    def b(self) -> float:
        return math.exp(self.lower)


def wald_boundaries(alpha: float, beta: float) -> WaldBoundaries:
    """``ln A = ln((1-beta)/alpha)``, ``ln B = ln(beta/(1-alpha))``."""
    if not (0 < alpha < 1 and 0 < beta < 1 and alpha + beta < 1):
        raise SequentialTestError(
            f"need 0 < alpha, beta and alpha + beta < 1, got alpha={alpha}, beta={beta}"
        )
    return WaldBoundaries(math.log((1 - beta) / alpha), math.log(beta / (1 - alpha)))


class Decision(StrEnum):
    REJECT_H0 = "Reject H0"
    ACCEPT_H0 = "Accept H0"
    CONTINUE = "Continue sampling"


@dataclass(frozen=True)
class SPRTResult:
    decision: Decision
    observations_used: int
    log_likelihood_ratios: tuple[float, ...]
    boundaries: WaldBoundaries


def sprt(log_likelihood_increments: Sequence[float], alpha: float, beta: float) -> SPRTResult:
    """Run Wald's test over per-observation log-likelihood ratios; stop at the first boundary."""
    bounds = wald_boundaries(alpha, beta)
    path: list[float] = []
    total = 0.0
    for increment in log_likelihood_increments:
        total += increment
        path.append(total)
        if total >= bounds.upper:
            return SPRTResult(Decision.REJECT_H0, len(path), tuple(path), bounds)
        if total <= bounds.lower:
            return SPRTResult(Decision.ACCEPT_H0, len(path), tuple(path), bounds)
    return SPRTResult(Decision.CONTINUE, len(path), tuple(path), bounds)


def bernoulli_sprt(
    observations: Sequence[int], p0: float, p1: float, alpha: float, beta: float
) -> SPRTResult:
    """SPRT of H0: p = p0 against H1: p = p1 on 0/1 observations (e.g. defective items)."""
    if not (0 < p0 < 1 and 0 < p1 < 1 and p0 != p1):
        raise SequentialTestError(f"need distinct p0, p1 in (0, 1), got {p0}, {p1}")
    hit = math.log(p1 / p0)
    miss = math.log((1 - p1) / (1 - p0))
    for x in observations:
        if x not in (0, 1):
            raise SequentialTestError(f"Bernoulli observations are 0 or 1, got {x}")
    return sprt([hit if x else miss for x in observations], alpha, beta)


# --- Page CUSUM --------------------------------------------------------------------------


def cusum_path(observations: Sequence[float], k: float, h: float) -> tuple[np.ndarray, int | None]:
    """Upper CUSUM statistics and the 1-based index of the first alarm (``None`` if none)."""
    values = np.empty(len(observations))
    statistic = 0.0
    alarm: int | None = None
    for i, x in enumerate(observations):
        statistic = max(0.0, statistic + x - k)
        values[i] = statistic
        if alarm is None and statistic > h:
            alarm = i + 1
    return values, alarm


def cusum_arl(k: float, h: float, mu: float, *, headstart: float = 0.0, nodes: int = 100) -> float:
    """Average run length of the upper CUSUM for X ~ N(mu, 1) starting at ``headstart``.

    ``L(s) = 1 + Phi(k - s - mu) L(0) + int_0^h phi(y - s + k - mu) L(y) dy``; L(0) is an
    extra unknown beside the values at the Gauss-Legendre nodes (Nystroem method).
    """
    if h <= 0 or nodes < 2:
        raise SequentialTestError(f"need h > 0 and at least 2 nodes, got h={h}, nodes={nodes}")
    if not 0 <= headstart <= h:
        raise SequentialTestError(f"headstart must lie in [0, h={h}], got {headstart}")
    reference, weights = np.polynomial.legendre.leggauss(nodes)
    points = h / 2 * (reference + 1)
    weights = h / 2 * weights
    # Unknowns: L at points[0..nodes-1], then L(0).
    starts = np.append(points, 0.0)
    kernel = stats.norm.pdf(points[None, :] - starts[:, None] + k - mu) * weights[None, :]
    atom = stats.norm.cdf(k - starts - mu)
    system = np.eye(nodes + 1)
    system[:, :nodes] -= kernel
    system[:, nodes] -= atom
    values = np.linalg.solve(system, np.ones(nodes + 1))
    if headstart == 0.0:
        return float(values[nodes])
    tail = stats.norm.pdf(points - headstart + k - mu) @ (weights * values[:nodes])
    return float(1.0 + stats.norm.cdf(k - headstart - mu) * values[nodes] + tail)


def two_sided_cusum_arl(k: float, h: float, mu: float, *, nodes: int = 100) -> float:
    """Two-sided chart (upper and lower, zero start): ``1/ARL = 1/ARL+ + 1/ARL-``.

    Used for zero-start charts as in Lucas & Crosier (1982), Table 1 (the tests check it
    against the bivariate chain to 1e-5); not with headstarts on both sides, where
    :func:`two_sided_cusum_arl_markov` tracks both charts jointly (case C03).
    """
    upper = cusum_arl(k, h, mu, nodes=nodes)
    lower = cusum_arl(k, h, -mu, nodes=nodes)
    return 1.0 / (1.0 / upper + 1.0 / lower)


def two_sided_cusum_arl_markov(
    k: float, h: float, mu: float, *, headstart: float = 0.0, states: int = 61
) -> float:
    """Two-sided CUSUM (upper and lower charts, both starting at ``headstart``) by the
    bivariate Markov chain of Brook & Evans (1972), Richardson-extrapolated.

    With a headstart on both sides the charts interact and ``1/ARL = 1/ARL+ + 1/ARL-`` fails
    (case C03: 158.2 instead of 149), so the pair (S+, S-) is tracked jointly. Each chart's
    range is cut into an atom at 0 and ``states`` cells of width h/states represented by
    their midpoints; the chain's error falls as 1/states^2, so the results for ``states`` and
    about half as many are combined to cancel the leading term.
    """
    fine = _odd_states_for(headstart, h, states)
    coarse = _odd_states_for(headstart, h, max(3, states // 2))
    arl_fine = _bivariate_chain_arl(k, h, mu, headstart, fine)
    arl_coarse = _bivariate_chain_arl(k, h, mu, headstart, coarse)
    return arl_fine + (arl_fine - arl_coarse) * coarse**2 / (fine**2 - coarse**2)


def _odd_states_for(headstart: float, h: float, wanted: int) -> int:
    """The smallest cell count >= ``wanted`` that puts ``headstart`` on a cell midpoint."""
    if headstart == 0.0:
        return wanted
    for states in range(wanted, wanted + 400):
        position = headstart * states / h + 0.5
        if abs(position - round(position)) < 1e-9:
            return states
    raise SequentialTestError(f"headstart {headstart} is not a cell midpoint of any grid on h={h}")


def _bivariate_chain_arl(k: float, h: float, mu: float, headstart: float, states: int) -> float:
    from scipy import sparse
    from scipy.sparse import linalg as sparse_linalg

    if h <= 0 or not 0 <= headstart <= h:
        raise SequentialTestError(f"need h > 0 and headstart in [0, h], got {h}, {headstart}")
    if states > 400:
        raise SequentialTestError(f"at most 400 cells per chart, got {states}")
    width = h / states
    size = states + 1
    points = np.concatenate([[0.0], (np.arange(1, size) - 0.5) * width])
    edges = np.arange(size) * width
    upper_state, lower_state = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    upper_value = points[upper_state.ravel()][:, None]
    lower_value = points[lower_state.ravel()][:, None]
    # X at which S+ (resp. S-) crosses each cell edge; between breakpoints both cells are fixed.
    breaks = np.sort(
        np.concatenate(
            [edges[None, :] - upper_value + k, lower_value - k - edges[None, :]], axis=1
        ),
        axis=1,
    )
    sources = breaks.shape[0]
    left = np.concatenate([np.full((sources, 1), -np.inf), breaks], axis=1)
    right = np.concatenate([breaks, np.full((sources, 1), np.inf)], axis=1)
    inner = np.where(
        np.isinf(left), right - 1.0, np.where(np.isinf(right), left + 1.0, (left + right) / 2)
    )
    probability = stats.norm.cdf(right - mu) - stats.norm.cdf(left - mu)
    new_upper = upper_value + inner - k
    new_lower = lower_value - inner - k
    keep = (new_upper <= h) & (new_lower <= h) & (probability > 0)
    target_upper = np.where(new_upper <= 0, 0, np.ceil(new_upper / width)).astype(np.int64)
    target_lower = np.where(new_lower <= 0, 0, np.ceil(new_lower / width)).astype(np.int64)
    rows = np.broadcast_to(np.arange(sources)[:, None], keep.shape)[keep]
    columns = (target_upper * size + target_lower)[keep]
    transitions = sparse.csc_matrix((probability[keep], (rows, columns)), shape=(sources, sources))
    system = sparse.identity(sources, format="csc") - transitions
    run_lengths = sparse_linalg.spsolve(system, np.ones(sources))
    start = 0 if headstart == 0.0 else round(headstart / width + 0.5)
    return float(run_lengths[start * size + start])

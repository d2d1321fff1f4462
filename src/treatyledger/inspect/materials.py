"""Material accountancy for the fissile material of dismantled warheads: MUF, sigma-MUF,
SITMUF and the D statistic.

MUF (material unaccounted for) over a balance period is ``begin + receipts - shipments - end``;
the one-sided test alarms when ``MUF > z_{1-alpha} sigma_MUF`` and detects a loss M with
probability ``Phi(M / sigma_MUF - z_{1-alpha})`` (Avenhaus & Canty, Compliance Quantified,
1996, ch. 3-4). SITMUF standardises a sequence of MUFs by the inverse Cholesky factor of their
covariance (Picard 1987). The D statistic ``(N/n) sum (x_j - y_j)`` extrapolates operator-
inspector differences over a sample to the stratum (IAEA Safeguards Glossary 2001, §10).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import linalg, stats

from treatyledger.inspect.errors import MaterialBalanceError


def muf(
    beginning_inventory: float, receipts: float, shipments: float, ending_inventory: float
) -> float:
    """Material unaccounted for over one balance period."""
    return beginning_inventory + receipts - shipments - ending_inventory


def sigma_muf(variances: Sequence[float]) -> float:
    """Standard deviation of MUF from independent measurement variances of its terms."""
    if any(v < 0 for v in variances):
        raise MaterialBalanceError(f"variances must be non-negative, got {list(variances)}")
    return math.sqrt(sum(variances))


def muf_detection_probability(loss: float, sigma: float, alpha: float) -> float:
    """``Phi(M / sigma_MUF - z_{1-alpha})``: chance the one-sided MUF test flags a loss M."""
    _check_alpha(alpha)
    if sigma <= 0:
        raise MaterialBalanceError(f"sigma_MUF must be positive, got {sigma}")
    return float(stats.norm.cdf(loss / sigma - stats.norm.isf(alpha)))


def required_loss_over_sigma(alpha: float, detection_goal: float) -> float:
    """Smallest ``M / sigma_MUF`` detected with probability ``detection_goal``:
    ``z_{1-alpha} + z_{goal}`` (3.29 for alpha = 5 %, goal 95 %)."""
    _check_alpha(alpha)
    if not 0 < detection_goal < 1:
        raise MaterialBalanceError(f"detection goal must lie in (0, 1), got {detection_goal}")
    return float(stats.norm.isf(alpha) + stats.norm.ppf(detection_goal))


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise MaterialBalanceError(f"false-alarm probability must lie in (0, 1), got {alpha}")


def sitmuf(mufs: ArrayLike, covariance: ArrayLike) -> np.ndarray:
    """Standardised, independently transformed MUF: ``L^{-1} MUF`` with ``Sigma = L L^T``."""
    vector = np.asarray(mufs, dtype=float)
    matrix = np.asarray(covariance, dtype=float)
    if matrix.shape != (vector.size, vector.size):
        raise MaterialBalanceError(
            f"covariance must be {vector.size}x{vector.size}, got {matrix.shape}"
        )
    try:
        lower = linalg.cholesky(matrix, lower=True)
    except linalg.LinAlgError:
        raise MaterialBalanceError(
            "covariance of the MUF sequence is not positive definite"
        ) from None
    return np.asarray(linalg.solve_triangular(lower, vector, lower=True))


def sitmuf_conditional(mufs: ArrayLike, covariance: ArrayLike) -> np.ndarray:
    """The same statistic as innovations: ``(MUF_i - E[MUF_i | earlier]) / sd(... | earlier)``.
    Kept as an independent cross-check of :func:`sitmuf`."""
    vector = np.asarray(mufs, dtype=float)
    matrix = np.asarray(covariance, dtype=float)
    out = np.empty(vector.size)
    for i in range(vector.size):
        if i == 0:
            mean, variance = 0.0, matrix[0, 0]
        else:
            past = matrix[:i, :i]
            cross = matrix[i, :i]
            gain = np.linalg.solve(past, cross)
            mean = float(gain @ vector[:i])
            variance = float(matrix[i, i] - gain @ cross)
        if variance <= 0:
            raise MaterialBalanceError("covariance of the MUF sequence is not positive definite")
        out[i] = (vector[i] - mean) / math.sqrt(variance)
    return out


@dataclass(frozen=True)
class DStatistic:
    value: float | None
    expected: float
    sigma: float
    detection_probability: float


def d_statistic(
    stratum_size: int,
    operator_values: Sequence[float] | None = None,
    inspector_values: Sequence[float] | None = None,
    *,
    sample_size: int | None = None,
    bias_per_item: float = 0.0,
    random_error: float,
    alpha: float = 0.05,
) -> DStatistic:
    """D statistic and its detection probability against a bias on every item.

    With paired measurements the value is ``(N/n) sum (x_j - y_j)``; ``E[D] = N * bias`` and
    ``sigma_D = N sigma_r / sqrt(n)``; the one-sided test detects with
    ``Phi(E[D] / sigma_D - z_{1-alpha})``.
    """
    _check_alpha(alpha)
    value: float | None = None
    if operator_values is not None or inspector_values is not None:
        if operator_values is None or inspector_values is None:
            raise MaterialBalanceError("the D statistic needs operator and inspector values")
        if len(operator_values) != len(inspector_values) or not operator_values:
            raise MaterialBalanceError(
                f"need equally many paired values, got {len(operator_values)} operator and "
                f"{len(inspector_values)} inspector values"
            )
        sample_size = len(operator_values)
        differences = np.asarray(operator_values, float) - np.asarray(inspector_values, float)
        value = stratum_size / sample_size * float(differences.sum())
    if sample_size is None or not 0 < sample_size <= stratum_size:
        raise MaterialBalanceError(f"sample size must lie in 1..{stratum_size}, got {sample_size}")
    if random_error <= 0:
        raise MaterialBalanceError(f"random error must be positive, got {random_error}")
    expected = stratum_size * bias_per_item
    sigma = stratum_size * random_error / math.sqrt(sample_size)
    probability = float(stats.norm.cdf(expected / sigma - stats.norm.isf(alpha)))
    return DStatistic(value, expected, sigma, probability)

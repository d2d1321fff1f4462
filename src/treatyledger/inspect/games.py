"""Inspection games: a zero-sum matrix-game solver, Dresher's recursive inspection game, and the
simultaneous game with false alarms with its inspector-leadership solution.

Payoffs follow the conventions of ``inspection_cases.json``: in Dresher's game the inspectee
gets +1 for an undetected violation, -1 when caught and 0 when legal throughout (Dresher, RAND
RM-2972, 1962). The false-alarm game is the model of Avenhaus, von Stengel & Zamir (2002),
Handbook of Game Theory vol. 3 ch. 51, with the payoff structure of M. J. Canty's ``apa.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, stats

from treatyledger.inspect.errors import GameError


@dataclass(frozen=True)
class MatrixGameSolution:
    """Optimal mixed strategies of a zero-sum game; ``value`` is the row player's payoff."""

    row_strategy: tuple[float, ...]
    column_strategy: tuple[float, ...]
    value: float


def solve_zero_sum(payoffs: ArrayLike) -> MatrixGameSolution:
    """Solve the zero-sum game whose matrix gives the row (maximising) player's payoff.

    Two linear programs: the row player maximises v subject to ``x^T A >= v`` and the column
    player minimises v subject to ``A y <= v``; both values agree at the optimum.
    """
    matrix = np.asarray(payoffs, dtype=float)
    if matrix.ndim != 2 or matrix.size == 0:
        raise GameError(f"payoffs must be a non-empty matrix, got shape {matrix.shape}")
    rows, columns = matrix.shape
    row_strategy, value = _maximin(matrix)
    column_strategy, _ = _maximin(-matrix.T)
    del rows, columns
    return MatrixGameSolution(
        row_strategy=tuple(float(p) for p in row_strategy),
        column_strategy=tuple(float(p) for p in column_strategy),
        value=value,
    )


def _maximin(matrix: np.ndarray) -> tuple[np.ndarray, float]:
    rows, columns = matrix.shape
    # Variables: x_1..x_rows, v. Maximise v <=> minimise -v.
    cost = np.zeros(rows + 1)
    cost[-1] = -1.0
    upper = np.hstack([-matrix.T, np.ones((columns, 1))])  # v - x^T A_j <= 0
    equal = np.hstack([np.ones((1, rows)), np.zeros((1, 1))])
    bounds = [(0.0, None)] * rows + [(None, None)]
    result = optimize.linprog(
        cost,
        A_ub=upper,
        b_ub=np.zeros(columns),
        A_eq=equal,
        b_eq=np.ones(1),
        bounds=bounds,
        method="highs",
    )
    if not result.success:
        raise GameError(f"linear program failed: {result.message}")
    strategy = np.clip(result.x[:rows], 0.0, None)
    return strategy / strategy.sum(), float(result.x[-1])


def solve_2x2(a: float, b: float, c: float, d: float) -> float:
    """Value of the zero-sum game ``[[a, b], [c, d]]`` for the row player."""
    lower = max(min(a, b), min(c, d))
    upper = min(max(a, c), max(b, d))
    if math.isclose(lower, upper, rel_tol=0.0, abs_tol=1e-15) or lower >= upper:
        return lower  # saddle point
    return (a * d - b * c) / (a + d - b - c)


# --- Dresher's recursive game ------------------------------------------------------------


def dresher_value(periods: int, inspections: int) -> float:
    """Inspectee's value of Dresher's game by the 2x2 recursion.

    In each of n periods the inspectee may violate (at most once) and the inspector may spend
    one of k inspections. Violating now: -1 if inspected, +1 if not. Waiting: the game goes
    on as (n-1, k-1) if an inspection was spent, else (n-1, k).
    """
    _check_dresher(periods, inspections)
    return _dresher(periods, inspections)


@lru_cache(maxsize=65536)
def _dresher(periods: int, inspections: int) -> float:
    if inspections == 0:
        return 1.0
    if inspections >= periods:
        return 0.0
    spent = _dresher(periods - 1, inspections - 1)
    kept = _dresher(periods - 1, inspections)
    return solve_2x2(-1.0, 1.0, spent, kept)


def dresher_closed_form(periods: int, inspections: int) -> float:
    """``C(n-1, k) / sum_{i<=k} C(n, i)`` (von Stengel 2016, Math. Oper. Res. 41(3))."""
    _check_dresher(periods, inspections)
    if inspections >= periods:
        return 0.0
    denominator = sum(math.comb(periods, i) for i in range(inspections + 1))
    return math.comb(periods - 1, inspections) / denominator


def _check_dresher(periods: int, inspections: int) -> None:
    if periods < 1 or inspections < 0:
        raise GameError(f"need periods >= 1 and inspections >= 0, got {periods}, {inspections}")
    if periods > 10_000:
        raise GameError(f"periods are bounded by 10000, got {periods}")


# --- simultaneous game with false alarms -------------------------------------------------


@dataclass(frozen=True)
class FalseAlarmGame:
    """Payoffs of the inspection game with a statistical test (all positive numbers).

    Inspectee: legal ``-h alpha``; violating ``d beta - b (1 - beta)``.
    Inspector: legal ``-e alpha``; violating ``-c beta - a (1 - beta)``.
    The test has false-alarm probability alpha and non-detection probability
    ``beta(alpha) = Phi(z_{1-alpha} - M/sigma)`` (Neyman-Pearson for a normal shift).
    """

    m_over_sigma: float
    sanction: float  # b
    gain: float  # d
    false_alarm_cost_inspectee: float  # h
    false_alarm_cost_inspector: float  # e
    loss_detected: float  # a
    loss_undetected: float  # c

    def non_detection(self, alpha: float) -> float:
        return float(stats.norm.cdf(stats.norm.isf(alpha) - self.m_over_sigma))


@dataclass(frozen=True)
class FalseAlarmEquilibrium:
    alpha: float
    beta: float
    violation_probability: float
    inspectee_payoff: float
    inspector_payoff: float


def solve_false_alarm_game(game: FalseAlarmGame) -> FalseAlarmEquilibrium:
    """Simultaneous-move equilibrium.

    The inspectee is indifferent between legal and violating when
    ``beta(alpha) = (b - h alpha) / (b + d)``; that fixes alpha*. The inspector's first-order
    condition fixes the violation probability q*:
    ``q / (1 - q) = e phi(z) / ((c - a) phi(z - M/sigma))`` with ``z = z_{1-alpha*}``.
    """
    if game.loss_undetected <= game.loss_detected:
        raise GameError("an undetected violation must cost the inspector more than a detected one")
    alpha = _deterrence_alpha(game)
    beta = game.non_detection(alpha)
    z = float(stats.norm.isf(alpha))
    odds = (
        game.false_alarm_cost_inspector
        * float(stats.norm.pdf(z))
        / (
            (game.loss_undetected - game.loss_detected)
            * float(stats.norm.pdf(z - game.m_over_sigma))
        )
    )
    q = odds / (1.0 + odds)
    inspectee = -game.false_alarm_cost_inspectee * alpha
    inspector = (1 - q) * (-game.false_alarm_cost_inspector * alpha) + q * (
        -game.loss_undetected * beta - game.loss_detected * (1 - beta)
    )
    return FalseAlarmEquilibrium(alpha, beta, q, inspectee, inspector)


def inspector_leadership(game: FalseAlarmGame) -> FalseAlarmEquilibrium:
    """The inspector announces alpha* (the smallest false-alarm rate that deters); the
    inspectee's best reply is then legal behaviour (ties broken towards legality)."""
    alpha = _deterrence_alpha(game)
    return FalseAlarmEquilibrium(
        alpha=alpha,
        beta=game.non_detection(alpha),
        violation_probability=0.0,
        inspectee_payoff=-game.false_alarm_cost_inspectee * alpha,
        inspector_payoff=-game.false_alarm_cost_inspector * alpha,
    )


def _deterrence_alpha(game: FalseAlarmGame) -> float:
    b, d, h = game.sanction, game.gain, game.false_alarm_cost_inspectee

    def gap(alpha: float) -> float:
        return game.non_detection(alpha) - (b - h * alpha) / (b + d)

    low, high = 1e-15, 1.0 - 1e-15
    if gap(low) <= 0:
        return low
    if gap(high) > 0:
        raise GameError("no false-alarm rate deters this inspectee")
    return float(optimize.brentq(gap, low, high, xtol=1e-15, rtol=1e-14))

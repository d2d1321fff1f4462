"""Attribute-sampling statistics: how likely an inspection sample catches non-compliant items.

Conventions (as in ``tests/fixtures/inspect/inspection_cases.json``): a population of N items
holds M non-compliant ones; the inspector examines n chosen without replacement. The chance
that the sample holds none is hypergeometric, ``P0 = C(N-M, n) / C(N, n)``; the detection
probability is ``1 - P0``. The IAEA approximation of the sample size for non-detection
probability beta is ``n = N (1 - beta^(1/M))`` (IAEA Safeguards Glossary; Avenhaus & Canty,
Compliance Quantified, 1996, ch. 2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np
from scipy import stats

from treatyledger.inspect.errors import SamplingError

#: Bound on the falsification splits a stratified plan enumerates.
MAX_SPLITS = 1_000_000

#: Bound on populations: exact binomial coefficients of larger ones cost more than they help.
MAX_POPULATION = 1_000_000

#: Beyond this lower index exact binomial coefficients get slow (hundreds of digits and up).
_EXACT_LIMIT = 2_000

#: Ties between P0 and beta are decided with this relative tolerance (A01 note: exact ties).
_TIE_TOLERANCE = 1e-9


def _check_population(population: int, noncompliant: int) -> None:
    if not 0 < population <= MAX_POPULATION:
        raise SamplingError(f"population must be between 1 and {MAX_POPULATION}, got {population}")
    if not 0 <= noncompliant <= population:
        raise SamplingError(
            f"non-compliant items must be between 0 and the population {population}, "
            f"got {noncompliant}"
        )


def nondetection_probability(population: int, noncompliant: int, sample: int) -> float:
    """Exact ``C(N-M, n) / C(N, n)``: the chance a sample of n misses all M items."""
    _check_population(population, noncompliant)
    if not 0 <= sample <= population:
        raise SamplingError(
            f"sample must be between 0 and the population {population}, got {sample}"
        )
    # C(N-M, n)/C(N, n) = C(N-n, M)/C(N, M): use the form with the smaller lower index.
    # Python divides big integers with correct rounding: exact to one ulp.
    if sample <= min(noncompliant, _EXACT_LIMIT):
        return math.comb(population - noncompliant, sample) / math.comb(population, sample)
    if noncompliant <= _EXACT_LIMIT:
        return math.comb(population - sample, noncompliant) / math.comb(population, noncompliant)
    # Both large: exact integers would cost seconds; scipy's log-pmf is accurate to ~1e-13.
    return float(np.exp(stats.hypergeom.logpmf(0, population, noncompliant, sample)))


def detection_probability(population: int, noncompliant: int, sample: int) -> float:
    """Exact probability that a sample of n of N items holds at least one of M bad ones."""
    return 1.0 - nondetection_probability(population, noncompliant, sample)


def iaea_sample_size(population: int, noncompliant: int, goal: float) -> int:
    """IAEA approximation ``ceil(N (1 - beta^(1/M)))`` with ``beta = 1 - goal``."""
    _check_goal(goal)
    _check_population(population, noncompliant)
    if noncompliant == 0:
        raise SamplingError("no non-compliant items: no sample can detect any")
    beta = 1.0 - goal
    exact = population * (1.0 - beta ** (1.0 / noncompliant))
    # Guard against 45.000000000001 rounding up to 46 when the product is an integer.
    return min(population, math.ceil(exact * (1.0 - _TIE_TOLERANCE)))


def smallest_sample(population: int, noncompliant: int, goal: float) -> int:
    """Smallest n whose exact detection probability reaches ``goal`` (binary search)."""
    _check_goal(goal)
    _check_population(population, noncompliant)
    if noncompliant == 0:
        raise SamplingError("no non-compliant items: no sample can detect any")
    beta = 1.0 - goal
    low, high = 0, population - noncompliant + 1  # a sample that large always detects
    high = min(high, population)
    while low < high:
        middle = (low + high) // 2
        if nondetection_probability(population, noncompliant, middle) <= beta * (
            1.0 + _TIE_TOLERANCE
        ):
            high = middle
        else:
            low = middle + 1
    return low


def _check_goal(goal: float) -> None:
    if not 0.0 < goal < 1.0:
        raise SamplingError(f"detection goal must lie strictly between 0 and 1, got {goal}")


def hypergeometric_quantile(
    probability: float, population: int, noncompliant: int, sample: int
) -> int:
    """Smallest x with ``P(X <= x) >= probability`` (MATLAB ``hygeinv``)."""
    _check_population(population, noncompliant)
    return int(stats.hypergeom.ppf(probability, population, noncompliant, sample))


# --- stratified plans ---------------------------------------------------------------------


@dataclass(frozen=True)
class Stratum:
    """Items of one kind (or one site): ``size`` items each worth ``unit`` of the goal."""

    name: str
    size: int
    unit: float = 1.0


@dataclass(frozen=True)
class StratifiedPlan:
    """Sample per stratum, the items per stratum a diverter must falsify, and the worst split.

    ``splits`` lists every minimal way to reach the goal quantity with its detection
    probability; ``worst_detection`` is the smallest of them (the diverter's best choice).
    """

    strata: tuple[Stratum, ...]
    goal_quantity: float
    samples: tuple[int, ...]
    falsified_alone: tuple[int, ...]
    splits: tuple[tuple[tuple[int, ...], float], ...]
    worst_detection: float


def stratified_detection_probability(
    strata_sizes: Sequence[int], falsified: Sequence[int], samples: Sequence[int]
) -> float:
    """Probability that at least one stratum's independent sample finds a falsified item."""
    missed = 1.0
    for size, bad, sample in zip(strata_sizes, falsified, samples, strict=True):
        missed *= nondetection_probability(size, bad, sample)
    return 1.0 - missed


def stratified_plan(strata: Sequence[Stratum], goal_quantity: float, goal: float) -> StratifiedPlan:
    """Equal-detection plan: stratum i gets ``n_i = N_i (1 - beta^(1/M_i))`` with
    ``M_i = ceil(goal_quantity / unit_i)`` (Avenhaus & Canty 1996, ch. 2), then every minimal
    falsification split that reaches the goal quantity is evaluated."""
    _check_goal(goal)
    if not strata:
        raise SamplingError("a stratified plan needs at least one stratum")
    if goal_quantity <= 0:
        raise SamplingError(f"goal quantity must be positive, got {goal_quantity}")
    falsified_alone = tuple(
        min(s.size, math.ceil(goal_quantity / s.unit * (1.0 - _TIE_TOLERANCE))) for s in strata
    )
    samples = tuple(
        iaea_sample_size(s.size, m, goal) for s, m in zip(strata, falsified_alone, strict=True)
    )
    splits: list[tuple[tuple[int, ...], float]] = []
    # Choose counts for all strata but the last; the last takes what is still missing.
    head_ranges = [range(m + 1) for m in falsified_alone[:-1]]
    if math.prod(len(r) for r in head_ranges) > MAX_SPLITS:
        raise SamplingError(
            f"{math.prod(len(r) for r in head_ranges)} falsification splits to evaluate, "
            f"expected at most {MAX_SPLITS}: use fewer strata or a larger unit per item"
        )
    last = strata[-1]
    for head in product(*head_ranges):
        covered = sum(r * s.unit for r, s in zip(head, strata, strict=False))
        missing = max(0.0, goal_quantity - covered)
        last_count = math.ceil(missing / last.unit * (1.0 - _TIE_TOLERANCE)) if missing else 0
        if last_count > last.size:
            continue
        split = (*head, last_count)
        if not _is_minimal(split, strata, goal_quantity):
            continue
        sizes = [s.size for s in strata]
        splits.append((split, stratified_detection_probability(sizes, split, samples)))
    worst = min(p for _, p in splits)
    return StratifiedPlan(
        strata=tuple(strata),
        goal_quantity=goal_quantity,
        samples=samples,
        falsified_alone=falsified_alone,
        splits=tuple(splits),
        worst_detection=worst,
    )


def _is_minimal(split: Sequence[int], strata: Sequence[Stratum], goal_quantity: float) -> bool:
    """A split is minimal when removing any one falsified item drops it below the goal."""
    total = sum(r * s.unit for r, s in zip(split, strata, strict=True))
    if total < goal_quantity * (1.0 - _TIE_TOLERANCE):
        return False
    return all(
        r == 0 or total - s.unit < goal_quantity * (1.0 - _TIE_TOLERANCE)
        for r, s in zip(split, strata, strict=True)
    )


# --- Bayesian confidence ------------------------------------------------------------------


def posterior_cheating(prior: float, detection_per_inspection: float, clean: int) -> float:
    """P(cheating | ``clean`` inspections found nothing), each catching cheating with
    probability d independently: ``p (1-d)^k / (p (1-d)^k + 1 - p)`` (Bayes' rule)."""
    if not 0.0 <= prior <= 1.0:
        raise SamplingError(f"prior must lie in [0, 1], got {prior}")
    if not 0.0 <= detection_per_inspection <= 1.0:
        raise SamplingError(
            f"detection per inspection must lie in [0, 1], got {detection_per_inspection}"
        )
    if clean < 0:
        raise SamplingError(f"number of clean inspections must be >= 0, got {clean}")
    missed = prior * (1.0 - detection_per_inspection) ** clean
    return missed / (missed + 1.0 - prior)


def clean_inspections_for_confidence(
    prior: float, detection_per_inspection: float, posterior_at_most: float
) -> int:
    """Fewest clean inspections that bring P(cheating) down to ``posterior_at_most``."""
    if not 0.0 < detection_per_inspection <= 1.0:
        raise SamplingError("detection per inspection must be positive to build confidence")
    if not 0.0 < posterior_at_most < 1.0:
        raise SamplingError(f"posterior bound must lie in (0, 1), got {posterior_at_most}")
    clean = 0
    while posterior_cheating(prior, detection_per_inspection, clean) > posterior_at_most:
        clean += 1
    return clean


def violation_rate_credibility(clean_draws: int, rate_below: float) -> float:
    """P(violation rate < ``rate_below``) after ``clean_draws`` clean random draws, with a
    uniform Beta(1, 1) prior on the rate: the posterior is Beta(1, 1 + k)."""
    if clean_draws < 0:
        raise SamplingError(f"number of clean draws must be >= 0, got {clean_draws}")
    return float(stats.beta.cdf(rate_below, 1, 1 + clean_draws))


# --- site selection under a quota ---------------------------------------------------------


def site_visit_probability(sites: int, inspections: int, *, with_replacement: bool) -> float:
    """Chance that one given site is visited in a year of ``inspections`` random visits."""
    if sites <= 0 or inspections < 0:
        raise SamplingError(f"need sites > 0 and inspections >= 0, got {sites}, {inspections}")
    if with_replacement:
        return 1.0 - (1.0 - 1.0 / sites) ** inspections
    return min(inspections, sites) / sites


def yearly_detection_over_years(per_year: float, years: int) -> float:
    """Detection over independent years: ``1 - (1 - p)^years``."""
    return 1.0 - (1.0 - per_year) ** years

"""Vectorised Monte Carlo of treaty years under an inspection regime against cheating.

A regime is one or more inspection pools (an inspection type with its annual quota and the
sites it may visit). At each site, ``items`` eligible items are declared, ``tainted`` of them
reveal the violation when examined, and an inspection examines ``examined`` of them chosen at
random. A year detects the violation when any inspection's sample holds a tainted item. Every
cheating strategy reduces to such a layout, so one engine serves them all; the same layout has
an exact answer (:func:`exact_detection_probability`) that the simulation must agree with.

The random source is a ``numpy.random.Generator`` passed in: the core does no I/O and draws
no hidden randomness.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from treatyledger.inspect.errors import SimulationError
from treatyledger.inspect.statistics import nondetection_probability

#: Years simulated per vectorised block: bounds memory (~ block * quota * 8 bytes per array).
#: Years per vectorised block, and the cells (years x site classes) one block may hold.
BLOCK_YEARS = 1_000_000
BLOCK_CELLS = 20_000_000
MAX_YEARS = 100_000_000
MAX_SITES = 100_000
MAX_QUOTA = 10_000


@dataclass(frozen=True)
class SiteLayout:
    name: str
    items: int
    tainted: int = 0
    examined: int = 1

    def __post_init__(self) -> None:
        if self.items < 0 or not 0 <= self.tainted <= self.items:
            raise SimulationError(
                f"site {self.name}: tainted items must lie in 0..{self.items}, got {self.tainted}"
            )
        if not 0 <= self.examined <= self.items:
            raise SimulationError(
                f"site {self.name}: examined items must lie in 0..{self.items}, got {self.examined}"
            )


@dataclass(frozen=True)
class InspectionPool:
    """One inspection type: ``quota`` inspections a year among ``sites``."""

    name: str
    quota: int
    sites: tuple[SiteLayout, ...]
    with_replacement: bool = False  # New START: a site may be revisited, but quotas are few

    def __post_init__(self) -> None:
        if not self.sites:
            raise SimulationError(f"pool {self.name} has no sites")
        if len(self.sites) > MAX_SITES or self.quota > MAX_QUOTA:
            raise SimulationError(
                f"pool {self.name}: at most {MAX_SITES} sites and {MAX_QUOTA} inspections a "
                f"year, got {len(self.sites)} and {self.quota}"
            )
        if self.quota < 0:
            raise SimulationError(f"pool {self.name}: quota must be >= 0, got {self.quota}")
        if not self.with_replacement and self.quota > len(self.sites):
            raise SimulationError(
                f"pool {self.name}: {self.quota} inspections without revisits need at least "
                f"{self.quota} sites, got {len(self.sites)}"
            )


@dataclass(frozen=True)
class Scenario:
    description: str
    pools: tuple[InspectionPool, ...]


@dataclass(frozen=True)
class SimulationResult:
    years: int
    detections: int
    probability: float
    confidence_low: float
    confidence_high: float
    confidence_level: float

    def to_json_dict(self) -> dict[str, float | int]:
        return {
            "years": self.years,
            "detections": self.detections,
            "detection_probability": self.probability,
            "confidence_low": self.confidence_low,
            "confidence_high": self.confidence_high,
            "confidence_level": self.confidence_level,
        }


def wilson_interval(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    if trials <= 0:
        raise SimulationError("an interval needs at least one trial")
    z = float(stats.norm.isf((1 - level) / 2))
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = (
        z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    )
    return max(0.0, centre - half), min(1.0, centre + half)


def simulate_years(
    scenario: Scenario, years: int, rng: np.random.Generator, *, level: float = 0.95
) -> SimulationResult:
    """Simulate ``years`` independent treaty years; report the share that detected cheating."""
    if not 0 < years <= MAX_YEARS:
        raise SimulationError(f"years must lie in 1..{MAX_YEARS}, got {years}")
    columns = sum(_block_columns(pool) for pool in scenario.pools) or 1
    block_years = max(1, min(BLOCK_YEARS, BLOCK_CELLS // columns))
    detections = 0
    remaining = years
    while remaining:
        block = min(remaining, block_years)
        detections += int(np.count_nonzero(detected_years(scenario, block, rng)))
        remaining -= block
    low, high = wilson_interval(detections, years, level)
    return SimulationResult(years, detections, detections / years, low, high, level)


#: Up to this many classes of identical tainted sites, visits are counted per class; beyond,
#: visited sites are drawn one by one (cost grows with the quota, not with the sites).
MAX_CLASSES_COUNTED = 16


def detected_years(scenario: Scenario, years: int, rng: np.random.Generator) -> np.ndarray:
    """Boolean per simulated year: did any inspection catch a tainted item?

    Each visit examines its own random items, so visits are independent given the sites
    visited, each detecting with its site's hypergeometric probability. When few classes of
    identical tainted sites exist, each year draws how many visits fall on each class
    (multivariate hypergeometric without revisits, multinomial with) and how many of those
    find a tainted item (binomial). Otherwise it draws the visited sites themselves and one
    uniform number per visit. Both are exact samplers of the model; the plain loop
    (:func:`python_loop_detection`) samples site by site and item by item instead.
    """
    caught = np.zeros(years, dtype=bool)
    for pool in scenario.pools:
        classes: dict[tuple[int, int, int], int] = {}
        for site in pool.sites:
            if site.tainted and site.examined:
                layout = (site.items, site.tainted, site.examined)
                classes[layout] = classes.get(layout, 0) + 1
        if pool.quota == 0 or not classes:
            continue
        if len(classes) <= MAX_CLASSES_COUNTED:
            caught |= _caught_by_class_counts(pool, classes, years, rng)
        else:
            caught |= _caught_by_visits(pool, years, rng)
    return caught


def _caught_by_class_counts(
    pool: InspectionPool,
    classes: dict[tuple[int, int, int], int],
    years: int,
    rng: np.random.Generator,
) -> np.ndarray:
    layouts = list(classes)
    colours = np.array([classes[layout] for layout in layouts] + [0], dtype=np.int64)
    colours[-1] = len(pool.sites) - colours[:-1].sum()  # sites that cannot detect
    if pool.with_replacement:
        visits = rng.multinomial(pool.quota, colours / colours.sum(), size=years)
    else:
        visits = rng.multivariate_hypergeometric(colours, pool.quota, size=years)
    caught = np.zeros(years, dtype=bool)
    for column, (items, tainted, examined) in enumerate(layouts):
        per_visit = 1.0 - nondetection_probability(items, tainted, examined)
        caught |= rng.binomial(visits[:, column], per_visit) > 0
    return caught


def _needs_permutation(pool: InspectionPool) -> bool:
    # A year draws no site twice with probability about exp(-q^2 / 2S).
    return pool.quota * pool.quota > 2 * len(pool.sites)


def _block_columns(pool: InspectionPool) -> int:
    """Array columns one simulated year of ``pool`` needs (for bounding memory)."""
    classes = len({(s.items, s.tainted, s.examined) for s in pool.sites if s.tainted})
    if classes <= MAX_CLASSES_COUNTED:
        return classes + 1
    if not pool.with_replacement and _needs_permutation(pool):
        return len(pool.sites) + pool.quota
    return 2 * pool.quota


def _caught_by_visits(pool: InspectionPool, years: int, rng: np.random.Generator) -> np.ndarray:
    per_visit = np.array(
        [
            1.0 - nondetection_probability(s.items, s.tainted, s.examined) if s.tainted else 0.0
            for s in pool.sites
        ]
    )
    count = len(pool.sites)
    if not pool.with_replacement and _needs_permutation(pool):
        # Many visits among few sites: redrawing would rarely succeed; permute instead.
        visits = np.argsort(rng.random((years, count)), axis=1)[:, : pool.quota]
        return np.asarray((rng.random((years, pool.quota)) < per_visit[visits]).any(axis=1))
    visits = rng.integers(0, count, size=(years, pool.quota))
    if not pool.with_replacement:
        # Redraw the years that drew a site twice: what remains is a uniform q-subset.
        while True:
            ordered = np.sort(visits, axis=1)
            repeated = np.nonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))[0]
            if repeated.size == 0:
                break
            visits[repeated] = rng.integers(0, count, size=(repeated.size, pool.quota))
    return np.asarray((rng.random((years, pool.quota)) < per_visit[visits]).any(axis=1))


def exact_detection_probability(scenario: Scenario) -> float:
    """Exact yearly detection probability of the same model.

    With revisits a year misses with ``(mean_s m_s)^q``; without, with the mean of
    ``prod_{s in S} m_s`` over all q-subsets S, i.e. ``e_q(m) / C(|sites|, q)`` with e_q the
    elementary symmetric polynomial; m_s is the hypergeometric miss probability at site s.
    """
    missed = 1.0
    for pool in scenario.pools:
        misses = [
            nondetection_probability(s.items, s.tainted, s.examined) if s.items else 1.0
            for s in pool.sites
        ]
        if pool.with_replacement:
            missed *= (sum(misses) / len(misses)) ** pool.quota
        else:
            symmetric = [1.0] + [0.0] * pool.quota
            for m in misses:
                for order in range(pool.quota, 0, -1):
                    symmetric[order] += symmetric[order - 1] * m
            missed *= symmetric[pool.quota] / math.comb(len(misses), pool.quota)
    return 1.0 - missed


# --- cheating strategies ------------------------------------------------------------------


def spread(total: int, bins: Sequence[int]) -> list[int]:
    """Spread ``total`` items as evenly as capacities allow, round robin from the first bin."""
    if total > sum(bins):
        raise SimulationError(f"cannot place {total} items in bins holding {sum(bins)}")
    placed = [0] * len(bins)
    left = total
    while left:
        for i, capacity in enumerate(bins):
            if left and placed[i] < capacity:
                placed[i] += 1
                left -= 1
    return placed


def extra_rvs_scenario(
    missiles_per_base: Sequence[int],
    cheating_missiles: int,
    quota: int,
    *,
    missiles_examined: int = 1,
    with_replacement: bool = False,
) -> Scenario:
    """Extra reentry vehicles on m deployed missiles spread over the bases; each Type One
    inspection counts the RVs on ``missiles_examined`` randomly chosen missiles."""
    placed = spread(cheating_missiles, missiles_per_base)
    sites = tuple(
        SiteLayout(f"base-{i + 1}", n, c, min(missiles_examined, n))
        for i, (n, c) in enumerate(zip(missiles_per_base, placed, strict=True))
    )
    return Scenario(
        f"extra RVs on {cheating_missiles} missiles over {len(sites)} bases",
        (InspectionPool("type_one", quota, sites, with_replacement),),
    )


def undeclared_warheads_scenario(
    declared_at_storage: int,
    undeclared: int,
    other_sites: Sequence[int],
    quota: int,
    *,
    uids_read: int = 10,
    with_replacement: bool = False,
) -> Scenario:
    """Undeclared (untagged) warheads at one storage site; each Type Two inspection reads the
    UIDs of ``uids_read`` random items there: an untagged item is caught when sampled."""
    storage = SiteLayout(
        "storage",
        declared_at_storage + undeclared,
        undeclared,
        min(uids_read, declared_at_storage + undeclared),
    )
    others = tuple(
        SiteLayout(f"site-{i + 1}", n, 0, min(uids_read, n)) for i, n in enumerate(other_sites)
    )
    return Scenario(
        f"{undeclared} undeclared warheads among {declared_at_storage} at a storage site",
        (InspectionPool("type_two", quota, (storage, *others), with_replacement),),
    )


def unnotified_move_scenario(
    items_per_site: Sequence[int],
    origin: int,
    destination: int,
    quota: int,
    *,
    items_examined: int = 1,
    origin_counted: bool = True,
    with_replacement: bool = False,
) -> Scenario:
    """One item moved from ``origin`` to ``destination`` without notification. At the origin a
    full count of the category finds it missing (``origin_counted``); at the destination its
    UID is caught when it is among the ``items_examined``."""
    if origin == destination:
        raise SimulationError("a move needs distinct origin and destination sites")
    sites = []
    for i, n in enumerate(items_per_site):
        if i == origin:
            sites.append(SiteLayout(f"site-{i + 1}", n, 1 if n else 0, n if origin_counted else 0))
        elif i == destination:
            sites.append(SiteLayout(f"site-{i + 1}", n + 1, 1, min(items_examined, n + 1)))
        else:
            sites.append(SiteLayout(f"site-{i + 1}", n, 0, min(items_examined, n)))
    return Scenario(
        f"unnotified move from site {origin + 1} to site {destination + 1}",
        (InspectionPool("inspection", quota, tuple(sites), with_replacement),),
    )


def reconverted_bomber_scenario(
    converted_bombers_per_base: Sequence[int],
    base: int,
    quota: int,
    *,
    bombers_examined: int = 1,
    reconverted: int = 1,
    with_replacement: bool = False,
) -> Scenario:
    """Bombers declared converted to non-nuclear, ``reconverted`` of them at ``base`` made
    nuclear again without notice; an inspection examines ``bombers_examined`` there."""
    sites = tuple(
        SiteLayout(
            f"air-base-{i + 1}", n, reconverted if i == base else 0, min(bombers_examined, n)
        )
        for i, n in enumerate(converted_bombers_per_base)
    )
    return Scenario(
        f"{reconverted} converted bombers reconverted without notice at air base {base + 1}",
        (InspectionPool("type_two", quota, sites, with_replacement),),
    )


def detection_curve(
    missiles_per_base: Sequence[int],
    cheating_sizes: Sequence[int],
    quota: int,
    years: int,
    rng: np.random.Generator,
    *,
    missiles_examined: int = 1,
) -> list[tuple[int, SimulationResult, float]]:
    """Detection probability against the number of cheating missiles (simulated and exact)."""
    curve = []
    for size in cheating_sizes:
        scenario = extra_rvs_scenario(
            missiles_per_base, size, quota, missiles_examined=missiles_examined
        )
        curve.append(
            (size, simulate_years(scenario, years, rng), exact_detection_probability(scenario))
        )
    return curve


def python_loop_detection(scenario: Scenario, years: int, rng: np.random.Generator) -> int:
    """The same model as a plain Python loop (the benchmark's baseline): one year at a time,
    one inspection at a time, one examined item at a time."""
    source = random.Random(int(rng.integers(0, 2**63)))
    detections = 0
    for _ in range(years):
        caught = False
        for pool in scenario.pools:
            count = len(pool.sites)
            if pool.with_replacement:
                visits = [source.randrange(count) for _ in range(pool.quota)]
            else:
                visits = source.sample(range(count), pool.quota)
            for index in visits:
                site = pool.sites[index]
                examined = source.sample(range(site.items), site.examined)
                if any(position < site.tainted for position in examined):
                    caught = True
        detections += caught
    return detections

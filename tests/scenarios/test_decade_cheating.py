"""Scenario: a shortened decade exercise (the first two treaty years) with and without a
cheater, over repeated seeds, on the exercise's pure core (``treatyledger.exercise.plan.play``:
the streams, the inspections as the Protocol runs them, the reconciliation; no HTTP).

Oracle: the exact detection probability of the inspection statistics
(``inspect.simulation.exact_detection_probability``, per inspection, of the sites the
inspectors choose among, each as the procedure examines it). Over independent seeds, the
number of cheats caught is a sum of independent Bernoulli trials with those probabilities (a
Poisson binomial): the test fails if the count is so low that the exact lower tail is below
1e-3 (caught less often than predicted), and, to hold the prediction exact rather than only
a lower bound, if the upper tail is below 1e-3. The false-failure rate of the pair is at most
2e-3. Without a cheater, every inspection of every seed is clean: that part cannot fail by
chance.
"""

from __future__ import annotations

import random
from datetime import date

import pytest

from treatyledger.exercise.plan import PARTIES, play
from treatyledger.inspect.cheating import Strategy
from treatyledger.inspect.findings import IssueKind

UNTIL = date(2013, 2, 5)  # the first two treaty years
SEEDS = range(36)
FALSE_FAILURE = 1e-3  # per tail
VOLUME = 0.1  # routine traffic does not change what inspections find; less of it is faster


def poisson_binomial(probabilities: list[float]) -> list[float]:
    """P(X = k) for k = 0..n, X the number of successes of independent trials."""
    law = [1.0]
    for p in probabilities:
        law = [a * (1 - p) + b * p for a, b in zip([*law, 0.0], [0.0, *law], strict=True)]
    return law


def test_the_poisson_binomial_law() -> None:
    law = poisson_binomial([0.5, 0.5, 0.5])
    assert law == pytest.approx([1 / 8, 3 / 8, 3 / 8, 1 / 8])
    assert sum(poisson_binomial([0.1, 0.7, 0.3, 0.99])) == pytest.approx(1.0)


def _party(seed: int) -> str:
    return random.Random(f"{seed}:inspected").choice(PARTIES)


@pytest.fixture(scope="module")
def cheating_runs() -> list:  # type: ignore[type-arg]
    return [
        play(
            "new-start", seed, until=UNTIL, volume=VOLUME, cheater=True, inspected=(_party(seed),)
        ).campaign
        for seed in SEEDS
    ]


def test_cheaters_are_caught_as_often_as_the_statistics_predict(cheating_runs: list) -> None:  # type: ignore[type-arg]
    predicted = [run.predicted for run in cheating_runs]
    caught = sum(run.caught is not None for run in cheating_runs)
    law = poisson_binomial(predicted)
    lower = sum(law[: caught + 1])
    upper = sum(law[caught:])
    expected = sum(predicted)
    assert lower >= FALSE_FAILURE, f"caught {caught}, expected {expected:.1f}: P(X<=k)={lower:.2e}"
    assert upper >= FALSE_FAILURE, f"caught {caught}, expected {expected:.1f}: P(X>=k)={upper:.2e}"
    # the seeds exercise every strategy, and the regime neither always nor never catches
    assert {run.cheat.strategy for run in cheating_runs} == set(Strategy)
    assert 0 < caught < len(cheating_runs)


def test_only_the_cheat_raises_issues(cheating_runs: list) -> None:  # type: ignore[type-arg]
    """Inspections outside the cheat's span are clean; inside it, every issue is about an
    item of the cheat, and an inspection with no chance of finding it finds nothing."""
    for run in cheating_runs:
        cheat = run.cheat
        for outcome in run.outcomes:
            if not outcome.cheat_active:
                assert outcome.clean, outcome.issues
                continue
            if outcome.miss == 1.0:
                assert outcome.clean, outcome.issues
            for issue in outcome.issues:
                if issue.kind is IssueKind.COUNT_MISMATCH:  # the moved missile, missing
                    assert cheat.strategy is Strategy.UNNOTIFIED_MOVE
                    assert issue.site == cheat.origin
                else:
                    assert issue.item in cheat.tainted, issue


@pytest.mark.parametrize("seed", range(6))
def test_without_a_cheater_every_inspection_is_clean(seed: int) -> None:
    campaign = play("new-start", 100 + seed, until=UNTIL, volume=VOLUME, cheater=False).campaign
    assert campaign.cheat is None
    assert len(campaign.outcomes) >= 2 * 18  # both parties inspected, the full quotas
    assert all(o.clean for o in campaign.outcomes), [
        o.issues for o in campaign.outcomes if o.issues
    ]

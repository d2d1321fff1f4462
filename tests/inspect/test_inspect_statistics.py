"""Properties of the sampling statistics, tests, games and balances beyond the fixture cases."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from treatyledger.inspect import games, materials, sequential, statistics

populations = st.integers(min_value=1, max_value=400)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), population=populations)
def test_detection_probability_equals_scipy_hypergeometric(
    data: st.DataObject, population: int
) -> None:
    bad = data.draw(st.integers(0, population))
    sample = data.draw(st.integers(0, population))
    expected = 1.0 - stats.hypergeom.pmf(0, population, bad, sample)
    assert statistics.detection_probability(population, bad, sample) == pytest.approx(
        expected, abs=1e-12
    )


@settings(max_examples=60, deadline=None)
@given(data=st.data(), population=st.integers(2, 300))
def test_smallest_sample_is_smallest_that_reaches_goal(
    data: st.DataObject, population: int
) -> None:
    bad = data.draw(st.integers(1, population))
    goal = data.draw(st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99]))
    n = statistics.smallest_sample(population, bad, goal)
    assert statistics.detection_probability(population, bad, n) >= goal - 1e-9
    if n > 0:
        assert statistics.detection_probability(population, bad, n - 1) < goal


def test_sampling_rejects_more_bad_items_than_items() -> None:
    with pytest.raises(statistics.SamplingError, match="between 0 and the population 10"):
        statistics.detection_probability(10, 11, 3)


def test_sampling_rejects_goal_of_one() -> None:
    with pytest.raises(statistics.SamplingError, match="strictly between 0 and 1"):
        statistics.smallest_sample(10, 1, 1.0)


def test_posterior_never_rises_with_clean_inspections() -> None:
    values = [statistics.posterior_cheating(0.3, 0.1, k) for k in range(30)]
    assert all(b < a for a, b in itertools.pairwise(values))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 40), k=st.integers(0, 40))
def test_dresher_recursion_equals_closed_form(n: int, k: int) -> None:
    assert games.dresher_value(n, k) == pytest.approx(games.dresher_closed_form(n, k), abs=1e-12)


def test_matrix_game_value_matches_two_by_two_formula() -> None:
    solution = games.solve_zero_sum([[-1, 1], [1, 0]])
    assert solution.value == pytest.approx(games.solve_2x2(-1, 1, 1, 0)) == pytest.approx(1 / 3)


def test_sprt_accepts_h0_on_clean_observations() -> None:
    result = sequential.bernoulli_sprt([0] * 20, 0.1, 0.3, 0.05, 0.1)
    assert result.decision is sequential.Decision.ACCEPT_H0
    assert result.log_likelihood_ratios[-1] <= result.boundaries.lower


def test_sprt_rejects_inconsistent_error_rates() -> None:
    with pytest.raises(sequential.SequentialTestError, match="alpha \\+ beta < 1"):
        sequential.wald_boundaries(0.6, 0.5)


def test_cusum_arl_agrees_with_simulated_run_lengths() -> None:
    rng = np.random.default_rng(20261127)
    k, h, mu = 0.5, 3.0, 1.0
    exact = sequential.cusum_arl(k, h, mu)
    runs = []
    for _ in range(4000):
        statistic, length = 0.0, 0
        while statistic <= h:
            statistic = max(0.0, statistic + rng.normal(mu) - k)
            length += 1
        runs.append(length)
    mean, error = np.mean(runs), np.std(runs) / math.sqrt(len(runs))
    assert abs(mean - exact) < 4 * error


def test_cusum_path_alarms_at_first_crossing() -> None:
    values, alarm = sequential.cusum_path([0.0, 2.0, 2.0, 2.0], k=0.5, h=2.5)
    assert list(values) == [0.0, 1.5, 3.0, 4.5]
    assert alarm == 3


def test_muf_balance_and_sigma() -> None:
    assert materials.muf(100.0, 20.0, 30.0, 88.0) == pytest.approx(2.0)
    assert materials.sigma_muf([0.09, 0.16]) == pytest.approx(0.5)


def test_sitmuf_refuses_a_covariance_that_is_not_positive_definite() -> None:
    with pytest.raises(materials.MaterialBalanceError, match="not positive definite"):
        materials.sitmuf([1.0, 2.0], [[1.0, 2.0], [2.0, 1.0]])


def test_d_statistic_from_paired_measurements() -> None:
    d = materials.d_statistic(100, [10.0, 10.5], [9.8, 10.1], random_error=0.5)
    assert d.value == pytest.approx(100 / 2 * 0.6)


def test_bivariate_chain_equals_integral_equation_without_headstart() -> None:
    chain = sequential.two_sided_cusum_arl_markov(0.5, 4.0, 0.5, states=61)
    assert chain == pytest.approx(sequential.two_sided_cusum_arl(0.5, 4.0, 0.5), rel=1e-5)


def test_headstart_on_both_sides_breaks_the_reciprocal_sum_shortcut() -> None:
    upper = sequential.cusum_arl(0.5, 4.0, 0.0, headstart=2.0)
    shortcut = 1 / (2 / upper)
    assert shortcut == pytest.approx(158.19, abs=0.01)  # case C03's naive value
    joint = sequential.two_sided_cusum_arl_markov(0.5, 4.0, 0.0, headstart=2.0, states=31)
    assert joint < 150


def test_large_populations_are_fast_and_agree_with_scipy() -> None:
    # One million items: exact integer ratios would take seconds here.
    for bad, sample in ((10, 500_000), (400_000, 3), (300_000, 300_000)):
        expected = 1.0 - stats.hypergeom.pmf(0, 1_000_000, bad, sample)
        assert statistics.detection_probability(1_000_000, bad, sample) == pytest.approx(
            expected, rel=1e-11, abs=1e-15
        )
    assert statistics.smallest_sample(1_000_000, 100, 0.95) == 29_512


def test_stratified_plan_refuses_an_explosion_of_splits() -> None:
    strata = [statistics.Stratum(f"s{i}", 1000, 0.01) for i in range(4)]
    with pytest.raises(statistics.SamplingError, match="falsification splits to evaluate"):
        statistics.stratified_plan(strata, 8.0, 0.9)

"""Monte Carlo of treaty years: agreement with the exact answer, and each cheating strategy."""

from __future__ import annotations

import numpy as np
import pytest

from treatyledger.inspect import simulation, statistics
from treatyledger.inspect.errors import SimulationError
from treatyledger.inspect.simulation import InspectionPool, Scenario, SiteLayout

YEARS = 200_000


def _inside_interval(result: simulation.SimulationResult, exact: float) -> bool:
    return result.confidence_low <= exact <= result.confidence_high


def test_single_inspection_agrees_with_exact_hypergeometric() -> None:
    # One site of N=100 with M=10 tainted, n=20 examined: case A01's first row.
    scenario = Scenario("one site", (InspectionPool("p", 1, (SiteLayout("s", 100, 10, 20),)),))
    result = simulation.simulate_years(scenario, YEARS, np.random.default_rng(1), level=0.999)
    assert _inside_interval(result, statistics.detection_probability(100, 10, 20))


@pytest.mark.parametrize("with_replacement", [False, True])
def test_extra_rvs_simulation_agrees_with_exact_regime_probability(with_replacement: bool) -> None:
    scenario = simulation.extra_rvs_scenario(
        [50, 40, 30, 20, 10, 5, 45, 35, 25, 15, 12], 9, 10, with_replacement=with_replacement
    )
    result = simulation.simulate_years(scenario, YEARS, np.random.default_rng(2), level=0.999)
    assert _inside_interval(result, simulation.exact_detection_probability(scenario))


def test_site_sampling_without_revisits_matches_d03_case() -> None:
    # 10 Type One inspections among 20 sites, violations at 2 of them (fixture case D03).
    sites = tuple(SiteLayout(f"s{i}", 1, 1 if i < 2 else 0, 1) for i in range(20))
    scenario = Scenario("d03", (InspectionPool("type_one", 10, sites),))
    assert simulation.exact_detection_probability(scenario) == pytest.approx(0.763158, abs=5e-7)
    result = simulation.simulate_years(scenario, YEARS, np.random.default_rng(3), level=0.999)
    assert _inside_interval(result, 0.763158)


def test_several_examined_items_use_hypergeometric_samples() -> None:
    scenario = simulation.extra_rvs_scenario([30, 30, 30], 4, 2, missiles_examined=5)
    result = simulation.simulate_years(scenario, YEARS, np.random.default_rng(4), level=0.999)
    assert _inside_interval(result, simulation.exact_detection_probability(scenario))


def test_undeclared_warheads_found_only_when_storage_is_visited() -> None:
    scenario = simulation.undeclared_warheads_scenario(50, 3, [40, 40, 40], 1, uids_read=10)
    # One visit, a 1 in 4 chance of the storage site, then case D05's UID sample.
    expected = 0.25 * statistics.detection_probability(53, 3, 10)
    assert simulation.exact_detection_probability(scenario) == pytest.approx(expected)
    result = simulation.simulate_years(scenario, YEARS, np.random.default_rng(5), level=0.999)
    assert _inside_interval(result, expected)


def test_unnotified_move_is_caught_by_a_count_at_the_origin() -> None:
    scenario = simulation.unnotified_move_scenario([10, 10, 10, 10], 0, 1, 1, items_examined=1)
    # Origin visited (1/4, full count) or destination visited (1/4) and the item sampled (1/11).
    assert simulation.exact_detection_probability(scenario) == pytest.approx(0.25 + 0.25 / 11)
    result = simulation.simulate_years(scenario, YEARS, np.random.default_rng(6), level=0.999)
    assert _inside_interval(result, 0.25 + 0.25 / 11)


def test_reconverted_bomber_detection_grows_with_bombers_examined() -> None:
    few = simulation.reconverted_bomber_scenario([8, 8, 8], 0, 2, bombers_examined=1)
    many = simulation.reconverted_bomber_scenario([8, 8, 8], 0, 2, bombers_examined=8)
    assert simulation.exact_detection_probability(many) == pytest.approx(2 / 3)
    assert simulation.exact_detection_probability(few) == pytest.approx(2 / 3 / 8)


def test_no_cheating_is_never_detected() -> None:
    scenario = simulation.extra_rvs_scenario([10, 10], 0, 2)
    assert simulation.simulate_years(scenario, 1000, np.random.default_rng(7)).detections == 0


def test_same_generator_seed_gives_the_same_result() -> None:
    scenario = simulation.extra_rvs_scenario([10, 20, 30], 5, 2)
    first = simulation.simulate_years(scenario, 5000, np.random.default_rng(8))
    assert simulation.simulate_years(scenario, 5000, np.random.default_rng(8)) == first


def test_more_visits_than_sites_without_revisits_is_refused() -> None:
    with pytest.raises(SimulationError, match="need at least 10 sites, got 3"):
        simulation.extra_rvs_scenario([10, 10, 10], 1, 10)


def test_python_loop_baseline_agrees_with_exact() -> None:
    scenario = simulation.extra_rvs_scenario([20, 20, 20], 6, 2)
    years = 20_000
    hits = simulation.python_loop_detection(scenario, years, np.random.default_rng(9))
    low, high = simulation.wilson_interval(hits, years, 0.999)
    assert low <= simulation.exact_detection_probability(scenario) <= high


def test_wilson_interval_contains_the_estimate() -> None:
    low, high = simulation.wilson_interval(30, 100)
    assert low < 0.3 < high
    assert (round(low, 4), round(high, 4)) == (0.2189, 0.3958)  # standard Wilson 95 % values


def test_two_inspection_types_combine_in_one_year() -> None:
    # Type One among ICBM bases (extra RVs) and Type Two among storage sites (untagged items).
    type_one = simulation.extra_rvs_scenario([30, 30, 30, 30], 2, 2).pools[0]
    type_two = simulation.undeclared_warheads_scenario(40, 2, [40, 40], 1, uids_read=5).pools[0]
    both = Scenario("both", (type_one, type_two))
    missed_one = 1 - simulation.exact_detection_probability(Scenario("1", (type_one,)))
    missed_two = 1 - simulation.exact_detection_probability(Scenario("2", (type_two,)))
    exact = 1 - missed_one * missed_two
    assert simulation.exact_detection_probability(both) == pytest.approx(exact)
    result = simulation.simulate_years(both, YEARS, np.random.default_rng(10), level=0.999)
    assert _inside_interval(result, exact)


def test_many_distinct_sites_are_simulated_in_bounded_blocks() -> None:
    # 3,000 distinct layouts: one column each; blocks shrink so memory stays bounded.
    sites = tuple(SiteLayout(f"s{i}", 10 + i, 1, 1) for i in range(3000))
    scenario = Scenario("wide", (InspectionPool("p", 5, sites),))
    result = simulation.simulate_years(scenario, 20_000, np.random.default_rng(11), level=0.999)
    assert _inside_interval(result, simulation.exact_detection_probability(scenario))


@pytest.mark.parametrize("quota", [3, 30])
def test_distinct_layouts_drawn_visit_by_visit_agree_with_exact(quota: int) -> None:
    # 40 distinct layouts (beyond the per-class counting): visits are drawn site by site,
    # by redrawing repeated sites (quota 3) or by permutation (quota 30 of 40 sites).
    sites = tuple(SiteLayout(f"s{i}", 5 + i, 1 + i % 3, 1 + i % 2) for i in range(40))
    scenario = Scenario("distinct", (InspectionPool("p", quota, sites),))
    result = simulation.simulate_years(scenario, YEARS, np.random.default_rng(12), level=0.999)
    assert _inside_interval(result, simulation.exact_detection_probability(scenario))

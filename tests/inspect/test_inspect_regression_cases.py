"""Regression values: cases of inspection_cases.json whose formula is published but whose
numbers were derived by the reference's authors (``formula published; values derived``,
``derived``). They guard against regressions; they are not external validation.

The A01 *property* (exact sample size within n_IAEA-3..n_IAEA for safeguards-relevant cases)
is published (INMM J. Nucl. Mater. Manage. 44(3)); it is checked on a grid here as well.
"""

from __future__ import annotations

import pytest
from inspect_cases import PUBLISHED, load_cases

from treatyledger.inspect import games, materials, statistics

CASES = load_cases()


def test_regression_cases_are_not_marked_published() -> None:
    for case_id in ("G04", "A01", "M01", "D01", "D02", "D03", "D04", "D05", "D06", "D07"):
        assert CASES[case_id]["source_status"] != PUBLISHED


@pytest.mark.parametrize(
    "row", CASES["G04"]["rows"], ids=lambda r: f"{r['n_periods']}-{r['k_inspections']}"
)
def test_dresher_recursion_equals_closed_form_values(row: dict) -> None:
    n, k = row["n_periods"], row["k_inspections"]
    assert games.dresher_value(n, k) == pytest.approx(row["closed_form"], rel=1e-12)
    assert games.dresher_closed_form(n, k) == pytest.approx(row["closed_form"], rel=1e-12)


@pytest.mark.parametrize(
    "row", CASES["A01"]["rows"], ids=lambda r: f"N{r['N']}-M{r['M']}-b{r['beta']}"
)
def test_attribute_sample_sizes_and_detection_probabilities(row: dict) -> None:
    N, M, goal = row["N"], row["M"], 1 - row["beta"]
    assert statistics.iaea_sample_size(N, M, goal) == row["n_IAEA"]
    assert statistics.smallest_sample(N, M, goal) == row["n_exact"]
    assert statistics.detection_probability(N, M, row["n_IAEA"]) == pytest.approx(
        row["DP_at_n_IAEA"], abs=5e-7
    )
    assert statistics.detection_probability(N, M, row["n_exact"]) == pytest.approx(
        row["DP_at_n_exact"], abs=5e-7
    )


@pytest.mark.parametrize("beta", [0.05, 0.1, 0.2, 0.5])
def test_exact_sample_size_lies_within_three_below_iaea_approximation(beta: float) -> None:
    for N in range(1, 121, 7):
        for M in range(1, N + 1, 3):
            exact = statistics.smallest_sample(N, M, 1 - beta)
            approx = statistics.iaea_sample_size(N, M, 1 - beta)
            assert approx - 3 <= exact <= approx, (N, M)


@pytest.mark.parametrize(
    "row", CASES["M01"]["rows"], ids=lambda r: f"a{r['alpha']}-dp{r['target_DP']}"
)
def test_muf_loss_needed_for_detection_goal(row: dict) -> None:
    ratio = materials.required_loss_over_sigma(row["alpha"], row["target_DP"])
    assert ratio == pytest.approx(row["required_M_over_sigmaMUF"], abs=5e-7)
    assert materials.muf_detection_probability(ratio, 1.0, row["alpha"]) == pytest.approx(
        row["target_DP"], abs=1e-9
    )


def test_two_stratum_plan_and_diverters_best_split() -> None:
    case = CASES["D01"]
    inputs, expected = case["inputs"], case["computed"]
    strata = [statistics.Stratum(s["name"], s["N"], s["x"]) for s in inputs["strata"]]
    plan = statistics.stratified_plan(strata, inputs["SQ_kg"], 1 - inputs["beta"])
    assert list(plan.samples) == expected["n"]
    assert list(plan.falsified_alone) == expected["M"]
    splits = {split: dp for split, dp in plan.splits}
    assert set(splits) == {(s["r_cans"], s["r_assemblies"]) for s in expected["minimal_splits"]}
    for s in expected["minimal_splits"]:
        assert splits[(s["r_cans"], s["r_assemblies"])] == pytest.approx(s["DP"], abs=5e-6)
    assert plan.worst_detection == pytest.approx(expected["worst_case"]["DP"], abs=5e-6)


def test_bayesian_confidence_after_clean_inspections() -> None:
    expected = CASES["D02"]["computed"]
    for k in (1, 5, 10):
        assert statistics.posterior_cheating(0.5, 0.2, k) == pytest.approx(
            expected[f"k={k}"], abs=5e-7
        )
    assert (
        statistics.clean_inspections_for_confidence(0.5, 0.2, 0.05)
        == expected["k_for_posterior<=0.05"]
    )
    assert statistics.violation_rate_credibility(20, 0.1) == pytest.approx(
        expected["beta_binomial_uniform_prior: P(theta<0.1 | 20 clean draws)"], abs=5e-7
    )


def test_site_selection_under_new_start_quota() -> None:
    expected = CASES["D03"]["computed"]
    assert statistics.site_visit_probability(20, 10, with_replacement=False) == pytest.approx(
        expected["P(given site visited | no repeats)"]
    )
    assert statistics.site_visit_probability(20, 10, with_replacement=True) == pytest.approx(
        expected["P(given site visited | with replacement)"], abs=5e-7
    )
    per_year = statistics.detection_probability(20, 2, 10)
    assert per_year == pytest.approx(
        expected["P(detect >=1 of c=2 violating sites in one year)"], abs=5e-7
    )
    assert statistics.yearly_detection_over_years(per_year, 3) == pytest.approx(
        expected["over 3 independent years"], abs=5e-7
    )


def test_false_alarm_game_equilibrium_and_leadership() -> None:
    case = CASES["D04"]
    i, expected = case["inputs"], case["computed"]
    game = games.FalseAlarmGame(
        m_over_sigma=i["M_over_sigma"],
        sanction=i["b_sanction"],
        gain=i["d_gain"],
        false_alarm_cost_inspectee=i["h_false_alarm_cost_inspectee"],
        false_alarm_cost_inspector=i["e_false_alarm_cost_inspector"],
        loss_detected=i["a_detected"],
        loss_undetected=i["c_undetected"],
    )
    equilibrium = games.solve_false_alarm_game(game)
    assert equilibrium.alpha == pytest.approx(expected["alpha_star"], abs=5e-7)
    assert equilibrium.beta == pytest.approx(expected["beta_star"], abs=5e-7)
    assert equilibrium.violation_probability == pytest.approx(
        expected["violation_prob_q_star"], abs=5e-7
    )
    leader = games.inspector_leadership(game)
    assert leader.alpha == equilibrium.alpha
    assert leader.violation_probability == 0.0


def test_uid_sampling_catches_untagged_items() -> None:
    expected = CASES["D05"]["computed"]
    assert statistics.detection_probability(53, 3, 10) == pytest.approx(
        expected["P(detect)_with_UIDs"], abs=5e-7
    )
    assert (
        statistics.detection_probability(53, 3, 53) == expected["P(detect)_if_full_count_of_site"]
    )


def test_sitmuf_cholesky_and_conditional_forms_agree_with_case() -> None:
    expected = CASES["D06"]["computed"]
    covariance = [[3, -1, 0], [-1, 3, -1], [0, -1, 3]]
    assert list(materials.sitmuf([1, 2, 3], covariance)) == pytest.approx(
        expected["SITMUF_cholesky"], abs=5e-9
    )
    assert list(materials.sitmuf_conditional([1, 2, 3], covariance)) == pytest.approx(
        expected["SITMUF_conditional"], abs=5e-9
    )


def test_d_statistic_against_a_bias_on_every_item() -> None:
    expected = CASES["D07"]["computed"]
    d = materials.d_statistic(500, sample_size=30, bias_per_item=0.2, random_error=0.5)
    assert d.expected == pytest.approx(expected["E[D]"])
    assert d.sigma == pytest.approx(expected["sigma_D"], abs=5e-7)
    assert d.detection_probability == pytest.approx(expected["DP_alpha_0.05"], abs=5e-6)

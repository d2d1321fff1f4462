"""The ``treatyledger analyze`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from treatyledger.cli import main
from treatyledger.errors import ExitCode
from treatyledger.files.analysis_params import HEDGE_INVENTORY

SMALL = """party,system_type,kind,status,quantity,warheads,warhead_type
US,MM III,icbm,deployed,10,1,
US,,warhead,stored,15,,W78
"""


@pytest.fixture()
def small_inventory(tmp_path: Path) -> Path:
    path = tmp_path / "small.csv"
    path.write_text(SMALL)
    return path


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:  # type: ignore[type-arg]
    assert main([*argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_upload_json_reports_current_max_and_systems(
    capsys: pytest.CaptureFixture[str], small_inventory: Path
) -> None:
    report = run_json(capsys, "analyze", "upload", "--inventory", str(small_inventory))
    assert report["currently_deployed_warheads"] == 10
    assert report["max_deployed_warheads"] == 25
    assert report["by_system"]["MM III"]["binding"] == "warheads"


def test_upload_of_the_bundled_us_force_lands_in_the_published_range(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = run_json(capsys, "analyze", "upload", "--inventory", HEDGE_INVENTORY)
    assert 3500 <= report["max_deployed_warheads"] <= 4300


def test_breakout_json_times_the_level(
    capsys: pytest.CaptureFixture[str], small_inventory: Path
) -> None:
    # built-in MM III schedule: 30-day lead, 3 bases x 2 a week: 6/7 missile a day, 2 slots
    # each: 15 warheads placed after 15 / (12/7) = 8.75 days of upload
    report = run_json(
        capsys, "analyze", "breakout", "--inventory", str(small_inventory), "--level", "25"
    )
    assert report["days_to_level"]["25"] == pytest.approx(38.75)
    assert report["final_deployed_warheads"] == 25


def test_compare_json_has_each_scenario_and_rule_set(capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(
        capsys,
        "analyze",
        "compare",
        "--inventory",
        HEDGE_INVENTORY,
        "--scenarios",
        "stockpile,destroy",
        "--rules",
        "sort-us-2002,sort-ru-2002,new-start,total-stockpile",
    )
    assert set(report["scenarios"]) == {"stockpile", "destroy"}
    for scenario in report["scenarios"].values():
        assert set(scenario["counts"]) == {
            "sort-us-2002",
            "sort-ru-2002",
            "new-start",
            "total-stockpile",
        }
    assert (
        report["scenarios"]["destroy"]["hedge_warheads"]
        < report["scenarios"]["stockpile"]["hedge_warheads"]
    )


def test_table_output_and_plot_file(
    capsys: pytest.CaptureFixture[str], small_inventory: Path, tmp_path: Path
) -> None:
    plot = tmp_path / "b.svg"
    code = main(["analyze", "breakout", "--inventory", str(small_inventory), "--plot", str(plot)])
    assert code == 0
    out = capsys.readouterr().out
    assert "binding constraints" in out and "lead_time" in out
    assert "<svg" in plot.read_text()


def test_unknown_scenario_is_one_line_error(
    capsys: pytest.CaptureFixture[str], small_inventory: Path
) -> None:
    code = main(["analyze", "compare", "--inventory", str(small_inventory), "--scenarios", "burn"])
    assert code == ExitCode.MALFORMED
    err = capsys.readouterr().err
    assert "unknown scenario 'burn'" in err
    assert "Traceback" not in err


def test_user_parameter_file_with_a_missing_source_is_rejected(
    capsys: pytest.CaptureFixture[str], small_inventory: Path, tmp_path: Path
) -> None:
    params = tmp_path / "p.toml"
    params.write_text(
        "[hedge]\nstored_return_days = {value = 0}\n"
        "retired_usable = {value = true, assumption = true}\n"
        "retired_return_days = {value = 0, assumption = true}\n"
        "[destroy]\ndismantle_per_year = {value = 1, assumption = true}\n"
        "years = {value = 1, assumption = true}\nsystems = []\nwarheads = []\n"
    )
    code = main(["analyze", "upload", "--inventory", str(small_inventory), "--params", str(params)])
    assert code == ExitCode.MALFORMED
    assert "hedge.stored_return_days" in capsys.readouterr().err


def test_missing_force_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "upload"]) == ExitCode.MALFORMED
    assert "--inventory FILE or --workspace DIR" in capsys.readouterr().err


@pytest.fixture(scope="module")
def us_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A US workspace holding the synthetic stream of its first two New START data dates."""
    import random
    from datetime import date

    from treatyledger.files import load_catalog
    from treatyledger.files.aggregates import read_new_start_aggregates
    from treatyledger.ledger.synthetic import synthetic_stream

    base = tmp_path_factory.mktemp("analysis-ws")
    figures = [a for a in read_new_start_aggregates(party="US") if a.date <= date(2011, 9, 1)]
    records = synthetic_stream("US", figures, load_catalog(), random.Random(11))
    stream = base / "stream.jsonl"
    stream.write_text("".join(json.dumps(r) + "\n" for r in records))
    workspace = base / "ws"
    assert main(["init", "-w", str(workspace), "--party", "US"]) == 0
    assert main(["notify", "-w", str(workspace), str(stream)]) == 0
    return workspace


def test_trajectory_from_a_workspace_overlays_the_official_figures(
    capsys: pytest.CaptureFixture[str], us_workspace: Path
) -> None:
    capsys.readouterr()
    report = run_json(capsys, "analyze", "trajectory", "--workspace", str(us_workspace))
    assert report["dates"][0] == "2011-02-05"
    official = {o["date"]: o["value"] for o in report["official"]["deployed_warheads"]}
    counted = dict(zip(report["dates"], report["series"]["deployed_warheads"], strict=True))
    assert counted["2011-02-05"] == official["2011-02-05"] == 1800
    assert counted["2011-09-01"] == official["2011-09-01"] == 1790
    assert report["limits"]["deployed_warheads"] == [{"value": 1550, "binding_from": "2018-02-05"}]


def test_upload_from_a_workspace_at_a_date(
    capsys: pytest.CaptureFixture[str], us_workspace: Path
) -> None:
    capsys.readouterr()
    report = run_json(
        capsys, "analyze", "upload", "--workspace", str(us_workspace), "--as-of", "2011-02-05"
    )
    # New START counted 1,800 on 2011-02-05: RVs on deployed missiles plus 1 per deployed
    # bomber; the synthetic bombers declare no weapons, so the physical count is the RVs
    bombers = sum(
        s["deployed_vehicles"] for s in report["by_system"].values() if s["leg"] == "bomber"
    )
    assert bombers > 0
    assert report["currently_deployed_warheads"] == 1800 - bombers


def test_user_parameter_file_changes_the_answer(
    capsys: pytest.CaptureFixture[str], small_inventory: Path, tmp_path: Path
) -> None:
    # the same 10 MM III, but the user says they take at most 2 RVs: 10 more, not 15
    params = tmp_path / "mine.toml"
    params.write_text(
        "[hedge]\n"
        'stored_return_days = {value = 0, source = "my notes"}\n'
        "retired_usable = {value = false, assumption = true}\n"
        "retired_return_days = {value = 0, assumption = true}\n"
        "[destroy]\ndismantle_per_year = {value = 1, assumption = true}\n"
        "years = {value = 1, assumption = true}\n"
        "[[systems]]\n"
        'system_type = "Minuteman III"\nschedule = "rate"\n'
        "upload_capacity = {value = 2, assumption = true}\n"
        "lead_days = {value = 0, assumption = true}\n"
        "bases = {value = 1, assumption = true}\n"
        "vehicles_per_base_per_week = {value = 7, assumption = true}\n"
        "[[warheads]]\n"
        'warhead_type = "W78"\nfits = ["MM III"]\nassumption = true\n'
    )
    report = run_json(
        capsys, "analyze", "upload", "--inventory", str(small_inventory), "--params", str(params)
    )
    assert report["max_deployed_warheads"] == 20
    assert report["by_system"]["MM III"]["binding"] == "capacity"

"""`make demo` end to end: the whole decade unattended, every verified count equal to the
official New START aggregate, and the process exits (its servers stopped). How long it takes
is measured in bench/, not here (a timed test fails on a loaded machine); the timeout only
catches a hang."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def test_demo_runs_unattended_and_reproduces_every_official_figure(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "treatyledger.demo"],
        cwd=tmp_path,  # the demo writes ./demo-out/ where it runs
        capture_output=True,
        text=True,
        timeout=1200,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    # the 42 official rows (21 US and 21 RU data dates, 2011-02-05 .. 2023-03-01) and the 7
    # checks of the US force
    assert out.count("matches") == 42 + 7
    assert "42 verified rows match the official aggregates" in out
    assert "DIFFERS" not in out
    # which figures are evidence and which reproduce the input is said, not left to guess
    assert out.count("independent check:") == 4  # the force's four structural figures
    assert out.count("reproduction of the input") >= 3 + 1  # three force figures, the exercise
    assert "not that the forces are right" in out
    assert "not provided" in out  # Russia after its suspension
    assert "cosigned by treatyledger.example/RU" in out
    assert "cosigned by treatyledger.example/US" in out
    assert "Bundled inventories under every built-in rule set" in out  # the first section
    assert "standalone verifier in another process: valid" in out
    assert "inspections" in out and "The cheater (unknown to the inspectors)" in out
    page = (tmp_path / "demo-out" / "report" / "index.html").read_text()
    assert "Counts per data date" in page and "not provided" in page
    assert "The cheater" in page and (tmp_path / "demo-out/report/plots/detection.png").exists()
    assert {p.name for p in (tmp_path / "demo-out").iterdir()} >= {
        "us",
        "ru",
        "witness",
        "report",
        "evidence",
        "exercise.json",
    }


def test_a_failed_exercise_is_one_line_and_its_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from treatyledger import demo
    from treatyledger.exercise.errors import ExerciseError

    def refuse(*_args: object, **_kwargs: object) -> bool:
        raise ExerciseError("the RU node refused notification RU#7: [sequence.gap] held")

    monkeypatch.setattr(demo, "counting_section", lambda *a: None)
    monkeypatch.setattr(demo, "forces_section", lambda *a: True)
    monkeypatch.setattr(demo, "treaty_cycle_section", refuse)
    with pytest.raises(SystemExit) as exited:
        demo.main([])
    assert exited.value.code == ExerciseError.exit_code != 0
    err = capsys.readouterr().err
    assert err == "demo failed: the RU node refused notification RU#7: [sequence.gap] held\n"

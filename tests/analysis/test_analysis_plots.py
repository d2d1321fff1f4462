"""Plots exist and show what they claim: axes labels and the number of series."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from analysis_helpers import force, missiles, params, port_system, rate_system, stored

from treatyledger.analysis.breakout import breakout
from treatyledger.analysis.scenarios import compare
from treatyledger.analysis.trajectory import trajectory
from treatyledger.analysis.upload import upload_potential
from treatyledger.files import load_rule_set
from treatyledger.model import Catalog
from treatyledger.report import analysis_plots as plots
from treatyledger.report.errors import PlotError

TABLE = {"W78": ["MM III"], "W76": ["Trident II"]}


@pytest.fixture()
def small():  # type: ignore[no-untyped-def]
    inventory = force(
        missiles("MM III", 10, 1),
        missiles("Trident II", 4, 4, kind="slbm"),
        stored("W78", 15),
        stored("W76", 100),
    )
    return inventory, params([rate_system("MM III"), port_system("Trident II")], TABLE)


def test_breakout_plot_has_total_and_one_line_per_leg(
    catalog: Catalog, small, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    inventory, upload_params = small
    figure = plots.build_breakout_figure(breakout(inventory, catalog, upload_params), levels=(40,))
    ax = figure.axes[0]
    assert ax.get_xlabel() == "days from the decision to upload"
    assert ax.get_ylabel() == "deployed warheads"
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:3] == ["all legs", "icbm", "slbm"]
    assert len(ax.get_lines()) == 4  # three series and the level line
    path = plots.save_figure(figure, tmp_path / "breakout.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_upload_plot_has_two_bar_series_over_the_systems(
    catalog: Catalog, small, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    inventory, upload_params = small
    figure = plots.build_upload_figure(upload_potential(inventory, catalog, upload_params))
    ax = figure.axes[0]
    assert len(ax.containers) == 2
    assert [t.get_text() for t in ax.get_xticklabels()] == ["MM III", "Trident II"]
    assert ax.get_ylabel() == "warheads"
    path = plots.save_figure(figure, tmp_path / "upload.svg")
    assert "<svg" in path.read_text()


def test_comparison_plot_has_one_curve_and_two_bar_series_per_scenario(
    catalog: Catalog, small
) -> None:  # type: ignore[no-untyped-def]
    inventory, upload_params = small
    result = compare(inventory, catalog, upload_params, [load_rule_set("total-stockpile")])
    figure = plots.build_comparison_figure(result)
    curves, bars = figure.axes[:2]
    assert [line.get_label() for line in curves.get_lines()][:2] == ["stockpile", "destroy"]
    # per scenario: the counts now and after the full upload
    assert len(bars.containers) == 4
    assert [c.get_label() for c in bars.containers][:2] == [
        "stockpile: now",
        "stockpile: after full upload",
    ]
    assert curves.get_xlabel() == "days from the decision to upload"
    assert bars.get_ylabel() == "warheads or items"


def test_trajectory_plot_has_one_panel_per_category() -> None:
    rule_set = load_rule_set("new-start")

    class Point:
        def __init__(self, when: date, value: int) -> None:
            self.when = when
            self.totals = {"US": {c.id: value for c in rule_set.categories}}

    result = trajectory(
        [Point(date(2017, 9, 1), 700), Point(date(2018, 3, 1), 690)], rule_set, "US"
    )
    figure = plots.build_trajectory_figure(result)
    assert len(figure.axes) == 3
    assert figure.axes[-1].get_xlabel() == "date"
    labels = [line.get_label() for line in figure.axes[1].get_lines()]
    assert "counted" in labels and "limit in force" in labels


def test_unknown_plot_suffix_is_an_error(catalog: Catalog, small, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inventory, upload_params = small
    figure = plots.build_upload_figure(upload_potential(inventory, catalog, upload_params))
    with pytest.raises(PlotError, match=r"expected a \.png or \.svg"):
        plots.save_figure(figure, tmp_path / "upload.pdf")

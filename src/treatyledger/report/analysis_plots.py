"""Plots of the analysis results (matplotlib, Agg backend): upload potential per system,
breakout timeline, stockpile-vs-destroy comparison, force trajectory. ``build_*`` returns the
figure (tests inspect it); ``save_figure`` writes PNG or SVG by the file's suffix."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from treatyledger.analysis.breakout import BreakoutTimeline
from treatyledger.analysis.scenarios import Comparison
from treatyledger.analysis.trajectory import Trajectory
from treatyledger.analysis.upload import UploadResult
from treatyledger.report.errors import PlotError

FORMATS = {".png": "png", ".svg": "svg"}
DAYS_LABEL = "days from the decision to upload"
WARHEADS_LABEL = "deployed warheads"


def save_figure(figure: Figure, path: Path) -> Path:
    """Write ``figure`` as PNG or SVG (by suffix) and close it."""
    file_format = FORMATS.get(path.suffix.lower())
    if file_format is None:
        plt.close(figure)
        raise PlotError(
            f"{path}: expected a .png or .svg file name, found {path.suffix or 'none'!r}"
        )
    try:
        figure.savefig(path, format=file_format, dpi=120, bbox_inches="tight")
    except OSError as exc:
        raise PlotError(f"{path}: cannot write: {exc.strerror}") from None
    finally:
        plt.close(figure)
    return path


def build_upload_figure(result: UploadResult) -> Figure:
    figure, ax = plt.subplots(figsize=(8, 4.5))
    names = list(result.systems)
    positions = range(len(names))
    current = [result.systems[n].force.current_warheads for n in names]
    maximum = [result.systems[n].force.current_warheads + result.systems[n].uploaded for n in names]
    width = 0.4
    ax.bar([p - width / 2 for p in positions], current, width, label="deployed now")
    ax.bar([p + width / 2 for p in positions], maximum, width, label="after full upload")
    for p, name in zip(positions, names, strict=True):
        ax.annotate(
            result.systems[name].binding,
            (p + width / 2, maximum[p]),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set_xticks(list(positions), names)
    ax.set_xlabel("system type")
    ax.set_ylabel("warheads")
    ax.set_title(
        f"{result.party}: upload potential {result.upload_potential} "
        f"({result.currently_deployed_warheads} -> {result.max_deployed_warheads})"
    )
    ax.legend()
    return figure


def build_breakout_figure(timeline: BreakoutTimeline, levels: tuple[float, ...] = ()) -> Figure:
    figure, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(timeline.days, timeline.deployed, label="all legs", linewidth=2)
    for leg, series in timeline.by_leg.items():
        ax.plot(timeline.days, series, label=leg, linewidth=1)
    for level in levels:
        ax.axhline(level, linestyle="--", linewidth=0.8, color="grey")
    ax.set_xlabel(DAYS_LABEL)
    ax.set_ylabel(WARHEADS_LABEL)
    ax.set_title(f"{timeline.party}: breakout timeline")
    ax.set_ylim(bottom=0)
    ax.legend()
    return figure


def build_comparison_figure(comparison: Comparison) -> Figure:
    figure, (curves, bars) = plt.subplots(1, 2, figsize=(12, 4.5))
    colours = {result.name: f"C{index}" for index, result in enumerate(comparison.scenarios)}
    for result in comparison.scenarios:
        curves.plot(
            result.timeline.days,
            result.timeline.deployed,
            label=result.name,
            color=colours[result.name],
        )
    for level in comparison.levels:
        curves.axhline(level, linestyle="--", linewidth=0.8, color="grey")
    curves.set_xlabel(DAYS_LABEL)
    curves.set_ylabel(WARHEADS_LABEL)
    curves.set_title(f"{comparison.party}: breakout by scenario")
    curves.set_ylim(bottom=0)
    curves.legend()
    labels = ["hedge"] + [
        f"{rule_set}\n{category}"
        for rule_set in comparison.rule_sets
        for category in comparison.scenarios[0].counts.get(rule_set, {})
    ]
    width = 0.8 / max(1, len(comparison.scenarios))
    for index, result in enumerate(comparison.scenarios):
        now = [result.hedge] + [
            total
            for rule_set in comparison.rule_sets
            for total, _ in result.counts.get(rule_set, {}).values()
        ]
        # after the full upload the hedge is spent (0): the counts show where it went
        after = [0] + [
            total
            for rule_set in comparison.rule_sets
            for total in result.counts_after_upload.get(rule_set, {}).values()
        ]
        offsets = [
            i + (index - (len(comparison.scenarios) - 1) / 2) * width for i in range(len(now))
        ]
        colour = colours[result.name]
        bars.bar(offsets, now, width, color=colour, label=f"{result.name}: now")
        bars.bar(
            offsets,
            after,
            width,
            fill=False,
            hatch="//",
            edgecolor=colour,
            label=f"{result.name}: after full upload",
        )
    bars.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=7)
    bars.set_xlabel("hedge and counted category")
    bars.set_ylabel("warheads or items")
    bars.set_title("what each rule set counts")
    bars.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure


def build_trajectory_figure(trajectory: Trajectory) -> Figure:
    categories = list(trajectory.series)
    figure, axes = plt.subplots(
        len(categories), 1, figsize=(9, 3 * len(categories)), sharex=True, squeeze=False
    )
    for ax, category in zip(axes[:, 0], categories, strict=True):
        ax.plot(trajectory.dates, trajectory.series[category], marker=".", label="counted")
        figures = trajectory.official.get(category, ())
        if figures:
            ax.plot(
                [d for d, _ in figures],
                [v for _, v in figures],
                linestyle="none",
                marker="x",
                label="official",
            )
        phases = trajectory.limits.get(category, ())
        if phases:
            in_force = [trajectory.limit_on(category, d) for d in trajectory.dates]
            ax.step(
                trajectory.dates,
                [float("nan") if v is None else v for v in in_force],
                where="post",
                linestyle="--",
                color="red",
                label="limit in force",
            )
            for phase in phases:  # the dates the limits bind from, within the span shown
                if trajectory.dates[0] <= phase.binding_from <= trajectory.dates[-1]:
                    ax.axvline(phase.binding_from, linestyle=":", linewidth=0.8, color="red")
        ax.set_ylabel(category.replace("_", " "), fontsize=8)
        ax.legend(fontsize=8)
    axes[-1, 0].set_xlabel("date")
    axes[0, 0].set_title(f"{trajectory.party} under {trajectory.rule_set}")
    return figure

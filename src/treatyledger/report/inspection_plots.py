"""Plots of inspection statistics (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from treatyledger.inspect.simulation import SimulationResult
from treatyledger.report.analysis_plots import save_figure


def plot_detection_curve(
    curve: Sequence[tuple[int, SimulationResult, float | None]],
    path: Path,
    *,
    title: str = "Detection probability per treaty year",
    xlabel: str = "cheating size (items)",
) -> Path:
    """Simulated detection probability with its confidence interval against cheating size,
    and the exact probability where the model has one."""
    sizes = [size for size, _, _ in curve]
    estimates = [result.probability for _, result, _ in curve]
    below = [result.probability - result.confidence_low for _, result, _ in curve]
    above = [result.confidence_high - result.probability for _, result, _ in curve]
    figure, axes = plt.subplots(figsize=(6.4, 4.2))
    level = curve[0][1].confidence_level if curve else 0.95
    axes.errorbar(
        sizes,
        estimates,
        yerr=[below, above],
        fmt="o",
        capsize=3,
        label=f"Monte Carlo ({level:.0%} interval)",
    )
    exact = [(size, value) for size, _, value in curve if value is not None]
    if exact:
        axes.plot([s for s, _ in exact], [v for _, v in exact], "-", label="exact")
    axes.set_xlabel(xlabel)
    axes.set_ylabel("P(detected within the year)")
    axes.set_ylim(0, 1.02)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right")
    figure.tight_layout()
    save_figure(figure, path)
    return path

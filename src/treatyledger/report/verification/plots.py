"""The report's PNG plots (matplotlib, Agg): per category the counted totals of each party
over time, the official figures as markers and the limit from the day it binds; the cheat's
predicted detection curve with the day it was caught."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from treatyledger.report.plot_dates import day_number
from treatyledger.report.verification.data import Row

COLOURS = {"US": "#1f4e9c", "RU": "#b2182b"}


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def _party(axes: Any, rows: Sequence[Row], party: str, category: str) -> None:
    """One party's counted line, its official markers, its gap shaded."""
    mine = [r for r in rows if r.party == party and r.counted is not None]
    colour = COLOURS.get(party, "#444444")
    axes.plot(
        [day_number(r.data_date) for r in mine],
        [(r.counted or {})[category] for r in mine],
        color=colour,
        label=f"{party} counted (verified)",
    )
    shown = [r for r in mine if r.official]
    axes.scatter(
        [day_number(r.data_date) for r in shown],
        [(r.official or {})[category] for r in shown],
        color=colour,
        marker="o",
        facecolors="none",
        label=f"{party} official",
    )
    gaps = [r for r in rows if r.party == party and r.counted is None]
    if gaps:
        axes.axvspan(
            day_number(gaps[0].data_date),
            day_number(gaps[-1].data_date),
            color=colour,
            alpha=0.08,
            label=f"{party} not provided",
        )


def category_png(rows: Sequence[Row], category: str, title: str) -> bytes:
    figure, axes = plt.subplots(figsize=(8.5, 3.6), layout="constrained")
    for party in sorted({r.party for r in rows}):
        _party(axes, rows, party, category)
    limited = [(r.data_date, limit) for r in rows if (limit := r.limits.get(category)) is not None]
    if limited:
        axes.step(
            [day_number(d) for d, _ in limited],
            [limit for _, limit in limited],
            where="post",
            color="#333333",
            linestyle="--",
            label="limit in force",
        )
    axes.set_title(title, fontsize=10)
    axes.xaxis_date()
    axes.legend(fontsize=7, ncols=3, loc="best")
    axes.grid(alpha=0.3)
    return _png(figure)


def detection_png(cheating: dict[str, Any]) -> bytes:
    """The predicted probability of having caught the cheat by each inspection, the cheat's
    span shaded, the day it was first caught marked."""
    figure, axes = plt.subplots(figsize=(8.5, 3.2), layout="constrained")
    curve = [(date.fromisoformat(d), p) for d, p in cheating.get("curve", [])]
    start, end = cheating.get("start"), cheating.get("end")
    if start and end:
        axes.axvspan(
            day_number(date.fromisoformat(start)),
            day_number(date.fromisoformat(end)),
            color="#f4a582",
            alpha=0.3,
            label="the cheat",
        )
    if curve:
        axes.step(
            [day_number(d) for d, _ in curve],
            [p for _, p in curve],
            where="post",
            color="#1f4e9c",
            label="predicted P(caught by then)",
        )
    caught = cheating.get("caught_on")
    if caught:
        axes.axvline(
            day_number(date.fromisoformat(caught)), color="#b2182b", label=f"caught {caught}"
        )
    axes.set_ylim(0, 1.02)
    axes.set_ylabel("probability")
    axes.set_title(
        "Detection of the cheat: the statistics' prediction and the regime's catch", fontsize=10
    )
    axes.xaxis_date()
    axes.legend(fontsize=7, loc="lower right")
    axes.grid(alpha=0.3)
    return _png(figure)

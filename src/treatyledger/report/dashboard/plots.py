"""The dashboard's plots, each described once as a :class:`Chart` and drawn twice: as a
Plotly figure (interactive in the browser, plotly.js served from the ``plotly`` package) and
as a PNG (matplotlib, Agg) for printing, for static pages and for a browser without
JavaScript. Both drawings come from the same series, so they cannot disagree."""

from __future__ import annotations

import hashlib
import io
import json
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib.resources import files
from typing import Any, Literal

#: Colour-blind-safe (Okabe-Ito), all at least 3:1 against white for lines and markers.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8a6d00", "#56B4E9")

Style = Literal["line", "markers", "limit"]


@dataclass(frozen=True)
class Series:
    name: str
    x: Sequence[date]
    y: Sequence[int]
    style: Style = "line"
    colour: str = PALETTE[0]


#: the shading of a stretch without figures: a light grey both drawings use
GAP_FILL = "#d9d9d9"


@dataclass(frozen=True)
class Chart:
    title: str
    y_label: str
    series: Sequence[Series] = field(default_factory=tuple)
    #: stretches (first, last date, label) whose figures are not provided, shaded, labelled
    gaps: Sequence[tuple[date, date, str]] = field(default_factory=tuple)
    x_label: str = "data date"


def aggregates_chart(
    party: str,
    categories: Sequence[tuple[str, str]],
    series: Mapping[str, Sequence[tuple[date, int]]],
    limits: Mapping[str, tuple[int, date]],
    gaps: Sequence[tuple[date, date, str]] = (),
) -> Chart:
    lines: list[Series] = []
    for index, (cid, name) in enumerate(categories):
        colour = PALETTE[index % len(PALETTE)]
        points = series.get(cid, ())
        lines.append(Series(name, [d for d, _ in points], [v for _, v in points], "line", colour))
        if cid in limits and points:
            value, binding_from = limits[cid]
            start = max(binding_from, points[0][0])
            end = max(points[-1][0], start)
            lines.append(Series(f"limit: {name}", [start, end], [value, value], "limit", colour))
    return Chart(f"{party}: aggregates per data date against the limits", "total", lines, gaps)


def to_plotly(chart: Chart) -> dict[str, Any]:
    traces = []
    for s in chart.series:
        trace: dict[str, Any] = {
            "type": "scatter",
            "name": s.name,
            "x": [d.isoformat() for d in s.x],
            "y": list(s.y),
        }
        if s.style == "line":
            trace |= {"mode": "lines+markers", "line": {"color": s.colour, "width": 2}}
        elif s.style == "markers":
            trace |= {"mode": "markers", "marker": {"color": s.colour, "symbol": "x", "size": 9}}
        else:
            trace |= {"mode": "lines", "line": {"color": s.colour, "width": 2, "dash": "dot"}}
        traces.append(trace)
    layout = {
        "title": {"text": chart.title},
        "xaxis": {"title": {"text": chart.x_label}, "type": "date"},
        "yaxis": {"title": {"text": chart.y_label}, "rangemode": "tozero"},
        "legend": {"orientation": "h", "y": -0.25},
        "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
        "font": {"family": "system-ui, sans-serif", "color": "#1a1a1a"},
    }
    if chart.gaps:
        layout["shapes"] = [
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": first.isoformat(),
                "x1": last.isoformat(),
                "y0": 0,
                "y1": 1,
                "fillcolor": GAP_FILL,
                "opacity": 0.6,
                "line": {"width": 0},
                "layer": "below",
            }
            for first, last, _label in chart.gaps
        ]
        layout["annotations"] = [
            {
                "x": first.isoformat(),
                "xref": "x",
                "xanchor": "left",
                "y": 0.98,
                "yref": "paper",
                "text": label,
                "showarrow": False,
                "font": {"color": "#1a1a1a"},
            }
            for first, _last, label in chart.gaps
        ]
    return {"data": traces, "layout": layout}


#: PNGs drawn, by the SHA-256 of their chart (content-addressed: never stale), bounded
_PNG_CACHE: OrderedDict[str, bytes] = OrderedDict()
PNG_CACHE_SIZE = 32


def to_png(chart: Chart) -> bytes:
    """The chart as a PNG; the same chart is drawn once (matplotlib takes a second)."""
    key = hashlib.sha256(json.dumps(to_plotly(chart), sort_keys=True).encode()).hexdigest()
    found = _PNG_CACHE.get(key)
    if found is None:
        found = _draw_png(chart)
        _PNG_CACHE[key] = found
        while len(_PNG_CACHE) > PNG_CACHE_SIZE:
            _PNG_CACHE.popitem(last=False)
    return found


def _draw_png(chart: Chart) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from treatyledger.report.plot_dates import day_number

    figure = Figure(figsize=(8, 4.2), dpi=100)
    axes = figure.subplots()
    for s in chart.series:
        x = [day_number(d) for d in s.x]
        if s.style == "line":
            axes.plot(x, s.y, marker="o", markersize=3, color=s.colour, label=s.name)
        elif s.style == "markers":
            axes.scatter(x, s.y, marker="x", s=36, color=s.colour, zorder=3, label=s.name)
        else:
            axes.plot(x, s.y, linestyle=":", linewidth=2, color=s.colour, label=s.name)
    for first, last, label in chart.gaps:
        axes.axvspan(day_number(first), day_number(last), color=GAP_FILL, alpha=0.6, zorder=0)
        axes.annotate(
            label,
            (day_number(first), 0.97),
            xycoords=("data", "axes fraction"),
            fontsize=7,
            va="top",
        )
    axes.xaxis_date()
    axes.set_ylim(bottom=0)
    axes.set_xlabel(chart.x_label)
    axes.set_ylabel(chart.y_label)
    axes.set_title(chart.title, fontsize=10)
    if chart.series:
        axes.legend(fontsize=7, loc="lower left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@lru_cache(maxsize=1)
def plotly_js() -> bytes:
    """plotly.js as the ``plotly`` Python package ships it (never fetched from elsewhere)."""
    return files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()

"""A short HTML summary of a treaty exercise between two party nodes: each party's counts at
each data date (as the other party verified them from its mirror) beside the official
aggregates and the limits, the cosigned checkpoints, and a plot of deployed warheads over
time against the limit (matplotlib, Agg, embedded as PNG)."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from treatyledger.report.plot_dates import day_number

#: The three New START central categories, in the order the fact sheets print them.
CATEGORIES = (
    ("deployed_delivery_vehicles", "deployed ICBMs, SLBMs and heavy bombers"),
    ("deployed_warheads", "warheads on deployed ICBMs, SLBMs and heavy bombers"),
    ("deployed_and_nondeployed_launchers", "deployed and non-deployed launchers"),
)


@dataclass(frozen=True)
class DataDateRow:
    data_date: date
    party: str
    counted: dict[str, int]  # category -> total, as verified from the mirror
    official: dict[str, int] | None  # the published aggregate, where one exists

    @property
    def matches(self) -> bool | None:
        if self.official is None:
            return None
        return all(self.counted.get(c) == v for c, v in self.official.items())


@dataclass(frozen=True)
class CheckpointSummary:
    party: str
    origin: str
    size: int
    root: str
    cosigners: tuple[str, ...]


def warheads_figure(
    rows: Sequence[DataDateRow], limit: int, binding_from: date, title: str
) -> Figure:
    """Deployed warheads per party over time (counted: lines; official: markers), with the
    limit drawn from the date it binds."""
    figure, axes = plt.subplots(figsize=(8, 4.2))
    for party in sorted({r.party for r in rows}):
        mine = sorted((r for r in rows if r.party == party), key=lambda r: r.data_date)
        (line,) = axes.plot(
            [day_number(r.data_date) for r in mine],
            [r.counted.get("deployed_warheads", 0) for r in mine],
            marker="o",
            markersize=3,
            label=f"{party} counted from notifications",
        )
        official = [r for r in mine if r.official is not None]
        axes.scatter(
            [day_number(r.data_date) for r in official],
            [r.official["deployed_warheads"] for r in official if r.official is not None],
            marker="x",
            s=40,
            color=line.get_color(),
            zorder=3,
            label=f"{party} official aggregate",
        )
    first = min(r.data_date for r in rows)
    axes.axhline(limit, color="grey", linestyle=":", linewidth=1)
    last = max(r.data_date for r in rows)
    axes.hlines(limit, day_number(binding_from), day_number(last), color="red", linewidth=2)
    axes.annotate(
        f"limit {limit:,} (binding from {binding_from.isoformat()})",
        (day_number(first), limit),
        textcoords="offset points",
        xytext=(0, 5),
        fontsize=8,
    )
    axes.xaxis_date()
    axes.set_xlabel("data date")
    axes.set_ylabel("deployed warheads")
    axes.set_title(title)
    axes.legend(fontsize=8, loc="lower left")
    figure.tight_layout()
    return figure


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def render_summary(
    rows: Sequence[DataDateRow],
    limits: dict[str, int],
    binding_from: date,
    checkpoints: Sequence[CheckpointSummary],
    *,
    title: str = "TreatyLedger exercise: New START 2011-2018 between two party nodes",
    sources: str = "",
) -> str:
    """The HTML page (self-contained: the plot is embedded)."""
    esc = html.escape
    figure = warheads_figure(rows, limits["deployed_warheads"], binding_from, "Deployed warheads")
    header = "".join(f"<th>{esc(cid)}</th>" for cid, _ in CATEGORIES)
    body = []
    for row in sorted(rows, key=lambda r: (r.data_date, r.party)):
        cells = []
        for cid, _ in CATEGORIES:
            counted = row.counted.get(cid, 0)
            official = None if row.official is None else row.official.get(cid)
            over = "over" if row.data_date >= binding_from and counted > limits[cid] else ""
            text = f"{counted:,}" if official is None else f"{counted:,} / {official:,}"
            cells.append(f'<td class="{over}">{esc(text)}</td>')
        verdict = {True: "matches", False: "DIFFERS", None: "(no official figure)"}[row.matches]
        body.append(
            f"<tr><td>{row.data_date.isoformat()}</td><td>{esc(row.party)}</td>"
            f"{''.join(cells)}<td>{verdict}</td></tr>"
        )
    limit_row = "".join(f"<td>{limits[cid]:,}</td>" for cid, _ in CATEGORIES)
    checkpoint_items = "".join(
        f"<li><b>{esc(c.origin)}</b>: size {c.size:,}, root <code>{esc(c.root)}</code>, "
        f"cosigned by {esc(', '.join(c.cosigners) or 'nobody')}</li>"
        for c in checkpoints
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
body {{ font-family: sans-serif; max-width: 60rem; margin: 2rem auto; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: .2rem .5rem; }}
td.over {{ background: #fdd; }} code {{ font-size: .8em; }}
</style></head><body>
<h1>{esc(title)}</h1>
<p>Each party notified its force changes to its own node; the other party pulled the log,
verified every inclusion and consistency proof and the checkpoint signature, replayed the
notifications into its mirror and counted them under the New START rule set. Cells show
<i>counted / official</i>; limits bind from {binding_from.isoformat()}.</p>
<img alt="deployed warheads over time against the limit" src="data:image/png;base64,{_png(figure)}">
<table><tr><th>data date</th><th>party</th>{header}<th>vs official</th></tr>
{"".join(body)}
<tr><td colspan="2"><b>limit</b></td>{limit_row}<td></td></tr></table>
<h2>Cosigned checkpoints</h2><ul>{checkpoint_items}</ul>
<p><small>{esc(sources)}</small></p>
</body></html>
"""


def write_summary(
    path: Path,
    rows: Sequence[DataDateRow],
    limits: dict[str, int],
    binding_from: date,
    checkpoints: Sequence[CheckpointSummary],
    *,
    sources: str = "",
) -> Path:
    """Render (see ``render_summary``) and write the page to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page = render_summary(rows, limits, binding_from, checkpoints, sources=sources)
    path.write_text(page, encoding="utf-8")
    return path

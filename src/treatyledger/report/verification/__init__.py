"""The verification report: one HTML page (Jinja2, autoescaped) with PNG plots, written for
any workspace (``treatyledger report -w WS --out DIR``) and by the demo for its decade
exercise (``demo-out/report/``). What it shows is gathered in ``data``, drawn in ``plots``;
the dashboard's static pages (``report.dashboard.write_pages``) are written beside it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from treatyledger.report.verification.data import CATEGORIES, ReportData, Row, gather
from treatyledger.store.workspace import Workspace

__all__ = ["CATEGORIES", "ReportData", "Row", "gather", "read_exercise", "write_report"]


def read_exercise(path: Path) -> dict[str, Any]:
    """The exercise's document (``demo-out/exercise.json``)."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _cheating_line(cheating: dict[str, Any] | None) -> str:
    if not cheating or not cheating.get("description"):
        return "no party cheated; every inspection was clean."
    chance = (
        f"the inspection statistics gave {cheating['predicted']:.0%} for catching it in the "
        f"{cheating['inspections_during']} inspections of {cheating['party']} while it lasted"
    )
    if cheating.get("caught_on"):
        how = "; ".join(cheating.get("issues", []))
        return (
            f"{cheating['description']} (unknown to the inspectors). Caught on "
            f"{cheating['caught_on']} by inspection {cheating['caught_by']} ({how}); {chance}."
        )
    return f"{cheating['description']} (unknown to the inspectors). Never caught; {chance}."


def _regime_line(regime: dict[str, Any]) -> str:
    parts = [f"in force from {regime.get('entry_into_force')}"]
    for suspension in regime.get("suspensions", []):
        parts.append(f"{suspension['party']} suspended its participation on {suspension['start']}")
    if regime.get("expires"):
        parts.append(
            f"expired on {regime['expires']}"
            if date.fromisoformat(regime["expires"]) < date.today()
            else f"expires on {regime['expires']}"
        )
    return "; ".join(parts) + "."


def _forces() -> list[dict[str, Any]]:
    """The bundled item-level forces' checks, each labelled independent or reproduction."""
    from treatyledger.files import force_names, load_catalog, load_force, load_rule_set
    from treatyledger.rules.evidence import check_force

    catalog = load_catalog()
    found = []
    for name in force_names():
        force = load_force(name)
        for result in check_force(force, load_rule_set, catalog):
            check = result.check
            found.append(
                {
                    "force": force.force.id,
                    "rule_set": check.rule_set,
                    "category": check.category,
                    "official": check.official,
                    "counted": result.counted,
                    "matches": result.matches,
                    "label": result.label,
                    "basis": check.basis,
                }
            )
    return found


def write_report(
    workspace: Workspace,
    out_dir: Path,
    *,
    exercise: dict[str, Any] | None = None,
    pages: bool = True,
) -> list[Path]:
    """Write ``index.html``, its plots and checkpoint notes (and the dashboard's static pages
    under ``pages/``) into ``out_dir``; returns the files written, the page first."""
    from treatyledger.report.verification import plots

    out_dir.mkdir(parents=True, exist_ok=True)
    data = gather(workspace, out_dir, exercise)
    written = [out_dir / "index.html"]
    (out_dir / "plots").mkdir(exist_ok=True)
    for cid, name in data.categories:
        path = out_dir / "plots" / f"{cid}.png"
        path.write_bytes(plots.category_png(data.rows, cid, name))
        written.append(path)
    if data.cheating and data.cheating.get("description"):
        path = out_dir / "plots" / "detection.png"
        path.write_bytes(plots.detection_png(data.cheating))
        written.append(path)
    written += [out_dir / c.file for c in data.checkpoints]
    pages_link = None
    if pages:
        from treatyledger.report.dashboard import write_pages

        written += write_pages(workspace, out_dir / "pages")
        pages_link = "pages/index.html"
    environment = Environment(
        loader=PackageLoader("treatyledger.report.verification"),
        autoescape=True,
        undefined=StrictUndefined,
    )
    page = environment.get_template("report.html").render(
        data=data,
        forces=_forces(),
        cheating_line=_cheating_line(data.cheating),
        regime_line=_regime_line(data.regime),
        pages=pages_link,
    )
    (out_dir / "index.html").write_text(page, encoding="utf-8")
    return written

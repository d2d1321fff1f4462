"""The dashboard written to a directory: the same templates and view-models as the served
pages, linked by relative file names, with the assets copied beside them, so the pages open
from disk with no server and no network (the demo writes them next to its report).

``write_pages(workspace, out_dir)`` writes ``index.html`` (the observer's fact sheet) and,
unless ``party_pages=False``, the party pages as the workspace's owner sees them (the first
page of notifications; no per-item pages, no forms)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from treatyledger.node.auth import Role
from treatyledger.node.context import NodeContext
from treatyledger.node.views import today
from treatyledger.report.dashboard import calendar_view, party, plots, status, witness_view
from treatyledger.report.dashboard.assets import ASSETS, read_asset
from treatyledger.report.dashboard.observer import observer_page
from treatyledger.report.dashboard.render import PAGES, STATIC, render
from treatyledger.store.ledger_reads import NotificationQuery
from treatyledger.store.workspace import Workspace

STATIC_PARTY_PAGES = ("party", "forces", "notifications", "inspections", "calendar", "sync")


def write_pages(
    workspace: Workspace,
    out_dir: Path,
    *,
    as_of: date | None = None,
    party_pages: bool = True,
) -> list[Path]:
    """Render the dashboard of ``workspace`` as of ``as_of`` (default today) into
    ``out_dir`` (created); returns the files written, ``index.html`` first."""
    node = NodeContext.from_workspace(workspace)
    when = as_of or today()
    out_dir.mkdir(parents=True, exist_ok=True)
    nav = ["observer", *(STATIC_PARTY_PAGES if party_pages else ())]
    written: list[Path] = []

    def write(name: str, content: bytes | str) -> None:
        path = out_dir / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        written.append(path)

    def html(page_name: str, template: str, **context: Any) -> None:
        filename = PAGES[page_name][1]
        assert filename is not None
        write(filename, render(template, site=STATIC, session=None, nav=nav, **context))

    observer = observer_page(node, when)
    html(
        "observer", "observer.html", title=f"{observer.party}: public fact sheet", observer=observer
    )
    write("observer.png", plots.to_png(observer.chart))
    if party_pages:
        _party_pages(node, when, html, write)
    assets = out_dir / "assets"
    assets.mkdir(exist_ok=True)
    for name in ASSETS:
        (assets / name).write_bytes(read_asset(name))
        written.append(assets / name)
    return written


def _party_pages(node: NodeContext, when: date, html: Any, write: Any) -> None:
    parties = party.visible_parties(node, Role.OWNER)
    html(
        "party",
        "party.html",
        title=f"{node.party} node: overview",
        node_party=node.party,
        as_of=when,
        alerts=status.alerts(node, parties, Role.OWNER, when),
        parties=parties,
    )
    forces = party.forces_page(node, parties, when)
    html("forces", "forces.html", title="Force levels over time", forces=forces, as_of=when)
    for (cid, _name), chart in zip(forces.categories, forces.charts, strict=True):
        write(f"forces-{cid}.png", plots.to_png(chart))
    listing = party.notifications_page(node, parties, NotificationQuery(party=node.party))
    html("notifications", "notifications.html", title="Notifications", listing=listing)
    inspections = party.inspections_page(node)
    html(
        "inspections",
        "inspections.html",
        title="Inspections and compliance issues",
        content=inspections,
        evidence_link=party.evidence_link,
    )
    if inspections.chart is not None:
        write("inspections.png", plots.to_png(inspections.chart))
    html(
        "calendar",
        "calendar.html",
        title="Data-exchange calendar",
        content=calendar_view.calendar_page(node, parties, when),
    )
    html(
        "sync",
        "sync.html",
        title="Sync and witnesses",
        node_party=node.party,
        peers=status.peer_statuses(node, parties),
        witnesses=witness_view.witnessing(node, parties),
    )

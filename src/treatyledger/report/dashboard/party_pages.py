"""The party pages, for a browser session whose role may read item-level state (owner, peer,
inspector; the sync page for the owner only). Every route is a plain ``def`` (FastAPI runs it
in its thread pool, where the store functions open their connections)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from treatyledger.model.items import UID_PATTERN
from treatyledger.model.notifications import NotificationKind
from treatyledger.model.parties import IDENTIFIER_PATTERN
from treatyledger.node.views import today
from treatyledger.report.dashboard import calendar_view, party, plots, status, witness_view
from treatyledger.report.dashboard.sessions import BrowserSession
from treatyledger.report.dashboard.web import (
    PageGuard,
    node_of,
    page,
    page_headers,
    parse_day,
    redirect,
)
from treatyledger.store.ledger_reads import NotificationQuery

router = APIRouter(prefix="/party", include_in_schema=False)

AsOf = Annotated[date | None, Query()]
Party = Annotated[str | None, Query(max_length=128, pattern=IDENTIFIER_PATTERN)]
FormDay = Annotated[str | None, Query(max_length=10)]


def _session(page_name: str) -> object:
    return Depends(PageGuard(page_name))


Overview = Annotated[BrowserSession, _session("party")]
Forces = Annotated[BrowserSession, _session("forces")]
Notifications = Annotated[BrowserSession, _session("notifications")]
Items = Annotated[BrowserSession, _session("items")]
Inspections = Annotated[BrowserSession, _session("inspections")]
Sync = Annotated[BrowserSession, _session("sync")]
Calendar = Annotated[BrowserSession, _session("calendar")]


@router.get("")
def overview(request: Request, session: Overview, as_of: AsOf = None) -> Response:
    node = node_of(request)
    when = as_of or today()
    parties = party.visible_parties(node, session.caller.role)
    return page(
        "party.html",
        session=session,
        title=f"{node.party} node: overview",
        node_party=node.party,
        as_of=when,
        alerts=status.alerts(node, parties, session.caller.role, when),
        parties=parties,
    )


@router.get("/forces")
def forces(request: Request, session: Forces, as_of: AsOf = None) -> Response:
    node = node_of(request)
    when = as_of or today()
    content = party.forces_page(node, party.visible_parties(node, session.caller.role), when)
    return page(
        "forces.html",
        session=session,
        title="Force levels over time",
        forces=content,
        as_of=when,
    )


@router.get("/forces/{category}.png")
def forces_png(
    request: Request,
    session: Forces,
    category: Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9_]+$")],
    as_of: AsOf = None,
) -> Response:
    node = node_of(request)
    content = party.forces_page(
        node, party.visible_parties(node, session.caller.role), as_of or today()
    )
    for (cid, _name), chart in zip(content.categories, content.charts, strict=True):
        if cid == category:
            return Response(
                plots.to_png(chart), media_type="image/png", headers=page_headers(private=True)
            )
    return page(
        "missing.html",
        session=session,
        status_code=404,
        title="No such chart",
        what=f"category {category}",
    )


@router.get("/notifications")
def notifications(
    request: Request,
    session: Notifications,
    party_id: Annotated[Party, Query(alias="party")] = None,
    kind: Annotated[list[str] | None, Query(max_length=32)] = None,
    since: FormDay = None,
    until: FormDay = None,
    late: bool = False,
    page_number: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
) -> Response:
    # A filter form sends empty fields for "any": an empty or unknown value filters nothing.
    node = node_of(request)
    parties = party.visible_parties(node, session.caller.role)
    known = {k.value for k in NotificationKind}
    query = NotificationQuery(
        party=party_id or node.party,
        kinds=tuple(k for k in kind or () if k in known),
        since=parse_day(since),
        until=parse_day(until),
        late_only=late,
    )
    content = party.notifications_page(node, parties, query, page_number)
    return page("notifications.html", session=session, title="Notifications", listing=content)


@router.get("/notifications/{party_id}/{sequence}")
def notification(
    request: Request,
    session: Notifications,
    party_id: Annotated[str, Path(max_length=128, pattern=IDENTIFIER_PATTERN)],
    sequence: Annotated[int, Path(ge=1, le=2**62)],
) -> Response:
    node = node_of(request)
    parties = party.visible_parties(node, session.caller.role)
    detail = party.notification_detail(node, parties, party_id, sequence)
    if detail is None:
        return page(
            "missing.html",
            session=session,
            status_code=404,
            title="Not found",
            what=f"notification {party_id}#{sequence}",
        )
    return page(
        "notification.html",
        session=session,
        title=f"Notification {party_id}#{sequence}",
        detail=detail,
    )


@router.get("/items")
def find_item(
    session: Items,
    uid: Annotated[str | None, Query(max_length=128)] = None,
) -> Response:
    if uid and uid.strip():
        return redirect(f"/party/items/{quote(uid.strip(), safe='')}")
    return redirect("/party/notifications")


@router.get("/items/{uid}")
def item(
    request: Request,
    session: Items,
    uid: Annotated[str, Path(max_length=128, pattern=UID_PATTERN)],
) -> Response:
    node = node_of(request)
    history = party.item_history(node, party.visible_parties(node, session.caller.role), uid)
    return page(
        "item.html",
        session=session,
        status_code=200 if history.notifications else 404,
        title=f"Item {uid}",
        history=history,
    )


@router.get("/inspections")
def inspections(request: Request, session: Inspections) -> Response:
    return page(
        "inspections.html",
        session=session,
        title="Inspections and compliance issues",
        content=party.inspections_page(node_of(request)),
        evidence_link=party.evidence_link,
    )


@router.get("/inspections/plot.png")
def inspections_png(request: Request, session: Inspections) -> Response:
    chart = party.inspections_page(node_of(request)).chart
    if chart is None:
        return page(
            "missing.html", session=session, status_code=404, title="No such chart", what="chart"
        )
    return Response(plots.to_png(chart), media_type="image/png", headers=page_headers(private=True))


@router.get("/calendar")
def data_calendar(request: Request, session: Calendar, as_of: AsOf = None) -> Response:
    node = node_of(request)
    when = as_of or today()
    parties = party.visible_parties(node, session.caller.role)
    return page(
        "calendar.html",
        session=session,
        title="Data-exchange calendar",
        content=calendar_view.calendar_page(node, parties, when),
    )


@router.get("/sync")
def sync(request: Request, session: Sync) -> Response:
    node = node_of(request)
    parties = party.visible_parties(node, session.caller.role)
    return page(
        "sync.html",
        session=session,
        title="Sync and witnesses",
        node_party=node.party,
        peers=status.peer_statuses(node, parties),
        witnesses=witness_view.witnessing(node, parties),
    )

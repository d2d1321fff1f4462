"""What every dashboard route shares: the node context and session store of the app, the
page guard (a browser session with an admitted role, else a redirect to the login form or a
403 page), the CSRF check of state-changing forms, and HTML responses with the dashboard's
security headers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from treatyledger.node.auth import Caller, Role, authenticate_digest
from treatyledger.node.context import NodeContext
from treatyledger.report.dashboard.access import PAGE_ROLES, PARTY_READERS, pages_for
from treatyledger.report.dashboard.render import SERVED, render
from treatyledger.report.dashboard.sessions import (
    SESSION_COOKIE,
    BrowserSession,
    SessionStore,
    same_secret,
)
from treatyledger.report.errors import FormRefused, LoginRequired, PageForbidden

# Scripts and styles only from this node; no inline script, nothing framed, forms post here.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
_NEXT = re.compile(r"^/(observer|party)(/[A-Za-z0-9._~%/-]*)?(\?[A-Za-z0-9._~%&=+-]*)?$")


def node_of(request: Request) -> NodeContext:
    node: NodeContext = request.app.state.node
    return node


def sessions_of(request: Request) -> SessionStore:
    store: SessionStore | None = getattr(request.app.state, "dashboard_sessions", None)
    if store is None:
        engine = node_of(request).engine
        store = SessionStore(lambda digest: authenticate_digest(engine, digest))
        request.app.state.dashboard_sessions = store
    return store


def current_session(request: Request) -> BrowserSession | None:
    return sessions_of(request).get(request.cookies.get(SESSION_COOKIE))


@dataclass(frozen=True)
class PageGuard:
    """Dependency admitting a browser session whose role may open ``page``."""

    page: str

    @property
    def roles(self) -> frozenset[Role]:
        return PAGE_ROLES[self.page]

    def __call__(self, request: Request) -> BrowserSession:
        session = current_session(request)
        if session is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(target)
        request.state.page_caller = session.caller  # for the node's access log
        if session.caller.role not in self.roles:
            raise PageForbidden(session, self.page)
        return session


def safe_next(value: str | None, default: str = "/party") -> str:
    """A local page to go to after login: never another site, never an API path."""
    if value and len(value) <= 512 and _NEXT.fullmatch(value) and "//" not in value:
        return value
    return default


def check_form(request: Request, expected: str, given: str | None) -> None:
    """Refuse a form posted from another origin or without the expected CSRF token."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise FormRefused(f"a form from another origin ({origin[:100]}) is refused")
    if not same_secret(given, expected):
        raise FormRefused("the form's CSRF token is missing or does not match this session")


def landing(caller: Caller) -> str:
    return "/party" if caller.role in PARTY_READERS else "/observer"


def page(
    template: str,
    *,
    session: BrowserSession | None,
    status_code: int = 200,
    private: bool = True,
    **context: Any,
) -> HTMLResponse:
    nav = pages_for(session.caller.role if session else None)
    html = render(template, site=SERVED, session=session, nav=nav, **context)
    return HTMLResponse(html, status_code=status_code, headers=page_headers(private=private))


def page_headers(*, private: bool) -> dict[str, str]:
    return {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",  # "no-referrer" would make forms post Origin: null
        "X-Frame-Options": "DENY",
        # party pages hold item-level data: never kept by a browser or a proxy
        "Cache-Control": "no-store" if private else "no-cache",
    }


def redirect(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303, headers=page_headers(private=True))


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def parse_day(text: str | None) -> date | None:
    """A date from a query field, or None when empty or malformed (a form field, not an API)."""
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None

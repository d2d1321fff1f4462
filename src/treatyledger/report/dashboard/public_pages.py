"""The pages anyone may open: the observer's fact sheet (no login), the login form that
exchanges a token for a session cookie, logout, and the dashboard's assets."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from treatyledger.node.auth import MAX_TOKEN_LENGTH, authenticate, hash_token
from treatyledger.node.views import today
from treatyledger.report.dashboard import assets, plots
from treatyledger.report.dashboard.observer import observer_page
from treatyledger.report.dashboard.sessions import (
    LIFETIME_SECONDS,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    new_secret,
)
from treatyledger.report.dashboard.web import (
    check_form,
    current_session,
    landing,
    node_of,
    page,
    page_headers,
    redirect,
    safe_next,
    sessions_of,
    set_cookie,
)

router = APIRouter(include_in_schema=False)

AsOf = Annotated[date | None, Query(description="the date (UTC, end of day); default: today")]
LOGIN_FORM_SECONDS = 3600


@router.get("/")
def root() -> Response:
    return redirect("/observer")


@router.get("/observer")
def observer(request: Request, as_of: AsOf = None) -> Response:
    node = node_of(request)
    content = observer_page(node, as_of or today())
    return page(
        "observer.html",
        session=current_session(request),
        private=False,
        title=f"{content.party}: public fact sheet",
        observer=content,
    )


@router.get("/observer/plot.png")
def observer_png(request: Request, as_of: AsOf = None) -> Response:
    content = observer_page(node_of(request), as_of or today())
    return Response(
        plots.to_png(content.chart), media_type="image/png", headers=page_headers(private=False)
    )


@router.get("/login")
def login_form(request: Request, next: str | None = None, failed: bool = False) -> Response:
    session = current_session(request)
    csrf = new_secret()
    response = page(
        "login.html",
        session=session,
        status_code=401 if failed else 200,
        title="Log in",
        csrf=csrf,
        next=safe_next(next, ""),
        failed=failed,
    )
    set_cookie(response, request, LOGIN_CSRF_COOKIE, csrf, LOGIN_FORM_SECONDS)
    return response


@router.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form(max_length=MAX_TOKEN_LENGTH)] = "",
    csrf_token: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=512)] = "",
) -> Response:
    # Login CSRF: the form's token must be the one this browser got with the form.
    check_form(request, request.cookies.get(LOGIN_CSRF_COOKIE) or "\x00", csrf_token)
    caller = authenticate(node_of(request).engine, token.strip())
    if caller is None:
        return redirect("/login?" + urlencode({"failed": 1, "next": safe_next(next, "")}))
    store = sessions_of(request)
    store.drop(request.cookies.get(SESSION_COOKIE))
    cookie, _session = store.create(caller, hash_token(token.strip()))
    response = redirect(safe_next(next, landing(caller)))
    set_cookie(response, request, SESSION_COOKIE, cookie, LIFETIME_SECONDS)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form(max_length=256)] = "") -> Response:
    session = current_session(request)
    if session is None:
        return redirect("/observer")
    check_form(request, session.csrf, csrf_token)
    sessions_of(request).drop(request.cookies.get(SESSION_COOKIE))
    response = redirect("/observer")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/assets/{name}")
def asset(name: str) -> Response:
    return assets.response(name)

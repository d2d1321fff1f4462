"""The dashboard: the node's pages for people, in the node's own FastAPI app.

``install_dashboard(app)`` adds the pages to an app made by ``treatyledger.node.app.
create_app`` (the node knows nothing of HTML: ``node`` must not import ``report``, so whoever
composes the app, ``treatyledger serve``, the exercise or a test, installs them);
``create_node_app(context)`` does both. ``write_pages(workspace, out_dir)`` renders the same
pages to static files, as the demo does next to its report."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from treatyledger.node.app import create_app
from treatyledger.node.context import NodeContext
from treatyledger.report.dashboard import issue_pages, party_pages, public_pages
from treatyledger.report.dashboard.static_site import write_pages
from treatyledger.report.dashboard.web import page, redirect
from treatyledger.report.errors import FormRefused, LoginRequired, PageForbidden

__all__ = ["create_node_app", "install_dashboard", "write_pages"]


def install_dashboard(app: FastAPI) -> FastAPI:
    """Add the dashboard's pages and assets to the node app ``app``; returns it."""
    app.include_router(public_pages.router)
    app.include_router(party_pages.router)
    app.include_router(issue_pages.router)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageForbidden, _page_forbidden)
    app.add_exception_handler(FormRefused, _form_refused)
    return app


def create_node_app(context: NodeContext) -> FastAPI:
    """The party node with its dashboard: what ``treatyledger serve`` runs."""
    return install_dashboard(create_app(context))


async def _login_required(request: Request, exc: Exception) -> Response:
    from urllib.parse import urlencode

    assert isinstance(exc, LoginRequired)
    return redirect("/login?" + urlencode({"next": exc.next_path}))


async def _page_forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageForbidden)
    return page(
        "forbidden.html",
        session=exc.session,
        status_code=403,
        title="Not for this role",
        page_name=exc.page,
    )


async def _form_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FormRefused)
    return page(
        "refused.html",
        session=None,
        status_code=403,
        title="Form refused",
        reason=exc.reason,
    )

"""The dashboard's static assets, all served by the node itself: its stylesheets and script
from this package, plotly.js from the ``plotly`` Python package. Nothing comes from a CDN,
so the pages render with the network cut off. Only the names listed here are served."""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files

from fastapi.responses import Response

from treatyledger.node.errors import Problem
from treatyledger.report.dashboard.plots import plotly_js


def _packaged(name: str) -> Callable[[], bytes]:
    def read() -> bytes:
        return files("treatyledger.report.dashboard").joinpath("assets", name).read_bytes()

    return read


#: name -> (media type, reader)
ASSETS: dict[str, tuple[str, Callable[[], bytes]]] = {
    "dashboard.css": ("text/css; charset=utf-8", _packaged("dashboard.css")),
    "print.css": ("text/css; charset=utf-8", _packaged("print.css")),
    "dashboard.js": ("text/javascript; charset=utf-8", _packaged("dashboard.js")),
    "plotly.min.js": ("text/javascript; charset=utf-8", plotly_js),
}


def read_asset(name: str) -> bytes:
    return ASSETS[name][1]()


def response(name: str) -> Response:
    if name not in ASSETS:
        raise Problem(404, f"no asset named {name[:64]!r}", problem="not-found")
    media_type, read = ASSETS[name]
    return Response(
        read(),
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )

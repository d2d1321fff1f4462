"""The dashboard's Jinja2 environment and the links between its pages.

Autoescape is on for every template, undefined names are errors, and every value printed
passes through :func:`~treatyledger.report.dashboard.text.visible` first. The same templates
render for the node (``Site.served``: absolute paths, forms that work) and for a directory of
static files (``Site.static``: relative file names, no forms, no per-item pages)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from treatyledger.report.dashboard.access import NAV_LABELS
from treatyledger.report.dashboard.text import visible

#: page name -> (served path, static file name or None where the page is served only)
PAGES: Mapping[str, tuple[str, str | None]] = {
    "observer": ("/observer", "index.html"),
    "observer_png": ("/observer/plot.png", "observer.png"),
    "login": ("/login", None),
    "logout": ("/logout", None),
    "party": ("/party", "party.html"),
    "forces": ("/party/forces", "forces.html"),
    "notifications": ("/party/notifications", "notifications.html"),
    "items": ("/party/items", None),
    "inspections": ("/party/inspections", "inspections.html"),
    "inspections_png": ("/party/inspections/plot.png", "inspections.png"),
    "calendar": ("/party/calendar", "calendar.html"),
    "issues": ("/party/issues", None),
    "sync": ("/party/sync", "sync.html"),
}


@dataclass(frozen=True)
class Site:
    """Where links point: the served node or a static directory."""

    static: bool = False

    def page(self, name: str, **query: Any) -> str | None:
        """The link to page ``name`` (None: that page does not exist statically)."""
        served, static = PAGES[name]
        if self.static:
            return static
        wanted = {k: _query_value(v) for k, v in query.items() if v not in (None, "", False)}
        return served + ("?" + urlencode(wanted) if wanted else "")

    def item(self, uid: str) -> str | None:
        return None if self.static else f"/party/items/{quote(uid, safe='')}"

    def notification(self, party: str, sequence: int) -> str | None:
        if self.static:
            return None
        return f"/party/notifications/{quote(party, safe='')}/{sequence}"

    def forces_png(self, category: str, as_of: date) -> str:
        if self.static:
            return f"forces-{category}.png"
        return f"/party/forces/{quote(category, safe='')}.png?as_of={as_of.isoformat()}"

    def asset(self, name: str) -> str:
        return f"assets/{name}" if self.static else f"/assets/{name}"


SERVED = Site(static=False)
STATIC = Site(static=True)


def _query_value(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup) or not isinstance(value, str):
        return "" if value is None else value
    return visible(value)


def _number(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _when(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    return value.isoformat()


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("treatyledger.report.dashboard", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["n"] = _number
    env.filters["when"] = _when
    env.globals["NAV_LABELS"] = NAV_LABELS
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)

"""Errors of the reports: a plot that cannot be written (exit 2), and the dashboard's
request-flow exceptions, which never leave the web app: ``report.dashboard`` answers each with a
page (a redirect to the login, 403, a refused form), so they are plain ``Exception``s with no
exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from treatyledger.errors import InputError

if TYPE_CHECKING:
    from treatyledger.report.dashboard.sessions import BrowserSession


class PlotError(InputError):
    """A plot cannot be written where or how it was asked for."""


class LoginRequired(Exception):
    """A page that needs a session was asked for without one; ``next_path`` is where to go
    after the login."""

    def __init__(self, next_path: str):
        self.next_path = next_path


class PageForbidden(Exception):
    """The session's role may not see ``page``."""

    def __init__(self, session: BrowserSession, page: str):
        self.session = session
        self.page = page


class FormRefused(Exception):
    """A state-changing form without the right CSRF token, or from another origin."""

    def __init__(self, reason: str):
        self.reason = reason

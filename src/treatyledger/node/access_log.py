"""The node's access log: one line per request, ``METHOD PATH PRINCIPAL STATUS DURATIONms``.

The principal is the name of the authenticated caller (``anonymous`` when none was); the
path is logged without its query string, with control characters escaped and anything shaped
like a token replaced, so no token (the ``Authorization`` header, a login form, a token
pasted into a URL) ever reaches the log. ``treatyledger serve`` writes it to stderr
(``node.server.make_server(access_log=True)``); embedded nodes (tests, the demo) leave it to
whoever configures logging."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from treatyledger.node.auth import TOKEN_PREFIX

LOGGER_NAME = "treatyledger.node.access"
log = logging.getLogger(LOGGER_NAME)

MAX_PATH = 512
#: the state keys where routes leave the caller: the API's RoleGuard, the dashboard's pages
CALLER_KEYS = ("caller", "page_caller")
_TOKEN_LIKE = re.compile(re.escape(TOKEN_PREFIX) + r"[A-Za-z0-9_\-]{8,}")
_UNPRINTABLE = re.compile(r"[^\x21-\x7e]")


def safe_path(scope: Scope) -> str:
    """The request path as received (percent-encoded), bounded, one printable token-free word."""
    raw = scope.get("raw_path")
    text = raw.decode("latin-1") if isinstance(raw, bytes) else str(scope.get("path", ""))
    text = text.split("?", 1)[0]
    text = _TOKEN_LIKE.sub(TOKEN_PREFIX + "[redacted]", text)
    text = _UNPRINTABLE.sub(lambda m: f"%{ord(m.group()) & 0xFF:02X}", text)
    return text if len(text) <= MAX_PATH else text[:MAX_PATH] + "..."


def principal_of(scope: Scope) -> str:
    state: dict[str, Any] = scope.get("state") or {}
    for key in CALLER_KEYS:
        caller = state.get(key)
        name = getattr(caller, "name", None)
        if isinstance(name, str):
            return name
    return "anonymous"


class SecondFormatter(logging.Formatter):
    """A Formatter whose ``asctime`` (second resolution, no ``%f``) is formatted once a
    second: ``time.strftime`` on every line was a visible part of a request's CPU."""

    _second = -1
    _text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        if second != self._second:
            self._text = super().formatTime(record, datefmt)
            self._second = second
        return self._text


class AccessLog:
    """ASGI middleware writing the access line once the response has started (or failed)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception before any response is answered 500 by the server

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        scope.setdefault("state", {})  # shared with the request, where routes put the caller
        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            log.info(
                "%s %s %s %d %.1fms",
                scope.get("method", "-"),
                safe_path(scope),
                principal_of(scope),
                status,
                elapsed_ms,
            )

"""Browser sessions: a principal's token, typed once into the login form, is exchanged for a
session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS) so no token is ever in a URL,
a page or the browser's history; every form that changes state carries the session's CSRF
token, checked in constant time, and a cross-origin ``Origin`` is refused outright.

Sessions live in the serving process's memory, as its ledger state does (one serving process
per workspace): a restart logs everyone out. The cookie holds 32 random bytes; the store keys
sessions by their SHA-256, so the table never holds a usable cookie. A session ends on logout,
after ``IDLE_SECONDS`` unused or ``LIFETIME_SECONDS`` in all, and within ``RECHECK_SECONDS``
of its principal's revocation. The store is bounded: past ``MAX_SESSIONS`` the oldest go."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from treatyledger.node.auth import Caller

SESSION_COOKIE = "tl_session"
LOGIN_CSRF_COOKIE = "tl_login_csrf"
CSRF_FIELD = "csrf_token"
IDLE_SECONDS = 30 * 60
LIFETIME_SECONDS = 12 * 60 * 60
RECHECK_SECONDS = 1.0
MAX_SESSIONS = 10_000


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison; a missing or oversized value never matches."""
    if not given or len(given) > 256:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


@dataclass
class BrowserSession:
    caller: Caller
    token_digest: str  # SHA-256 of the principal's token, to re-check it is still active
    csrf: str
    created: float
    last_seen: float
    checked: float


class SessionStore:
    """Sessions by cookie digest. ``still_active(token_digest)`` says whether the principal
    behind a session may still log in (re-asked at most every ``RECHECK_SECONDS``)."""

    def __init__(
        self,
        still_active: Callable[[str], Caller | None],
        *,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._still_active = still_active
        self._clock = clock
        self._sessions: OrderedDict[str, BrowserSession] = OrderedDict()
        self._lock = threading.Lock()

    def create(self, caller: Caller, token_digest: str) -> tuple[str, BrowserSession]:
        """A new session (never a reused one: no fixation); returns the cookie value."""
        cookie = new_secret()
        now = self._clock()
        session = BrowserSession(caller, token_digest, new_secret(), now, now, now)
        with self._lock:
            while len(self._sessions) >= MAX_SESSIONS:
                self._sessions.popitem(last=False)
            self._sessions[_digest(cookie)] = session
        return cookie, session

    def get(self, cookie: str | None) -> BrowserSession | None:
        if not cookie or len(cookie) > 256:
            return None
        key = _digest(cookie)
        now = self._clock()
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                return None
            if now - session.last_seen > IDLE_SECONDS or now - session.created > LIFETIME_SECONDS:
                del self._sessions[key]
                return None
            recheck = now - session.checked > RECHECK_SECONDS
        if recheck:
            caller = self._still_active(session.token_digest)
            if caller is None or caller != session.caller:
                self.drop(cookie)
                return None
            session.checked = now
        session.last_seen = now
        return session

    def drop(self, cookie: str | None) -> None:
        if cookie:
            with self._lock:
                self._sessions.pop(_digest(cookie), None)

    def __len__(self) -> int:
        return len(self._sessions)

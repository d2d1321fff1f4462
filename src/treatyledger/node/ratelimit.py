"""Request rate limits: per principal, by role, and per client address for requests that
carry no token the node has verified. Over a limit the node answers 429 with Retry-After
(RFC 9110 seconds) before any route work, from a pure ASGI middleware (``node.tarpit``: held
up to Retry-After, at most 1 s, under ``serve``).

Counting uses the ``limits`` library (a sliding-window counter in memory: O(1) per key, keys
expire with their window). A request is counted against its principal when its bearer token
is one the node has already verified (``RateLimiter.verified``, filled by the auth check);
otherwise against its client address, so unknown or guessed tokens are no way around the
address limit. A principal's first request is therefore counted against its address."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from treatyledger.node.auth import Role, bearer_token, hash_token
from treatyledger.node.errors import RateLimitError
from treatyledger.node.tarpit import Tarpit, send_problem

#: ``treatyledger serve``'s limits (``limits`` notation), per principal of each role; the
#: owner, the log's one writer, is not limited. Anonymous: per client address.
SERVED_LIMITS: Mapping[str, str] = {
    "peer": "200/second",
    "inspector": "200/second",
    "witness": "20/second",
    "observer": "20/second",
    "anonymous": "100/second",
}
ANONYMOUS = "anonymous"
MAX_VERIFIED = 10_000


@dataclass(frozen=True)
class RateLimits:
    """Role name (or ``anonymous``) -> limit, e.g. ``{"observer": "20/second"}``; a role
    absent is not limited."""

    per_role: Mapping[str, str] = field(default_factory=lambda: dict(SERVED_LIMITS))

    def parsed(self) -> dict[str, RateLimitItem]:
        known = {r.value for r in Role} | {ANONYMOUS}
        items = {}
        for role, text in self.per_role.items():
            if role not in known:
                raise RateLimitError(f"rate limit for unknown role {role!r}")
            try:
                items[role] = parse(text)
            except ValueError:
                raise RateLimitError(
                    f"rate limit {text!r} for {role}: expected N/second, N/minute or N/hour"
                ) from None
        return items

    def with_overrides(self, overrides: list[str]) -> RateLimits:
        """``ROLE=LIMIT`` strings over these (``ROLE=none`` lifts a role's limit)."""
        merged = dict(self.per_role)
        for text in overrides:
            role, sep, limit = text.partition("=")
            if not sep:
                raise RateLimitError(f"--rate-limit {text!r}: expected ROLE=LIMIT")
            if limit.strip().lower() == "none":
                merged.pop(role.strip(), None)
            else:
                merged[role.strip()] = limit.strip()
        result = RateLimits(merged)
        result.parsed()  # refuse a bad one now, not on the first request
        return result


class RateLimiter:
    def __init__(self, limits: RateLimits):
        self.items = limits.parsed()
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())
        #: token digest -> (principal, role) of tokens the auth check accepted
        self.verified: dict[str, tuple[str, str]] = {}

    def remember(self, digest: str, principal: str, role: str) -> None:
        if len(self.verified) >= MAX_VERIFIED:  # bounded: forget all rather than grow
            self.verified.clear()
        self.verified[digest] = (principal, role)

    def retry_after(self, scope: Scope) -> int | None:
        """Count this request; the seconds to wait when it is over its limit, else None."""
        digest = _token_digest(scope)
        known = self.verified.get(digest) if digest is not None else None
        if known is not None:
            role, key = known[1], "principal:" + known[0]
        else:
            client = scope.get("client")
            role, key = ANONYMOUS, "address:" + (client[0] if client else "?")
        item = self.items.get(role)
        if item is None or self._limiter.hit(item, key):
            return None
        reset = self._limiter.get_window_stats(item, key).reset_time
        return max(1, math.ceil(reset - time.time()))


def _token_digest(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            token = bearer_token(value)
            return hash_token(token) if token is not None else None
    return None


class RateLimit:
    """The middleware: 429 problem+json with Retry-After for a request over its limit, held
    in the tarpit (if any) for up to Retry-After."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, tarpit: Tarpit | None = None):
        self.app = app
        self.limiter = limiter
        self.tarpit = tarpit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            wait = self.limiter.retry_after(scope)
            if wait is not None:
                await send_problem(
                    send,
                    429,
                    f"too many requests; try again in {wait} s",
                    problem="rate-limited",
                    instance=scope.get("path"),
                    headers={"Retry-After": str(wait)},
                    tarpit=self.tarpit,
                    hold_s=wait,
                )
                return
        await self.app(scope, receive, send)

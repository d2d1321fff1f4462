"""Principals, roles and bearer tokens.

A token is 32 random bytes (URL-safe base64), shown once when its principal is added; the
node keeps only its SHA-256 (enough for a high-entropy secret: there is nothing to brute
force) and compares digests in constant time. Every route names the roles it admits with a
:class:`RoleGuard`; :class:`AuthFirstRoute` runs that check before the request body is even
parsed, so an unauthenticated or unauthorised caller learns nothing and changes nothing."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Request, Response, Security
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from treatyledger.node.errors import PrincipalError, Problem
from treatyledger.node.tarpit import Tarpit, send_problem
from treatyledger.store import principals
from treatyledger.store.base import Engine
from treatyledger.store.errors import DuplicatePrincipal

TOKEN_PREFIX = "tl_"
MAX_TOKEN_LENGTH = 128
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$"


class Role(StrEnum):
    OWNER = "owner"  # the node's own party: writes its log
    PEER = "peer"  # the other treaty party: reads everything, cosigns
    INSPECTOR = "inspector"  # reads the log and item-level state
    WITNESS = "witness"  # reads the log, cosigns checkpoints
    OBSERVER = "observer"  # the public: aggregates, checkpoints, compliance only


ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class Caller:
    """The authenticated principal of a request."""

    name: str
    role: Role


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise PrincipalError(f"unknown role {text!r}; expected one of {allowed}") from None


def add_principal(
    engine: Engine,
    name: str,
    role: Role | str,
    *,
    vkey: str | None = None,
    now: datetime | None = None,
) -> str:
    """Register ``name`` with ``role`` (and, for a cosigner, its C2SP verifier key); return
    its token, the only time it is ever seen."""
    role = parse_role(role) if isinstance(role, str) else role
    if vkey is not None:
        _check_vkey(vkey)
    if not re.fullmatch(NAME_PATTERN, name):
        raise PrincipalError(
            f"principal name {name!r} is invalid; expected 1-128 letters, digits, . _ @ -"
        )
    token = new_token()
    try:
        principals.insert_principal(
            engine,
            name=name,
            role=role.value,
            token_hash=hash_token(token),
            created_at=now or datetime.now(UTC),
            vkey=vkey,
        )
    except DuplicatePrincipal as exc:
        raise PrincipalError(str(exc)) from None
    return token


def _check_vkey(vkey: str) -> None:
    from treatyledger.tlog.verifier import VerificationError, parse_vkey

    try:
        parse_vkey(vkey)
    except VerificationError as exc:
        raise PrincipalError(f"--vkey: {exc}") from None


def principal_vkey(engine: Engine, name: str) -> str | None:
    return principals.active_vkey(engine, name)


def revoke_principal(engine: Engine, name: str, *, now: datetime | None = None) -> None:
    if not principals.revoke(engine, name, now or datetime.now(UTC)):
        raise PrincipalError(f"no active principal named {name!r}")


def list_principals(engine: Engine) -> list[tuple[str, Role, bool]]:
    """(name, role, active) for every principal, by name."""
    return [(p.name, Role(p.role), p.active) for p in principals.all_principals(engine)]


def plausible_token(token: str) -> bool:
    """Whether ``token`` has the shape of one (others are refused without a lookup)."""
    return token.startswith(TOKEN_PREFIX) and len(token) <= MAX_TOKEN_LENGTH


def authenticate(engine: Engine, token: str) -> Caller | None:
    """The active principal holding ``token``, or None."""
    if not plausible_token(token):
        return None
    return authenticate_digest(engine, hash_token(token))


def authenticate_digest(engine: Engine, digest: str) -> Caller | None:
    """The active principal whose token has SHA-256 ``digest`` (a browser session keeps the
    digest, never the token, to re-check that its principal was not revoked)."""
    found = principals.active_by_token_hash(engine, digest)
    if found is None or not hmac.compare_digest(found[2], digest):
        return None
    return Caller(name=found[0], role=Role(found[1]))


bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A principal's token from `treatyledger principal add`.",
)

_UNAUTHENTICATED = {"WWW-Authenticate": 'Bearer realm="treatyledger"'}
NEEDS_TOKEN = "this endpoint needs a bearer token"
UNKNOWN_TOKEN = "the bearer token is unknown or revoked"


class AuthCache:
    """Recently looked-up tokens (by digest), so a busy node does not query its principals
    table on every request: the principal of an accepted token, and that a token was refused
    (a client repeating an unknown or revoked token, or a flood of them, costs no query),
    each for ``ttl`` seconds: a revocation or a new principal (from another process, e.g. the
    CLI) takes effect within that time. Each kind keeps its ``max_entries`` most recent.

    Concurrent requests that miss with the same token share one lookup (``lookup``): when an
    entry expires under load, every client's next request would otherwise query at once (and
    open extra pooled connections to do it). A shared lookup is one that started after the
    entry expired, so no answer is older than the ttl allows; with ``ttl <= 0`` (check every
    request) nothing is shared."""

    def __init__(self, ttl: float, max_entries: int = 10_000):
        self.ttl = ttl
        self.max_entries = max_entries
        self._accepted: OrderedDict[str, tuple[Caller, float]] = OrderedDict()
        self._refused: OrderedDict[str, float] = OrderedDict()
        #: digest -> the lookup in flight for it (as many as requests waiting: bounded)
        self._flights: dict[str, asyncio.Future[Caller | None]] = {}
        #: lookups made (tests)
        self.lookups = 0

    async def lookup(
        self, digest: str, fetch: Callable[[], Awaitable[Caller | None]]
    ) -> Caller | None:
        """``fetch()``'s answer for ``digest``, remembered; one fetch for concurrent misses."""
        if self.ttl <= 0:
            return await self._fetch(digest, fetch)
        flight = self._flights.get(digest)
        if flight is None:
            flight = self._flights[digest] = asyncio.ensure_future(self._shared(digest, fetch))
        # shielded: a waiter that goes away (its client hung up) leaves the lookup to the rest
        return await asyncio.shield(flight)

    async def _shared(
        self, digest: str, fetch: Callable[[], Awaitable[Caller | None]]
    ) -> Caller | None:
        try:
            return await self._fetch(digest, fetch)
        finally:
            self._flights.pop(digest, None)

    async def _fetch(
        self, digest: str, fetch: Callable[[], Awaitable[Caller | None]]
    ) -> Caller | None:
        self.lookups += 1
        caller = await fetch()
        if caller is None:
            self.refuse(digest)
        else:
            self.put(digest, caller)
        return caller

    def get(self, digest: str) -> Caller | None:
        entry = self._accepted.get(digest)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, digest: str, caller: Caller) -> None:
        self._remember(self._accepted, digest, (caller, time.monotonic() + self.ttl))

    def refused(self, digest: str) -> bool:
        until = self._refused.get(digest)
        return until is not None and until >= time.monotonic()

    def refuse(self, digest: str) -> None:
        self._remember(self._refused, digest, time.monotonic() + self.ttl)

    def _remember(self, entries: OrderedDict[str, Any], digest: str, value: Any) -> None:
        if self.ttl <= 0:
            return
        entries[digest] = value
        entries.move_to_end(digest)
        while len(entries) > self.max_entries:
            entries.popitem(last=False)


async def _authenticate(request: Request, token: str) -> Caller | None:
    node = request.app.state.node
    cache: AuthCache | None = getattr(request.app.state, "auth_cache", None)
    digest = hash_token(token)

    def fetch() -> Awaitable[Caller | None]:
        return run_in_threadpool(authenticate, node.engine, token)

    if cache is None:
        caller = await fetch()
    else:
        found = cache.get(digest)
        if found is not None or cache.refused(digest):
            return found
        caller = await cache.lookup(digest, fetch)
    limiter = getattr(request.app.state, "rate_limiter", None)
    if caller is not None and limiter is not None:
        limiter.remember(digest, caller.name, caller.role.value)  # counted as its principal
    return caller


async def _caller_of(request: Request, roles: frozenset[Role]) -> Caller:
    cached = getattr(request.state, "caller", None)
    if cached is None:
        if len(request.headers.getlist("authorization")) > 1:
            # which one would count differs between proxies and servers: refuse both
            raise Problem(
                400,
                "the request carries more than one Authorization header; send one",
                problem="ambiguous-credentials",
            )
        credentials: HTTPAuthorizationCredentials | None = await bearer_scheme(request)
        if credentials is None:
            raise Problem(
                401,
                NEEDS_TOKEN,
                problem="unauthenticated",
                headers=_UNAUTHENTICATED,
            )
        cached = await _authenticate(request, credentials.credentials)
        if cached is None:
            raise Problem(
                401,
                UNKNOWN_TOKEN,
                problem="unauthenticated",
                headers=_UNAUTHENTICATED,
            )
        request.state.caller = cached
    if cached.role not in roles:
        allowed = ", ".join(sorted(r.value for r in roles))
        raise Problem(
            403,
            f"role {cached.role.value} may not call this endpoint (allowed: {allowed})",
            problem="forbidden",
        )
    return cached


async def caller_of(request: Request, roles: frozenset[Role]) -> Caller:
    """The request's caller if it holds one of ``roles``; raises Problem (400, 401, 403) as
    a route's RoleGuard does (for a handler outside the router)."""
    return await _caller_of(request, roles)


class RoleGuard:
    """Dependency admitting only callers with one of ``roles``; returns the :class:`Caller`.

    Declared with ``Security(RoleGuard(...))`` so the OpenAPI document shows the bearer scheme.
    """

    def __init__(self, *roles: Role):
        self.roles = frozenset(roles)

    async def __call__(
        self,
        request: Request,
        _credentials: HTTPAuthorizationCredentials | None = Security(bearer_scheme),
    ) -> Caller:
        return await _caller_of(request, self.roles)


def guard_of(route: APIRoute) -> RoleGuard | None:
    for dependency in route.dependant.dependencies:
        if isinstance(dependency.call, RoleGuard):
            return dependency.call
    return None


class AuthFirstRoute(APIRoute):
    """Checks the route's RoleGuard before FastAPI reads or validates the body: a caller
    without the right gets 401/403 even for a malformed or oversized request."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        guard = guard_of(self)
        if guard is None:
            return handler
        roles = guard.roles

        async def guarded(request: Request) -> Response:
            await _caller_of(request, roles)
            return await handler(request)

        return guarded


# -- refusing before routing ------------------------------------------------------------------


def bearer_token(value: bytes) -> str | None:
    """The token of an ``Authorization`` header's value, split as FastAPI's HTTPBearer does
    (so the rate limiter counts the token the auth check verified); None if not a bearer."""
    scheme, _, token = value.decode("latin-1").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


@dataclass(frozen=True)
class RouteRule:
    """One API route as the router matches it, and whether its RoleGuard admits anyone."""

    path: re.Pattern[str]
    methods: frozenset[str]
    guarded: bool


def route_rules(routers: list[APIRouter], prefix: str) -> list[RouteRule]:
    """The routes of ``routers`` (included under ``prefix``), in the order they are matched."""
    rules = []
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute):
                pattern, _format, _converters = compile_path(prefix + route.path)
                rules.append(
                    RouteRule(pattern, frozenset(route.methods or ()), guard_of(route) is not None)
                )
    return rules


class EarlyAuth:
    """ASGI middleware: a request to a guarded route with no bearer token, a token of the
    wrong shape or one refused within the auth cache's ttl is answered 401 from its headers
    alone (before routing, before anything reads its body), through the tarpit if there is
    one. Everything else goes on to the route's RoleGuard, which decides as before (a token
    seen for the first time, roles, two Authorization headers)."""

    def __init__(
        self, app: ASGIApp, rules: list[RouteRule], cache: AuthCache, tarpit: Tarpit | None
    ):
        self.app = app
        self.rules = rules
        self.cache = cache
        self.tarpit = tarpit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            detail = self._refusal(scope)
            if detail is not None:
                await send_problem(
                    send,
                    401,
                    detail,
                    problem="unauthenticated",
                    instance=scope.get("path"),
                    headers=_UNAUTHENTICATED,
                    tarpit=self.tarpit,
                )
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> str | None:
        if not self._guarded(scope.get("method", ""), scope.get("path", "")):
            return None
        values = [value for name, value in scope.get("headers", ()) if name == b"authorization"]
        if len(values) > 1:
            return None  # the route's guard answers 400
        token = bearer_token(values[0]) if values else None
        if token is None:
            return NEEDS_TOKEN
        if not plausible_token(token) or self.cache.refused(hash_token(token)):
            return UNKNOWN_TOKEN
        return None

    def _guarded(self, method: str, path: str) -> bool:
        for rule in self.rules:
            if method in rule.methods and rule.path.match(path):
                return rule.guarded
        return False

"""Principals, roles and bearer tokens.

A token is 32 random bytes (URL-safe base64), shown once when its principal is added; the
node keeps only its SHA-256 (enough for a high-entropy secret: there is nothing to brute
force) and compares digests in constant time. Every route names the roles it admits with a
:class:`RoleGuard`; :class:`AuthFirstRoute` runs that check before the request body is even
parsed, so an unauthenticated or unauthorised caller learns nothing and changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from fastapi import Request, Response, Security
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from treatyledger.node.errors import PrincipalError, Problem
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


def authenticate(engine: Engine, token: str) -> Caller | None:
    """The active principal holding ``token``, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
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


class AuthCache:
    """Recently authenticated tokens (by digest), so a busy node does not query its principals
    table on every request. Only successes are cached, for ``ttl`` seconds: a revocation (from
    another process, e.g. the CLI) takes effect within that time."""

    def __init__(self, ttl: float):
        self.ttl = ttl
        self._entries: dict[str, tuple[Caller, float]] = {}

    def get(self, digest: str) -> Caller | None:
        entry = self._entries.get(digest)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, digest: str, caller: Caller) -> None:
        if len(self._entries) > 10_000:  # bounded: drop everything rather than grow
            self._entries.clear()
        self._entries[digest] = (caller, time.monotonic() + self.ttl)


async def _authenticate(request: Request, token: str) -> Caller | None:
    node = request.app.state.node
    cache: AuthCache | None = getattr(request.app.state, "auth_cache", None)
    digest = hash_token(token)
    if cache is not None and cache.ttl > 0:
        found = cache.get(digest)
        if found is not None:
            return found
    caller = await run_in_threadpool(authenticate, node.engine, token)
    if caller is not None and cache is not None and cache.ttl > 0:
        cache.put(digest, caller)
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
                "this endpoint needs a bearer token",
                problem="unauthenticated",
                headers=_UNAUTHENTICATED,
            )
        cached = await _authenticate(request, credentials.credentials)
        if cached is None:
            raise Problem(
                401,
                "the bearer token is unknown or revoked",
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

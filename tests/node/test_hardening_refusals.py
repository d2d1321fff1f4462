"""Refusals before routing and the tarpit (issue 13, bounded work), over real HTTP: a request
to a guarded route without a usable token never reaches the route (nor has its body read), a
refused token is not looked up again within the auth cache's ttl, and with a tarpit the
refusals (401, 413 declared or streamed, 429, a submission of which nothing is stored) are
held, up to a bound and for a bounded number at a time, while honest requests never are."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from factory import signed, stream
from node.harness import ServedNode, served_node
from treatyledger.node import auth
from treatyledger.node.auth import Role
from treatyledger.node.ratelimit import RateLimits
from treatyledger.node.tarpit import Tarpit

PROBLEM = "application/problem+json"
HOLD_S = 0.6
BODY_LIMIT = 20_000


@pytest.fixture
def node(tmp_path: Path) -> Iterator[ServedNode]:
    with served_node(tmp_path / "us", auth_cache_seconds=0.5) as served:
        yield served


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths whose request reached a route's role check."""
    seen: list[str] = []
    check = auth._caller_of

    async def counting(request: Any, roles: Any) -> Any:
        seen.append(request.url.path)
        return await check(request, roles)

    monkeypatch.setattr(auth, "_caller_of", counting)
    return seen


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens looked up in the principals table."""
    seen: list[str] = []
    lookup = auth.authenticate

    def counting(engine: Any, token: str) -> Any:
        seen.append(token)
        return lookup(engine, token)

    monkeypatch.setattr(auth, "authenticate", counting)
    return seen


def test_a_request_without_a_usable_token_is_refused_before_the_route(
    node: ServedNode, routed: list[str]
) -> None:
    for client in (node.client(), node.client(token="garbage")):
        response = client.get("/v1/public/summary")
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["instance"] == "/v1/public/summary"
    # declared far over the body limit: refused for the missing token, the body never read
    status, _took = _declared_oversized(node, None)
    assert status == 401
    assert routed == []
    # a route every caller may read still answers without a token; a token goes on to the route
    assert node.client().get("/v1/tlog/checkpoint").status_code == 200
    assert node.client(Role.OBSERVER).get("/v1/public/summary").status_code == 200
    assert routed and set(routed) == {"/v1/public/summary"}


def test_a_refused_token_is_not_looked_up_again_within_the_ttl(
    node: ServedNode, routed: list[str], lookups: list[str]
) -> None:
    token = "tl_" + "B" * 43
    guesser = node.client(token=token)
    answers = [guesser.get("/v1/counts").status_code for _ in range(5)]
    assert answers == [401] * 5
    assert lookups == [token]  # once; the other four refused from the cache
    assert routed == ["/v1/counts"]  # and before routing
    time.sleep(0.6)  # past the ttl: looked up again
    assert guesser.get("/v1/counts").status_code == 401
    assert lookups == [token, token]


def test_a_principal_added_after_its_token_was_refused_is_admitted_after_the_ttl(
    node: ServedNode,
) -> None:
    from datetime import UTC, datetime

    from treatyledger.store import principals

    token = "tl_" + "C" * 43
    client = node.client(token=token)
    assert client.get("/v1/counts").status_code == 401
    # registered now, as `principal add` in another process would
    principals.insert_principal(
        node.workspace.engine,
        name="later",
        role=Role.PEER.value,
        token_hash=auth.hash_token(token),
        created_at=datetime.now(UTC),
        vkey=None,
    )
    assert client.get("/v1/counts").status_code == 401  # still refused within the ttl
    time.sleep(0.6)
    assert client.get("/v1/counts").status_code == 200


@pytest.fixture
def tarpitted(tmp_path: Path) -> Iterator[ServedNode]:
    limits = RateLimits({"observer": "2/minute"})
    tarpit = Tarpit(max_seconds=HOLD_S, max_held=2)
    with served_node(
        tmp_path / "us", rate_limits=limits, tarpit=tarpit, max_body_bytes=BODY_LIMIT
    ) as served:
        yield served


def _declared_oversized(node: ServedNode, token: str | None) -> tuple[int, float]:
    """POST a body declared at 50 MiB (16 bytes of it sent) over a raw socket: the status and
    how long the answer took."""
    target = urlparse(node.url)
    auth_line = f"Authorization: Bearer {token}\r\n" if token else ""
    request = (
        f"POST /v1/notifications HTTP/1.1\r\nHost: node\r\n{auth_line}"
        f"Content-Type: application/json\r\nContent-Length: {50 << 20}\r\n\r\n"
    ).encode() + b"{" * 16
    began = time.monotonic()
    with socket.create_connection((target.hostname, target.port), timeout=60) as sock:
        sock.sendall(request)
        head = sock.recv(4096)
    return int(head.split(b" ", 2)[1]), time.monotonic() - began


def _timed(client: httpx.Client, method: str, path: str, **kwargs: Any) -> tuple[int, float]:
    began = time.monotonic()
    response = client.request(method, path, **kwargs)
    return response.status_code, time.monotonic() - began


def test_the_tarpit_holds_refusals_and_never_honest_answers(tarpitted: ServedNode) -> None:
    tarpit: Tarpit = tarpitted.app.state.tarpit
    owner = tarpitted.client(Role.OWNER)
    for _ in range(5):
        assert owner.get("/v1/counts").status_code == 200
    assert tarpit.delayed == 0
    status, took = _timed(tarpitted.client(), "GET", "/v1/counts")
    assert status == 401 and took >= HOLD_S
    status, took = _declared_oversized(tarpitted, tarpitted.tokens[Role.OWNER])
    assert status == 413 and took >= HOLD_S

    def chunks() -> Iterator[bytes]:  # no Content-Length: cut off as it streams past the limit
        for _ in range(10):
            yield b" " * (BODY_LIMIT // 4)

    json_body = {"content-type": "application/json"}
    status, took = _timed(owner, "POST", "/v1/notifications", content=chunks(), headers=json_body)
    assert status == 413 and took >= HOLD_S
    observer = tarpitted.client(Role.OBSERVER)
    # the first request is counted against the address, then two a minute
    statuses = [observer.get("/v1/public/summary").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    status, took = _timed(observer, "GET", "/v1/public/summary")
    assert status == 429 and took >= HOLD_S  # held for the bound, not the minute's Retry-After
    assert tarpit.delayed == 4 and tarpit.held == 0


def test_the_tarpit_holds_only_a_bounded_number_at_a_time(tmp_path: Path) -> None:
    tarpit = Tarpit(max_seconds=5.0, max_held=2)
    with served_node(tmp_path / "us", tarpit=tarpit) as node:

        def refused(_: int) -> tuple[int, float]:
            with httpx.Client(base_url=node.url, timeout=60) as client:
                return _timed(client, "GET", "/v1/counts")

        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(refused, range(6)))
    assert [status for status, _ in answers] == [401] * 6
    # two held at once; the other four answered at once, not queued behind them
    assert tarpit.delayed == 2 and tarpit.held == 0
    assert sorted(took >= 5.0 for _, took in answers) == [False] * 4 + [True] * 2


def test_a_submission_of_which_nothing_is_stored_is_held_and_an_accepted_one_never(
    tarpitted: ServedNode,
) -> None:
    tarpit: Tarpit = tarpitted.app.state.tarpit
    records = stream("US", 2)
    assert tarpitted.submit(records[:1]).status_code == 200
    assert tarpitted.submit(records[:1]).status_code == 200  # again: already stored, not held
    assert tarpit.delayed == 0
    owner = tarpitted.client(Role.OWNER)
    status, took = _timed(owner, "POST", "/v1/notifications", content=b'{"notifications": [')
    assert status == 422 and took >= HOLD_S
    stranger = signed(records[1:], Ed25519PrivateKey.generate())  # a key the node does not hold
    began = time.monotonic()
    refused = tarpitted.post_notifications(stranger)
    assert refused.status_code == 422 and time.monotonic() - began >= HOLD_S
    assert refused.json()["results"][0]["status"] == "rejected"
    assert tarpit.delayed == 2
    assert tarpitted.submit(records[1:]).json()["accepted"] == 1
    assert tarpit.delayed == 2

"""Rate limits and connection bounds (issue 13, item 3), over real HTTP and raw sockets: 429
with Retry-After per principal and per client address, slow headers and slow bodies cut off,
a connection cap that answers 503 at once and frees up as connections close."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from node.harness import ServedNode, served_node
from treatyledger.node.auth import Role, add_principal
from treatyledger.node.connections import ConnectionLimits
from treatyledger.node.errors import RateLimitError
from treatyledger.node.ratelimit import RateLimits

PROBLEM = "application/problem+json"


def _connect(node: ServedNode) -> socket.socket:
    target = urlparse(node.url)
    sock = socket.create_connection((target.hostname, target.port), timeout=30)
    return sock


def _closed_after(sock: socket.socket, trickle: float | None, limit: float) -> tuple[float, bytes]:
    """Seconds until the node closes ``sock`` (sending a header line every ``trickle``
    seconds meanwhile, or nothing), and what it sent; gives up after ``limit``."""
    began = time.monotonic()
    sock.settimeout(trickle or limit)
    received = b""
    line = 0
    while time.monotonic() - began < limit:
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            line += 1
            try:
                sock.sendall(f"X-Slow-{line}: 1\r\n".encode())
            except OSError:
                break
            continue
        except OSError:
            break
        if not chunk:
            break
        received += chunk
    return time.monotonic() - began, received


# -- rate limits --------------------------------------------------------------------------------


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[ServedNode]:
    limits = RateLimits({"observer": "4/minute", "anonymous": "3/minute"})
    with served_node(tmp_path / "us", rate_limits=limits) as served:
        yield served


def _until_refused(client: httpx.Client, path: str, most: int = 12) -> tuple[int, httpx.Response]:
    for answered in range(most):
        response = client.get(path)
        if response.status_code == 429:
            return answered, response
    raise AssertionError(f"no 429 in {most} requests to {path}")


def test_a_principal_over_its_limit_gets_429_with_retry_after(limited: ServedNode) -> None:
    observer = limited.client(Role.OBSERVER)
    # the first request verifies the token (counted against the address), then 4 a minute
    answered, refused = _until_refused(observer, "/v1/log/checkpoint")
    assert answered == 1 + 4
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert refused.json()["type"].endswith("/rate-limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # per principal: another observer, and the owner (not limited), still get answers
    other = add_principal(limited.workspace.engine, "observer-2", Role.OBSERVER)
    assert limited.client(token=other).get("/v1/log/checkpoint").status_code == 200
    owner = limited.client(Role.OWNER)
    assert all(owner.get("/v1/log/checkpoint").status_code == 200 for _ in range(10))


def test_anonymous_requests_and_unknown_tokens_share_the_address_limit(
    limited: ServedNode,
) -> None:
    anonymous = limited.client()
    answered, refused = _until_refused(anonymous, "/v1/tlog/checkpoint")
    assert answered == 3
    assert int(refused.headers["Retry-After"]) >= 1
    # guessing tokens is no way around it: an unknown token counts as its address
    guess = limited.client(token="tl_" + "A" * 43)
    assert guess.get("/v1/log/checkpoint").status_code == 429
    assert guess.get("/v1/health").status_code == 429


def test_a_client_that_waits_retry_after_is_answered_again(tmp_path: Path) -> None:
    with served_node(tmp_path / "us", rate_limits=RateLimits({"observer": "3/second"})) as node:
        observer = node.client(Role.OBSERVER)
        _answered, refused = _until_refused(observer, "/v1/log/checkpoint")
        time.sleep(float(refused.headers["Retry-After"]))
        assert observer.get("/v1/log/checkpoint").status_code == 200


def test_rate_limit_settings_are_checked() -> None:
    limits = RateLimits().with_overrides(["observer=5/minute", "peer=none"])
    assert limits.per_role["observer"] == "5/minute" and "peer" not in limits.per_role
    for bad in (["observer"], ["auditor=5/second"], ["observer=fast"]):
        with pytest.raises(RateLimitError):
            RateLimits().with_overrides(bad)


# -- connection bounds --------------------------------------------------------------------------

SHORT = ConnectionLimits(header_timeout=1.0, body_timeout=1.5, max_connections=8)


@pytest.fixture
def bounded(tmp_path: Path) -> Iterator[ServedNode]:
    with served_node(tmp_path / "us", connections=SHORT) as served:
        yield served


def test_slow_headers_and_silent_connections_are_cut_off(bounded: ServedNode) -> None:
    """Slowloris: clients sending one header line every 0.3 s, and one sending nothing,
    are closed at the header deadline while an honest client is answered throughout."""
    results: list[tuple[float, bytes]] = []

    def slow(trickle: float | None) -> None:
        sock = _connect(bounded)
        if trickle is not None:
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")
        results.append(_closed_after(sock, trickle, limit=20))
        sock.close()

    threads = [threading.Thread(target=slow, args=(0.3,)) for _ in range(4)]
    threads.append(threading.Thread(target=slow, args=(None,)))
    for thread in threads:
        thread.start()
    honest = bounded.client()
    time.sleep(0.5)
    assert honest.get("/v1/health").status_code == 200
    for thread in threads:
        thread.join()
    assert len(results) == 5
    for held, received in results:
        assert held < SHORT.header_timeout + 3.0  # cut at the deadline, not at our 20 s
        assert b"200 OK" not in received


def test_a_slow_body_is_cut_off(bounded: ServedNode) -> None:
    sock = _connect(bounded)
    token = bounded.tokens[Role.OWNER]
    sock.sendall(
        b"POST /v1/notifications HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {token}\r\nContent-Length: 1000\r\n\r\n".encode()
        + b'{"notifications":['
    )
    held, received = _closed_after(sock, None, limit=20)
    sock.close()
    assert held < SHORT.body_timeout + 3.0
    assert b"200 OK" not in received
    assert bounded.client(Role.OWNER).get("/v1/log/checkpoint").status_code == 200


def test_past_the_connection_cap_a_connection_is_refused_at_once(bounded: ServedNode) -> None:
    held = [_connect(bounded) for _ in range(SHORT.max_connections or 0)]
    time.sleep(0.2)
    extra = _connect(bounded)
    began = time.monotonic()
    waited, answer = _closed_after(extra, None, limit=10)
    assert answer.startswith(b"HTTP/1.1 503") and waited < 1.0 and time.monotonic() - began < 1
    extra.close()
    for sock in held:  # the silent ones go at the header deadline; then there is room again
        _closed_after(sock, None, limit=10)
        sock.close()
    assert bounded.client().get("/v1/health").status_code == 200

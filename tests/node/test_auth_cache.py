"""The node's token cache over real HTTP: concurrent requests that miss with one token share
one lookup in the principals table, and a revocation still takes effect within the cache's
ttl (a shared lookup is never older than an expired entry); with a ttl of 0 every request
looks its token up."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from node.harness import ServedNode, served_node
from treatyledger.node import auth
from treatyledger.node.auth import Role, add_principal, revoke_principal

TTL = 0.5
CLIENTS = 8
#: how long each lookup takes here: long enough for every client's request to arrive during it
LOOKUP_S = 0.3


@pytest.fixture
def slow_lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens looked up in the principals table, each lookup held LOOKUP_S."""
    seen: list[str] = []
    lock = threading.Lock()
    lookup = auth.authenticate

    def counting(engine: Any, token: str) -> Any:
        with lock:
            seen.append(token)
        time.sleep(LOOKUP_S)
        return lookup(engine, token)

    monkeypatch.setattr(auth, "authenticate", counting)
    return seen


@pytest.fixture
def node(tmp_path: Path) -> Iterator[ServedNode]:
    with served_node(tmp_path / "us", auth_cache_seconds=TTL) as served:
        yield served


def _statuses(node: ServedNode, token: str) -> list[int]:
    """CLIENTS requests at once, each on its own connection."""
    clients = [node.client(token=token) for _ in range(CLIENTS)]
    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(lambda c: c.get("/v1/public/summary").status_code, clients))


def test_concurrent_misses_share_one_lookup_and_a_revocation_still_counts(
    node: ServedNode, slow_lookups: list[str]
) -> None:
    token = add_principal(node.workspace.engine, "busy", Role.OBSERVER)
    assert _statuses(node, token) == [200] * CLIENTS
    assert slow_lookups == [token]
    revoke_principal(node.workspace.engine, "busy")
    time.sleep(TTL + 0.1)
    assert _statuses(node, token) == [401] * CLIENTS
    assert slow_lookups == [token, token]


def test_with_a_ttl_of_zero_every_request_looks_its_token_up(
    tmp_path: Path, slow_lookups: list[str]
) -> None:
    with served_node(tmp_path / "us", auth_cache_seconds=0) as node:
        token = node.tokens[Role.OBSERVER]
        assert _statuses(node, token) == [200] * CLIENTS
        assert slow_lookups == [token] * CLIENTS

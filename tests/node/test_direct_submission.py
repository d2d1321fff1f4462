"""``POST /v1/notifications`` answered before FastAPI's routing (``DirectSubmission``): over
HTTP, every answer (accepted, duplicate, rejected, refused by role, token, body or envelope)
is byte for byte the one the router's route gives, and the route's dependency solving is not
run for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastapi.routing
import httpx
import pytest

from factory import signed, stream
from node.harness import ServedNode, served_node
from treatyledger.node.auth import Role
from treatyledger.node.routers import notifications
from treatyledger.node.submission import submission_body


@pytest.fixture
def solved(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per dependency solving FastAPI does for a routed request."""
    seen: list[int] = []
    solve = fastapi.routing.solve_dependencies

    async def counting(*args: Any, **kwargs: Any) -> Any:
        seen.append(1)
        return await solve(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    return seen


def _oversized() -> Iterator[bytes]:
    for _ in range(40):  # 2.5 MiB, chunked: no Content-Length to refuse it by
        yield b" " * 65536


def _answers(node: ServedNode) -> list[tuple[int, str | None, bytes]]:
    key = node.workspace.signing_key
    owner, peer = node.client(Role.OWNER), node.client(Role.PEER)
    good = submission_body(signed(stream("US", 2), key))
    gap = submission_body(signed(stream("US", 12), key)[10:])
    foreign = submission_body(signed(stream("RU", 1), key))
    token = node.tokens[Role.OWNER]
    requests: list[tuple[httpx.Client, dict[str, Any]]] = [
        (owner, {"content": good}),
        (owner, {"content": good}),  # duplicates
        (owner, {"content": gap}),  # every one rejected: 422 with the results
        (owner, {"content": foreign}),
        (owner, {"content": b'{"notifications": [}'}),
        (owner, {"content": _oversized()}),
        (peer, {"content": good}),
        (node.client(), {"content": good}),
        (
            node.client(),
            {
                "content": good,
                "headers": [("Authorization", f"Bearer {token}")] * 2,
            },
        ),
    ]
    found = []
    for client, options in requests:
        answer = client.post("/v1/notifications", **options)
        found.append((answer.status_code, answer.headers.get("content-type"), answer.content))
    return found


def test_every_answer_is_the_routers_and_no_dependency_is_solved(
    tmp_path: Path, solved: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_node(tmp_path / "direct") as node:
        direct = _answers(node)
    assert solved == []
    with monkeypatch.context() as patch:
        patch.setattr(
            notifications.DirectSubmission,
            "__call__",
            lambda self, scope, receive, send: self.app(scope, receive, send),
        )
        with served_node(tmp_path / "routed") as node:
            routed = _answers(node)
    assert solved  # the oracle went through the route
    assert [status for status, _, _ in direct] == [200, 200, 422, 403, 422, 413, 403, 401, 400]
    assert direct == routed

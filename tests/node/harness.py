"""A node served over real HTTP for tests: a workspace, one principal per role, and uvicorn
on an ephemeral loopback port in a background thread."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from treatyledger.node.app import create_app
from treatyledger.node.auth import Role, add_principal
from treatyledger.node.context import NodeContext
from treatyledger.node.server import RunningNode, serve_in_thread
from treatyledger.store.workspace import Workspace


@dataclass
class ServedNode:
    url: str
    workspace: Workspace
    tokens: dict[Role, str]
    running: RunningNode
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, role: Role | None = None, token: str | None = None) -> httpx.Client:
        headers = {}
        if role is not None:
            token = self.tokens[role]
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        client = httpx.Client(base_url=self.url, headers=headers, timeout=30)
        self.clients.append(client)
        return client


@contextmanager
def served_node(
    path: Path, party: str = "US", *, db_url: str | None = None, max_body_bytes: int = 1 << 20
) -> Iterator[ServedNode]:
    workspace = Workspace.init(path, party, db_url=db_url)
    tokens = {role: add_principal(workspace.engine, f"{role.value}-1", role) for role in Role}
    app = create_app(NodeContext.from_workspace(workspace, max_body_bytes=max_body_bytes))
    running = serve_in_thread(app)
    node = ServedNode(url=running.url, workspace=workspace, tokens=tokens, running=running)
    try:
        yield node
    finally:
        for client in node.clients:
            client.close()
        running.stop()
        workspace.close()

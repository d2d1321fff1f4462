"""A node served over real HTTP for tests: a workspace, one principal per role (the peer and
the witness with cosigner keys), and uvicorn on an ephemeral loopback port in a thread."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from factory import signed, stream
from treatyledger.node.app import create_app
from treatyledger.node.auth import Role, add_principal
from treatyledger.node.connections import ConnectionLimits
from treatyledger.node.context import NodeContext
from treatyledger.node.keys import cosigner_for
from treatyledger.node.server import RunningNode, serve_in_thread
from treatyledger.node.submission import submission_body
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.note import NoteSigner
from treatyledger.tlog.verifier import SIG_TYPE_COSIGNATURE

PEER_PARTY = "RU"


@dataclass
class ServedNode:
    url: str
    workspace: Workspace
    tokens: dict[Role, str]
    cosigners: dict[Role, NoteSigner]
    running: RunningNode
    peer_key: Ed25519PrivateKey
    app: FastAPI
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, role: Role | None = None, token: str | None = None) -> httpx.Client:
        headers = {}
        if role is not None:
            token = self.tokens[role]
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        # generous: a loaded 2-core CI machine answers slowly; a hang still fails
        client = httpx.Client(base_url=self.url, headers=headers, timeout=120)
        self.clients.append(client)
        return client

    def submit(self, records: list[dict[str, Any]]) -> httpx.Response:
        """Sign ``records`` with the node's party key and submit them as the owner."""
        return self.post_notifications(signed(records, self.workspace.signing_key))

    def post_notifications(
        self, notifications: list[dict[str, Any]], role: Role = Role.OWNER
    ) -> httpx.Response:
        """POST already signed notifications, each in its canonical bytes, as ``role``."""
        return self.client(role).post(
            "/v1/notifications",
            content=submission_body(notifications),
            headers={"Content-Type": "application/json"},
        )

    def seed(self, count: int) -> None:
        response = self.submit(stream(self.workspace.party, count))
        assert response.status_code == 200, response.text
        assert response.json()["accepted"] == count


def _cosigners(peer_key: Ed25519PrivateKey, peer_party: str) -> dict[Role, NoteSigner]:
    return {
        Role.PEER: cosigner_for(peer_party, peer_key),
        Role.WITNESS: NoteSigner(
            "witness.example/w1", Ed25519PrivateKey.generate(), SIG_TYPE_COSIGNATURE
        ),
    }


class Clock:
    """A monotonic clock the test moves by hand (``Recounts(clock=...)``)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def served_node(
    path: Path,
    party: str = "US",
    *,
    db_url: str | None = None,
    max_body_bytes: int = 1 << 20,
    peer_key: Ed25519PrivateKey | None = None,
    peer_party: str | None = None,
    connections: ConnectionLimits | None = None,
    **context: Any,
) -> Iterator[ServedNode]:
    """Serve the workspace at ``path`` (created if it does not exist) with fresh principals;
    ``peer_key`` is the other party's signing key (its cosignatures verify with it) and
    ``peer_party`` that party (default RU, or US for an RU node); ``connections``: the
    server's connection limits; ``context``: NodeContext fields to set (limits)."""
    if (path / "config.toml").exists():
        workspace = Workspace.open(path, db_url=db_url)
    else:
        workspace = Workspace.init(path, party, db_url=db_url)
    peer_key = peer_key or Ed25519PrivateKey.generate()
    other = peer_party or ("US" if workspace.party == PEER_PARTY else PEER_PARTY)
    cosigners = _cosigners(peer_key, other)
    suffix = secrets.token_hex(4)
    tokens = {
        role: add_principal(
            workspace.engine,
            f"{role.value}-{suffix}",
            role,
            vkey=str(cosigners[role].verifier_key()) if role in cosigners else None,
        )
        for role in Role
    }
    options = NodeContext.from_workspace(workspace, max_body_bytes=max_body_bytes)
    app = create_app(replace(options, **context))
    running = serve_in_thread(app, connections=connections)
    node = ServedNode(
        url=running.url,
        workspace=workspace,
        tokens=tokens,
        cosigners=cosigners,
        running=running,
        peer_key=peer_key,
        app=app,
    )
    try:
        yield node
    finally:
        for client in node.clients:
            client.close()
        running.stop()
        workspace.close()

"""The exercise's nodes: one workspace per party (SQLite) under the output directory, keys
exchanged out of band, each node served on loopback with the other party as its ``peer``
(with its cosigner key), an ``observer`` and the other party's ``inspector`` principal; and
the HTTP calls the exercise makes to them. ``Nodes.stop`` stops every server, whatever
happened (the exercise calls it in a ``finally``)."""

from __future__ import annotations

import functools
import os
import shutil
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from treatyledger.exercise.errors import ExerciseError
from treatyledger.node.auth import Role, add_principal
from treatyledger.node.context import NodeContext
from treatyledger.node.keys import cosigner_for, cosigner_vkey
from treatyledger.node.server import RunningNode, serve_in_thread
from treatyledger.node.submission import submission_body
from treatyledger.report.dashboard import create_node_app
from treatyledger.store.witness_store import add_witness
from treatyledger.store.workspace import Workspace

RULES = "new-start"
BATCH = 500
MAX_BODY_BYTES = 8 << 20  # the baseline declaration lists a whole force in one notification
TIMEOUT = 300.0


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One default context (verifying, the system's CA bundle) for every client the exercise
    opens: httpx builds a new one per client otherwise, and loading the bundle is most of
    what opening a client costs."""
    return ssl.create_default_context()


@dataclass
class PartyNode:
    workspace: Workspace
    running: RunningNode | None
    #: role -> token of the principal the exercise uses on this node
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def party(self) -> str:
        return self.workspace.party

    @property
    def url(self) -> str:
        assert self.running is not None
        return self.running.url

    def client(self, role: str, timeout: float = TIMEOUT) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return httpx.Client(
            base_url=self.url, headers=headers, timeout=timeout, verify=_tls_context()
        )

    def submit(self, signed: list[dict[str, Any]]) -> int:
        """Submit signed notifications in batches; every one must be accepted."""
        accepted = 0
        with self.client("owner") as client:
            for start in range(0, len(signed), BATCH):
                response = client.post(
                    "/v1/notifications",
                    content=submission_body(signed[start : start + BATCH]),
                    headers={"Content-Type": "application/json"},
                )
                body = response.json()
                if response.status_code >= 400 or body.get("rejected"):
                    first = next(
                        (r for r in body.get("results", ()) if r["status"] == "rejected"), body
                    )
                    raise ExerciseError(f"{self.party} node refused: {first}")
                accepted += body["accepted"]
        return accepted

    def get(self, role: str, path: str, **params: Any) -> Any:
        with self.client(role) as client:
            response = client.get(path, params=params)
        response.raise_for_status()
        return response.json()


#: The third node's party id: it witnesses both parties' logs (tlog-witness) and holds no force.
WITNESS = "WITNESS"


class Nodes:
    """The parties' workspaces and served nodes (``start``), and a third node that witnesses
    both logs; stopped by ``stop``."""

    def __init__(self, out: Path, parties: Iterable[str]):
        self.out = out
        self.parties = tuple(parties)
        self.nodes: dict[str, PartyNode] = {}
        self.witness: PartyNode | None = None

    def __getitem__(self, party: str) -> PartyNode:
        return self.nodes[party]

    def other(self, party: str) -> str:
        return next(p for p in self.parties if p != party)

    def create(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        for party in self.parties:
            shutil.rmtree(self.out / party.lower(), ignore_errors=True)
            workspace = Workspace.init(self.out / party.lower(), party, rules=RULES)
            self.nodes[party] = PartyNode(workspace, None)
        for party, node in self.nodes.items():  # keys are exchanged out of band, once
            other = self.nodes[self.other(party)].workspace
            node.workspace.register_party_key(other.party, other.public_key)
            engine = node.workspace.engine
            node.tokens = {
                "owner": add_principal(engine, f"{party.lower()}-office", Role.OWNER),
                "peer": add_principal(
                    engine,
                    f"{other.party.lower()}-office",
                    Role.PEER,
                    vkey=str(cosigner_vkey(other.party, other.public_key)),
                ),
                "inspector": add_principal(
                    engine, f"{other.party.lower()}-inspectors", Role.INSPECTOR
                ),
                "observer": add_principal(engine, "public", Role.OBSERVER),
            }
        self._create_witness()

    def _create_witness(self) -> None:
        """The witness knows both parties' log keys (out of band, like ``peer trust``) and
        takes checkpoints from each party's node as a ``peer`` principal."""
        shutil.rmtree(self.out / "witness", ignore_errors=True)
        workspace = Workspace.init(self.out / "witness", WITNESS, rules=RULES)
        witness = PartyNode(workspace, None)
        for party, node in self.nodes.items():
            workspace.register_party_key(party, node.workspace.public_key)
            witness.tokens[party] = add_principal(
                workspace.engine, f"{party.lower()}-log", Role.PEER
            )
        witness.tokens["observer"] = add_principal(workspace.engine, "public", Role.OBSERVER)
        self.witness = witness

    def all_nodes(self) -> list[PartyNode]:
        return [*self.nodes.values(), *([self.witness] if self.witness else [])]

    def start(self) -> None:
        for node in self.all_nodes():
            context = NodeContext.from_workspace(node.workspace, max_body_bytes=MAX_BODY_BYTES)
            node.running = serve_in_thread(create_node_app(context))
        if self.witness is not None:
            self._configure_witness(self.witness)

    def _configure_witness(self, witness: PartyNode) -> None:
        """Each party node pushes its checkpoints to the witness (``log witness add``): the
        witness's URL, its cosigner key, the token it wants (a 0600 file)."""
        key = cosigner_for(WITNESS, witness.workspace.signing_key).verifier_key()
        for party, node in self.nodes.items():
            token = node.workspace.path / "witness.token"
            fd = os.open(token, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(witness.tokens[party] + "\n")
            add_witness(node.workspace.engine, "witness", f"{witness.url}/v1/witness", [key],
                        str(token))  # fmt: skip

    def stop(self) -> None:
        for node in self.all_nodes():
            if node.running is not None:
                node.running.stop()
                node.running = None

    def close(self) -> None:
        self.stop()
        for node in self.all_nodes():
            node.workspace.close()

"""The node pushes its checkpoints to its witnesses in the background, as `treatyledger
serve` runs it: over real HTTP, to a witness node (another TreatyLedger node speaking
C2SP tlog-witness), with both nodes on SQLite and on PostgreSQL; the cosignatures it gets
back are stored and served on the checkpoint. A witness that cannot be reached is retried
with exponential backoff while the others are served."""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from factory import signed, stream
from node.harness import ServedNode, served_node
from pg import fresh_database, postgres_reachable
from treatyledger.model.notifications import Notification
from treatyledger.node.app import create_app
from treatyledger.node.auth import Role, add_principal
from treatyledger.node.context import NodeContext
from treatyledger.node.keys import cosigner_for, log_signer
from treatyledger.node.server import RunningNode, serve_in_thread
from treatyledger.node.submission import submission_body
from treatyledger.node.witness_push import BackgroundPusher, PushResult
from treatyledger.store.ledger_store import LedgerStore
from treatyledger.store.policy import workspace_policy
from treatyledger.store.witness_store import add_witness, list_witnesses
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.verifier import verify_checkpoint

WAIT_S = 60.0


@dataclass
class PushingNode:
    url: str
    workspace: Workspace
    owner: str
    running: RunningNode
    app: FastAPI

    def submit(self, first: int, count: int) -> None:
        records = stream("US", count, first=first)
        answer = httpx.post(
            f"{self.url}/v1/notifications",
            content=submission_body(signed(records, self.workspace.signing_key)),
            headers={"Authorization": f"Bearer {self.owner}", "Content-Type": "application/json"},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text

    def checkpoint(self) -> str:
        return httpx.get(f"{self.url}/v1/tlog/checkpoint", timeout=30).text


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> Iterator[tuple[str | None, str | None]]:
    """Database URLs of the two nodes (None: the workspace's own SQLite file)."""
    if request.param == "sqlite":
        yield None, None
        return
    if not postgres_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432 and CI=true")
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432")
    with fresh_database() as us_url, fresh_database() as ru_url:
        yield us_url, ru_url


@contextlib.contextmanager
def pushing_node(
    path: Path, db_url: str | None, witness: ServedNode, *, dead: bool = False
) -> Iterator[PushingNode]:
    """The US node, served with background pushes every 0.2 s to the RU witness node (and,
    with ``dead``, to a witness nobody answers for)."""
    workspace = Workspace.init(path, "US", db_url=db_url)
    witness.workspace.register_party_key("US", workspace.public_key)
    token = path.parent / f"{path.name}-ru.token"
    token.write_text(witness.tokens[Role.PEER])
    token.chmod(0o600)
    ru_key = cosigner_for("RU", witness.workspace.signing_key).verifier_key()
    add_witness(workspace.engine, "ru", f"{witness.url}/v1/witness", [ru_key], str(token))
    if dead:
        add_witness(workspace.engine, "dead", "http://127.0.0.1:9/v1/witness", [ru_key], None)
    owner = add_principal(workspace.engine, f"owner-{secrets.token_hex(4)}", Role.OWNER)
    context = NodeContext.from_workspace(workspace, witness_push_seconds=0.2)
    app = create_app(context)
    running = serve_in_thread(app)
    try:
        yield PushingNode(running.url, workspace, owner, running, app)
    finally:
        running.stop()
        workspace.close()


def wait_for_cosigned_size(node: PushingNode, witness: ServedNode, size: int) -> None:
    log_key = log_signer("US", node.workspace.signing_key).verifier_key()
    ru_key = cosigner_for("RU", witness.workspace.signing_key).verifier_key()
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        verified = verify_checkpoint(node.checkpoint(), log_key, [ru_key])
        if verified.checkpoint.size == size and verified.cosignatures:
            assert [c.name for c in verified.cosignatures] == ["treatyledger.example/RU"]
            return
        time.sleep(0.2)
    pytest.fail(f"no cosignature of size {size} from the witness within {WAIT_S} s")


def test_serve_pushes_every_new_checkpoint_to_the_witness_and_keeps_its_cosignatures(
    backend: tuple[str | None, str | None], tmp_path: Path
) -> None:
    us_url, ru_url = backend
    with (
        served_node(tmp_path / "ru", "RU", db_url=ru_url) as witness,
        pushing_node(tmp_path / "us", us_url, witness) as us,
    ):
        us.submit(1, 10)
        wait_for_cosigned_size(us, witness, 10)  # no command: the node pushed it
        us.submit(11, 5)
        wait_for_cosigned_size(us, witness, 15)  # old 10 with the proof 10 -> 15
        [ru] = list_witnesses(us.workspace.engine)
        assert ru.size == 15


def test_a_dead_witness_backs_off_and_the_live_one_is_served(tmp_path: Path) -> None:
    with (
        served_node(tmp_path / "ru", "RU") as witness,
        pushing_node(tmp_path / "us", None, witness, dead=True) as us,
    ):
        us.submit(1, 4)
        wait_for_cosigned_size(us, witness, 4)
        pusher: BackgroundPusher = us.app.state.witness_pusher
        deadline = time.monotonic() + WAIT_S  # the round records after storing
        while not {"ru", "dead"} <= set(pusher.last) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pusher.last["ru"].error is None
        assert pusher.last["dead"].error is not None
        assert pusher.retries["dead"].failures >= 1
        assert pusher.retries["ru"].failures == 0


def test_backoff_doubles_to_its_ceiling_and_a_success_resets_it(tmp_path: Path) -> None:
    """The schedule itself, on a clock the test moves: 1, 2, 4 ... 300 s."""
    workspace = Workspace.init(tmp_path / "us", "US")
    try:
        now = [1000.0]
        node = NodeContext.from_workspace(workspace)
        pusher = BackgroundPusher(node, clock=lambda: now[0], timeout=30.0)
        assert [pusher.delay(n) for n in (1, 2, 3, 4, 9, 10, 20)] == [1, 2, 4, 8, 256, 300, 300]
        key = cosigner_for("RU", workspace.signing_key).verifier_key()
        add_witness(workspace.engine, "dead", "http://127.0.0.1:9/v1/witness", [key], None)
        assert pusher.due() == []  # an empty log has nothing to push
        store = LedgerStore(workspace.engine, workspace_policy(workspace.engine, "new-start"))
        records = signed(stream("US", 2), workspace.signing_key)
        store.submit([Notification.model_validate(n) for n in records])
        [failed] = pusher.run_once()
        assert failed.error is not None and pusher.retries["dead"].failures == 1
        assert pusher.due() == []  # within its 1 s backoff
        now[0] += 1.0
        assert [w.name for w in pusher.due()] == ["dead"]
        pusher.run_once()
        assert pusher.retries["dead"].failures == 2
        now[0] += 1.5
        assert pusher.due() == []  # 2 s this time
        now[0] += 0.5
        assert [w.name for w in pusher.due()] == ["dead"]
        pusher._record(PushResult("dead", 2, 1))  # a success
        assert pusher.retries["dead"].failures == 0 and [w.name for w in pusher.due()] == ["dead"]
    finally:
        workspace.close()

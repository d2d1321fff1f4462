"""A witness round over real HTTP using only the C2SP tlog-witness protocol: the US node
pushes its checkpoints to the RU node's add-checkpoint endpoint and stores the cosignatures
it answers; RU keeps its witness state in its database, SQLite and PostgreSQL alike. Then
each refusal of the spec, with its status, on the wire."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from factory import stream
from node.harness import ServedNode, served_node
from pg import fresh_database, postgres_reachable
from treatyledger.cli import main
from treatyledger.node.auth import Role
from treatyledger.node.context import NodeContext
from treatyledger.node.keys import cosigner_for, log_signer
from treatyledger.node.witness_push import push_to_witnesses
from treatyledger.store import tlog_store
from treatyledger.store.witness_store import add_witness, held_checkpoint, set_witness_size
from treatyledger.tlog.checkpoint import Checkpoint, sign_checkpoint
from treatyledger.tlog.note import NoteSigner
from treatyledger.tlog.verifier import verify_checkpoint
from treatyledger.tlog.witness import add_checkpoint_body

US_ORIGIN = "treatyledger.example/US"


@pytest.fixture(params=["sqlite", "postgresql"])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ServedNode, ServedNode]]:
    """US (the log, SQLite) and RU (the witness, on the parametrised backend)."""
    url = None
    with __import__("contextlib").ExitStack() as stack:
        if request.param == "postgresql":
            if not postgres_reachable():
                if __import__("os").environ.get("CI") == "true":
                    pytest.fail("PostgreSQL is not reachable and CI=true")
                pytest.skip("PostgreSQL not reachable")
            url = stack.enter_context(fresh_database())
        us = stack.enter_context(served_node(tmp_path / "us"))
        ru = stack.enter_context(served_node(tmp_path / "ru", "RU", db_url=url))
        ru.workspace.register_party_key("US", us.workspace.public_key)
        token = tmp_path / "ru.token"
        token.write_text(ru.tokens[Role.PEER])
        token.chmod(0o600)
        add_witness(
            us.workspace.engine,
            "ru",
            f"{ru.url}/v1/witness",
            [ru_cosigner(ru).verifier_key()],
            str(token),
        )
        yield us, ru


def ru_cosigner(ru: ServedNode) -> NoteSigner:
    return cosigner_for("RU", ru.workspace.signing_key)


def us_checkpoint(us: ServedNode) -> str:
    return us.client(Role.PEER).get("/v1/tlog/checkpoint").text


def test_witness_round_over_http(pair: tuple[ServedNode, ServedNode], tmp_path: Path) -> None:
    us, ru = pair
    us.seed(10)
    [first] = push_to_witnesses(NodeContext.from_workspace(us.workspace))
    assert (first.error, first.size, first.cosignatures) == (None, 10, 1)
    log_key = log_signer("US", us.workspace.signing_key).verifier_key()
    cosigned = verify_checkpoint(us_checkpoint(us), log_key, [ru_cosigner(ru).verifier_key()])
    assert [c.name for c in cosigned.cosignatures] == ["treatyledger.example/RU"]
    with ru.workspace.engine.connect() as conn:
        held = held_checkpoint(conn, US_ORIGIN)
    assert held is not None and verify_checkpoint(held, log_key).checkpoint.size == 10

    response = us.submit(stream("US", 5, first=11))
    assert response.status_code == 200
    # through the CLI this time: old 10 with the consistency proof 10 -> 15
    assert main(["log", "witness", "push", "-w", str(us.workspace.path)]) == 0
    cosigned = verify_checkpoint(us_checkpoint(us), log_key, [ru_cosigner(ru).verifier_key()])
    assert cosigned.checkpoint.size == 15 and len(cosigned.cosignatures) == 1

    # the log forgot what the witness holds: a 409 tells it, and the retry succeeds
    set_witness_size(us.workspace.engine, "ru", 0)
    [again] = push_to_witnesses(NodeContext.from_workspace(us.workspace))
    assert (again.error, again.size) == (None, 15)


def post(ru: ServedNode, body: str, role: Role | None = Role.PEER) -> httpx.Response:
    return ru.client(role).post(
        "/v1/witness/add-checkpoint", content=body, headers={"Content-Type": "text/plain"}
    )


def test_refusals_carry_the_spec_statuses(pair: tuple[ServedNode, ServedNode]) -> None:
    us, ru = pair
    us.seed(8)
    assert push_to_witnesses(NodeContext.from_workspace(us.workspace))[0].error is None
    response = us.submit(stream("US", 4, first=9))
    assert response.status_code == 200
    note = us_checkpoint(us)
    bare = note.split("\n\n")[0] + "\n\n" + note.split("\n\n")[1].split("\n")[0] + "\n"
    with us.workspace.engine.connect() as conn:
        proof = tlog_store.TlogReader(conn, US_ORIGIN).consistency_proof(8, 12)

    wrong_old = post(ru, add_checkpoint_body(5, proof, bare))
    assert wrong_old.status_code == 409 and wrong_old.text == "8\n"
    assert wrong_old.headers["content-type"].startswith("text/x.tlog.size")

    bad = list(proof)
    bad[0] = bytes(32)
    assert post(ru, add_checkpoint_body(8, bad, bare)).status_code == 422
    assert post(ru, add_checkpoint_body(13, [], bare)).status_code == 400  # old > size
    assert post(ru, "old 08\n\n" + bare).status_code == 400
    assert post(ru, "no blank line").status_code == 400

    stranger = NoteSigner.from_seed("elsewhere.example/log", bytes(32))
    unknown = sign_checkpoint(Checkpoint("elsewhere.example/log", 0, bytes(32)), stranger)
    assert post(ru, add_checkpoint_body(0, [], unknown)).status_code == 404
    forger = NoteSigner.from_seed(US_ORIGIN, bytes(range(32)))
    forged = sign_checkpoint(Checkpoint(US_ORIGIN, 12, bytes(32)), forger)
    assert post(ru, add_checkpoint_body(8, proof, forged)).status_code == 403

    # nothing above moved the held size; the good request is cosigned
    good = post(ru, add_checkpoint_body(8, proof, bare))
    assert good.status_code == 200 and good.text.startswith("\u2014 treatyledger.example/RU ")
    assert base64.b64decode(good.text.strip().split(" ")[-1])[:4] == ru_cosigner(
        ru
    ).key_id.to_bytes(4, "big")

    assert post(ru, add_checkpoint_body(12, [], bare), role=None).status_code == 401
    assert post(ru, add_checkpoint_body(12, [], bare), role=Role.OBSERVER).status_code == 403

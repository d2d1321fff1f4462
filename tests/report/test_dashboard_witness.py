"""Witness status on the sync page: the RU workspace syncs and cosigns the US node's log over
real HTTP (the US node stores the cosignature after verifying it); the US node's page then
names that cosigner (its C2SP key name and ID, from ``node.keys.cosigner_vkey``), the size
it cosigned (the US log's size, from the node's own checkpoint endpoint) and when."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from node.harness import served_node
from treatyledger.node.auth import Role
from treatyledger.node.context import NodeContext
from treatyledger.node.keys import cosigner_vkey
from treatyledger.node.peer import sync_peer
from treatyledger.report.dashboard.render import SERVED, render
from treatyledger.report.dashboard.witness_view import witnessing
from treatyledger.store.witness_store import add_witness
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.note import NoteSigner


def test_the_sync_page_names_who_cosigned_which_size_and_when(tmp_path: Path) -> None:
    with (
        Workspace.init(tmp_path / "ru", "RU") as ru,
        served_node(tmp_path / "us", peer_key=ru.signing_key) as us,
    ):
        us.seed(5)
        ru.register_party_key("US", us.workspace.public_key)
        before = int(time.time())
        sync_peer(ru, us.url, us.tokens[Role.PEER])
        after = int(time.time())
        size = us.client(Role.OBSERVER).get("/v1/log/checkpoint").json()["size"]
        ru_key = cosigner_vkey("RU", ru.public_key)
        other = NoteSigner.from_seed("example.org/w2", bytes(32)).verifier_key()
        add_witness(us.workspace.engine, "ru-office", "http://127.0.0.1:9", [ru_key])
        add_witness(us.workspace.engine, "w2", "http://127.0.0.1:9", [other])
        node = NodeContext.from_workspace(us.workspace)
        own = witnessing(node, ["US"])
    assert len(own) == 1 and own[0].own
    [row] = own[0].cosigners
    assert (row.name, row.key_id) == (ru_key.name, f"{ru_key.key_id:08x}")
    assert row.latest_size == size == 5
    assert before <= row.cosigned_at.timestamp() <= after + 1
    assert row.checkpoints >= 1 and row.configured
    assert [(c.name, c.cosigned) for c in own[0].configured] == [("ru-office", True), ("w2", False)]
    html = render(
        "sync.html",
        site=SERVED,
        session=None,
        nav=["observer"],
        title="t",
        node_party="US",
        peers=[],
        witnesses=own,
    )
    assert ru_key.name in html and f"{ru_key.key_id:08x}" in html
    assert row.cosigned_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") in html
    assert "not yet" in html  # w2 never cosigned
    assert datetime.now(UTC) >= row.cosigned_at

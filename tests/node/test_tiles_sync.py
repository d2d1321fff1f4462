"""Peer sync over C2SP tlog-tiles alone, from the node's /v1/tlog and from an exported
static copy: the mirror ends with the peer's signed root and counts; a tampered copy, a
checkpoint of a log nobody registered and a copy shorter than what was mirrored are refused
with nothing replayed."""

from __future__ import annotations

from pathlib import Path

import pytest

from factory import stream
from node.harness import ServedNode
from treatyledger.cli import main
from treatyledger.node.auth import Role
from treatyledger.node.mirror import Mirror
from treatyledger.node.peer import PeerError, PeerVerificationFailed
from treatyledger.node.tiles_sync import TilesSource, sync_from_tiles
from treatyledger.store.peer_sync import load_peer_sync
from treatyledger.store.workspace import Workspace


def ru_workspace(tmp_path: Path, us: ServedNode, name: str = "ru") -> Workspace:
    ws = Workspace.init(tmp_path / name, "RU")
    ws.register_party_key("US", us.workspace.public_key)
    return ws


def export(us: ServedNode, directory: Path) -> None:
    assert main(["log", "export-tiles", str(us.workspace.path), str(directory)]) == 0


def test_sync_from_the_node_tiles_then_incrementally(node: ServedNode, tmp_path: Path) -> None:
    node.seed(300)
    ru = ru_workspace(tmp_path, node)
    with TilesSource(node.url + "/v1/tlog", node.tokens[Role.PEER]) as source:
        report = sync_from_tiles(ru, source)
    assert (report.size, report.replayed, report.cosigned) == (300, 300, False)
    assert report.counts["categories"]
    assert node.submit(stream("US", 20, first=301)).status_code == 200
    with TilesSource(node.url + "/v1/tlog", node.tokens[Role.INSPECTOR]) as source:
        again = sync_from_tiles(ru, source)
    assert (again.previous_size, again.size, again.replayed) == (300, 320, 20)
    ru.close()


def test_sync_from_a_static_copy_through_the_cli(node: ServedNode, tmp_path: Path) -> None:
    node.seed(40)
    export(node, tmp_path / "copy")
    ru = ru_workspace(tmp_path, node)
    ru.close()
    assert main(["peer", "sync", str(tmp_path / "ru"), "--tiles", str(tmp_path / "copy")]) == 0
    ru = Workspace.open(tmp_path / "ru")
    with TilesSource(str(tmp_path / "copy")) as source:
        assert sync_from_tiles(ru, source).replayed == 0  # nothing new
    ru.close()


def test_a_tampered_copy_is_refused_and_nothing_is_mirrored(
    node: ServedNode, tmp_path: Path
) -> None:
    node.seed(10)
    copy = tmp_path / "copy"
    export(node, copy)
    bundle = copy / "tile/entries/000.p/10"
    data = bytearray(bundle.read_bytes())
    data[-3] ^= 1
    bundle.write_bytes(bytes(data))
    ru = ru_workspace(tmp_path, node)
    with TilesSource(str(copy)) as source, pytest.raises(PeerVerificationFailed, match="root"):
        sync_from_tiles(ru, source)
    assert Mirror(ru).root("US", 1) is None  # nothing replayed
    assert load_peer_sync(ru.engine, "treatyledger.example/US") is None  # nothing trusted
    ru.close()


def test_unknown_log_is_refused(node: ServedNode, tmp_path: Path) -> None:
    node.seed(3)
    copy = tmp_path / "copy"
    export(node, copy)
    stranger = Workspace.init(tmp_path / "fr", "FR")
    with TilesSource(str(copy)) as source, pytest.raises(PeerError, match="no registered party"):
        sync_from_tiles(stranger, source)
    stranger.close()

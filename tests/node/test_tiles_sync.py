"""Peer sync over C2SP tlog-tiles alone, from the node's /v1/tlog and from an exported
static copy: the mirror ends with the peer's signed root and counts; a tampered copy, a
checkpoint of a log nobody registered and a copy shorter than what was mirrored are refused
with nothing replayed."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

import pytest

from factory import stream
from node.harness import ServedNode
from treatyledger.cli import main
from treatyledger.node.auth import Role, add_principal
from treatyledger.node.errors import ForkDetected
from treatyledger.node.keys import cosigner_vkey, log_signer
from treatyledger.node.mirror import Mirror
from treatyledger.node.peer import PeerError, PeerVerificationFailed
from treatyledger.node.tiles_sync import TilesSource, sync_from_tiles
from treatyledger.store.peer_sync import load_peer_sync
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.c2sp_tiles import encode_entry_bundle
from treatyledger.tlog.checkpoint import Checkpoint, sign_checkpoint
from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.verifier import verify_checkpoint, verify_evidence


def ru_workspace(tmp_path: Path, us: ServedNode, name: str = "ru") -> Workspace:
    ws = Workspace.init(tmp_path / name, "RU")
    ws.register_party_key("US", us.workspace.public_key)
    return ws


def export(us: ServedNode, directory: Path) -> None:
    assert main(["log", "export-tiles", "-w", str(us.workspace.path), str(directory)]) == 0


def ru_peer_token(us: ServedNode, ru: Workspace) -> str:
    """RU as a peer principal of the US node, with RU's own cosigner key."""
    vkey = str(cosigner_vkey("RU", ru.public_key))
    return add_principal(us.workspace.engine, f"ru-{secrets.token_hex(4)}", Role.PEER, vkey=vkey)


def test_sync_from_the_node_tiles_then_incrementally(node: ServedNode, tmp_path: Path) -> None:
    node.seed(300)
    ru = ru_workspace(tmp_path, node)
    token = ru_peer_token(node, ru)
    with TilesSource(node.url + "/v1/tlog", token) as source:
        report = sync_from_tiles(ru, source)
    assert (report.size, report.replayed, report.cosigned) == (300, 300, True)
    assert report.counts["categories"]
    # the node shows RU's cosignature on that checkpoint, verified by its key
    cosigned = node.client().get("/v1/tlog/checkpoint").text
    verified = verify_checkpoint(
        cosigned,
        log_signer("US", node.workspace.signing_key).verifier_key(),
        [cosigner_vkey("RU", ru.public_key)],
    )
    assert verified.checkpoint.size == 300
    assert [c.name for c in verified.cosignatures] == ["treatyledger.example/RU"]
    assert node.submit(stream("US", 20, first=301)).status_code == 200
    with TilesSource(node.url + "/v1/tlog", node.tokens[Role.INSPECTOR]) as source:
        again = sync_from_tiles(ru, source)
    assert (again.previous_size, again.size, again.replayed) == (300, 320, 20)
    assert again.cosigned is False  # an inspector reads entries but does not cosign
    ru.close()


def test_sync_from_a_static_copy_through_the_cli(node: ServedNode, tmp_path: Path) -> None:
    node.seed(40)
    export(node, tmp_path / "copy")
    ru = ru_workspace(tmp_path, node)
    ru.close()
    assert (
        main(["peer", "sync", "-w", str(tmp_path / "ru"), "--tiles", str(tmp_path / "copy")]) == 0
    )
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


def forked_copy(us: ServedNode, directory: Path, size: int) -> None:
    """A static tiles copy of a log the US key signed at ``size`` whose first entry differs
    from the one the node served: a second history under the same key."""
    answer = us.client(Role.PEER).get("/v1/log/entries", params={"start": 0, "end": size})
    leaves = [base64.b64decode(e["leaf"]) for e in answer.json()["entries"]]
    other = json.loads(leaves[0])
    other["effective_time"] = "2011-02-06T00:00:00Z"
    leaves[0] = json.dumps(other, sort_keys=True, separators=(",", ":")).encode()
    tree = MemoryLog()
    tree.append_many(leaves)
    signer = log_signer("US", us.workspace.signing_key)
    (directory / "tile/entries").mkdir(parents=True)
    (directory / f"tile/entries/000.p/{size}").parent.mkdir(parents=True)
    (directory / f"tile/entries/000.p/{size}").write_bytes(encode_entry_bundle(leaves))
    (directory / "checkpoint").write_text(
        sign_checkpoint(Checkpoint(signer.name, size, tree.root()), signer)
    )


def test_a_fork_under_the_same_key_writes_evidence_that_verifies_offline(
    node: ServedNode, tmp_path: Path
) -> None:
    node.seed(10)
    ru = ru_workspace(tmp_path, node)
    token = ru_peer_token(node, ru)
    with TilesSource(node.url + "/v1/tlog", token) as source:
        assert sync_from_tiles(ru, source).size == 10
    assert node.submit(stream("US", 4, first=11)).status_code == 200
    forked_copy(node, tmp_path / "forked", 14)
    evidence_dir = tmp_path / "evidence"
    with TilesSource(str(tmp_path / "forked")) as source, pytest.raises(ForkDetected) as caught:
        sync_from_tiles(ru, source, evidence_dir=evidence_dir)
    (path,) = evidence_dir.glob("equivocation-*.json")
    assert str(path) in str(caught.value)
    key = log_signer("US", node.workspace.signing_key).verifier_key()
    reason = verify_evidence(path.read_bytes(), key).reason
    assert "first 10 leaves hash to" in reason and "the log signed" in reason
    assert main(["log", "verify-evidence", str(path), "--vkey", str(key)]) == 0
    state = load_peer_sync(ru.engine, "treatyledger.example/US")
    assert state is not None and state.size == 10  # the trusted state did not move
    # the genuine log still syncs on
    with TilesSource(node.url + "/v1/tlog", token) as source:
        assert sync_from_tiles(ru, source).size == 14
    ru.close()


def test_a_tampered_copy_that_the_key_did_not_sign_is_no_fork(
    node: ServedNode, tmp_path: Path
) -> None:
    """Entries that do not hash to the signed root prove nothing against the log."""
    node.seed(10)
    ru = ru_workspace(tmp_path, node)
    with TilesSource(node.url + "/v1/tlog", ru_peer_token(node, ru)) as source:
        sync_from_tiles(ru, source)
    assert node.submit(stream("US", 4, first=11)).status_code == 200
    copy = tmp_path / "copy"
    export(node, copy)
    bundle = copy / "tile/entries/000.p/14"
    bundle.write_bytes(bundle.read_bytes()[:-1] + b"!")
    evidence_dir = tmp_path / "evidence"
    with TilesSource(str(copy)) as source, pytest.raises(PeerVerificationFailed, match="root"):
        sync_from_tiles(ru, source, evidence_dir=evidence_dir)
    assert not evidence_dir.exists()
    ru.close()

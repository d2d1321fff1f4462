"""``log export-tiles``: the static tree Go's TileHashReader reads from disk like the node's
own routes; incremental (only new tiles, checkpoint last), refusing a directory of another
log; ``--hashes-only`` leaves the notifications out."""

from __future__ import annotations

from pathlib import Path

from factory import stream
from gocheck import GoChecker
from node.harness import ServedNode
from treatyledger.cli import main
from treatyledger.node.auth import Role
from treatyledger.node.keys import log_signer


def export(node: ServedNode, directory: Path, *extra: str) -> int:
    return main(["log", "export-tiles", "-w", str(node.workspace.path), str(directory), *extra])


def test_exported_tree_is_read_by_go_and_matches_the_node(
    node: ServedNode, tlogcheck: GoChecker, tmp_path: Path
) -> None:
    vkey = str(log_signer("US", node.workspace.signing_key).verifier_key())
    out = tmp_path / "tiles"
    node.seed(40)
    assert export(node, out) == 0
    (tmp_path / "old.note").write_text((out / "checkpoint").read_text())
    first = {p.relative_to(out): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert node.submit(stream("US", 260, first=41)).status_code == 200
    assert export(node, out) == 0

    # unchanged files were not rewritten; the size-40 partial tiles stay for old readers
    later = {p.relative_to(out): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    for path, mtime in first.items():
        if path.name != "checkpoint":
            assert later[path] == mtime, path
    assert Path("tile/0/000.p/40") in later and Path("tile/0/001.p/44") in later

    result = tlogcheck.json(
        "tiles", "-base", str(out), "-vkey", vkey, "-old", str(tmp_path / "old.note"),
        "-record", "7", "-record", "299",
    )  # fmt: skip
    assert (result["checkpoint"]["size"], result["entries"]) == (300, 300)
    peer = node.client(Role.PEER)
    for path in ["tile/0/000", "tile/0/001.p/44", "tile/1/000.p/1", "tile/entries/001.p/44"]:
        assert (out / path).read_bytes() == peer.get(f"/v1/tlog/{path}").content, path
    ours = peer.get("/v1/log/proof/inclusion", params={"index": 299, "size": 300}).json()
    assert result["record_proofs"]["299"] == ours["proof"]


def test_hashes_only_leaves_the_notifications_out(node: ServedNode, tmp_path: Path) -> None:
    node.seed(5)
    assert export(node, tmp_path / "public", "--hashes-only") == 0
    assert (tmp_path / "public" / "tile/0/000.p/5").is_file()
    assert not (tmp_path / "public" / "tile/entries").exists()


def test_a_directory_of_another_log_is_refused(
    node: ServedNode, tmp_path: Path, capsys: object
) -> None:
    node.seed(5)
    out = tmp_path / "tiles"
    assert export(node, out) == 0
    (out / "checkpoint").write_text((out / "checkpoint").read_text().replace("\n5\n", "\n4\n"))
    assert export(node, out) != 0

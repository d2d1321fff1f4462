"""The node's log as C2SP tlog-tiles over real HTTP, read by Go's reference code
(golang.org/x/mod/sumdb/tlog TileHashReader over the node's tiles, note.Open on its
checkpoint): the tree hash, every entry against its tile hash, record and tree proofs equal
to the node's own proofs; plus the role rules (hash tiles for everyone, entry bundles never
for observers or witnesses) and the caching headers."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from factory import stream
from gocheck import GoChecker
from node.harness import ServedNode
from treatyledger.node.auth import Role
from treatyledger.node.keys import log_signer
from treatyledger.tlog.c2sp_tiles import decode_entry_bundle
from treatyledger.tlog.cosignature import cosignature_line
from treatyledger.tlog.note import parse_note

PREFIX = "/v1/tlog"


def log_vkey(node: ServedNode) -> str:
    return str(log_signer(node.workspace.party, node.workspace.signing_key).verifier_key())


def test_go_tile_hash_reader_reads_the_node(
    node: ServedNode, tlogcheck: GoChecker, tmp_path: Path
) -> None:
    node.seed(100)
    owner = node.client(Role.OWNER)
    old = owner.get(f"{PREFIX}/checkpoint")
    assert old.status_code == 200 and old.headers["content-type"].startswith("text/plain")
    (tmp_path / "old.note").write_text(old.text)
    response = node.submit(stream("US", 200, first=101))
    assert response.status_code == 200, response.text

    out = tlogcheck.json(
        "tiles",
        "-base", node.url + PREFIX,
        "-token", node.tokens[Role.PEER],
        "-vkey", log_vkey(node),
        "-old", str(tmp_path / "old.note"),
        "-record", "0", "-record", "255", "-record", "256", "-record", "299",
    )  # fmt: skip
    assert out["checkpoint"]["size"] == 300 and out["entries"] == 300
    for index, proof in out["record_proofs"].items():
        ours = owner.get("/v1/log/proof/inclusion", params={"index": index, "size": 300}).json()
        assert proof == ours["proof"], index
    ours = owner.get("/v1/log/proof/consistency", params={"first": 100, "second": 300}).json()
    assert out["tree_proof"] == {"old": 100, "proof": ours["proof"]}


def test_go_note_open_verifies_checkpoint_and_cosignature(
    node: ServedNode, tlogcheck: GoChecker
) -> None:
    node.seed(3)
    peer = node.client(Role.PEER)
    note = peer.get(f"{PREFIX}/checkpoint").text
    text = parse_note(note).text
    line = cosignature_line(node.cosigners[Role.PEER], text, 1_700_000_000)
    answer = peer.post("/v1/log/cosignatures", json={"checkpoint": text, "cosignature": line})
    assert answer.status_code == 200, answer.text
    cosigned = peer.get(f"{PREFIX}/checkpoint").text
    cosigner = str(node.cosigners[Role.PEER].verifier_key())
    out = tlogcheck.json("note", "-vkey", log_vkey(node), "-vkey", cosigner, stdin=cosigned)
    assert out["text"] == text and len(out["verified"]) == 2
    alone = tlogcheck.json("note", "-vkey", log_vkey(node), stdin=cosigned)
    assert (len(alone["verified"]), alone["unverified"]) == (1, 1)
    forged = cosigned.replace(line.strip()[-8:], "AAAAAAA=")
    assert tlogcheck.run(
        "note", "-vkey", log_vkey(node), "-vkey", cosigner, stdin=forged
    ).returncode


def test_tiles_match_go_paths_and_the_log(node: ServedNode, tlogcheck: GoChecker) -> None:
    node.seed(260)
    go_paths = tlogcheck.run("paths", stdin="0 0 256\n0 1 4\n1 0 1\n-1 1 4\n").stdout.split()
    assert go_paths == ["tile/0/000", "tile/0/001.p/4", "tile/1/000.p/1", "tile/entries/001.p/4"]
    peer = node.client(Role.PEER)
    leaf_hash = peer.get("/v1/log/proof/inclusion", params={"index": 257, "size": 260}).json()
    tile = peer.get(f"{PREFIX}/tile/0/001.p/4")
    assert tile.content[32:64] == base64.b64decode(leaf_hash["leaf_hash"])
    bundle = decode_entry_bundle(peer.get(f"{PREFIX}/tile/entries/001.p/4").content, 4)
    entry = peer.get("/v1/log/entries", params={"start": 257, "end": 258}).json()["entries"][0]
    assert bundle[1] == base64.b64decode(entry["leaf"])
    # a partial tile of an earlier size is a prefix of the later one
    assert peer.get(f"{PREFIX}/tile/0/001.p/2").content == tile.content[:64]


def test_caching_headers(node: ServedNode) -> None:
    node.seed(3)
    peer = node.client(Role.PEER)
    assert peer.get(f"{PREFIX}/checkpoint").headers["cache-control"] == "max-age=2"
    assert "immutable" in peer.get(f"{PREFIX}/tile/0/000.p/3").headers["cache-control"]
    entries = peer.get(f"{PREFIX}/tile/entries/000.p/3").headers["cache-control"]
    assert entries.startswith("private") and "immutable" in entries
    assert node.submit(stream(node.workspace.party, 256, first=4)).status_code == 200
    full = node.client().get(f"{PREFIX}/tile/0/000")  # a full tile, public and final
    assert full.status_code == 200 and len(full.content) == 256 * 32
    assert full.headers["cache-control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/000.p/4",
        "tile/0/000",
        "tile/1/000.p/1",
        "tile/0/00",
        "tile/64/000",
        "tile/0/x000/001",
    ],
)
def test_tiles_the_log_has_not_reached_or_bad_paths_are_404(node: ServedNode, path: str) -> None:
    node.seed(3)
    response = node.client(Role.PEER).get(f"{PREFIX}/{path}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("role", list(Role))
def test_role_rules_hash_tiles_for_all_entries_item_level_only(
    node: ServedNode, role: Role
) -> None:
    node.seed(3)
    client = node.client(role)
    assert client.get(f"{PREFIX}/checkpoint").status_code == 200
    assert client.get(f"{PREFIX}/tile/0/000.p/3").status_code == 200
    expected = 200 if role in (Role.OWNER, Role.PEER, Role.INSPECTOR) else 403
    assert client.get(f"{PREFIX}/tile/entries/000.p/3").status_code == expected
    anyone = node.client()  # no token: hash tiles and the checkpoint are public
    assert (
        anyone.get(f"{PREFIX}/tile/0/000.p/3").content
        == client.get(f"{PREFIX}/tile/0/000.p/3").content
    )
    assert anyone.get(f"{PREFIX}/checkpoint").status_code == 200
    assert anyone.get(f"{PREFIX}/tile/entries/000.p/3").status_code == 401

"""What the peer sync refuses from a node that lies: entries that do not match the signed
tree, a checkpoint signed by another key, and a correctly logged but invalid notification.
The lying node is played by an in-memory log behind the PeerClient interface."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from node.streams import signed, stream
from treatyledger.ledger import leaf_bytes
from treatyledger.node.keys import log_signer
from treatyledger.node.mirror import MirrorRejected
from treatyledger.node.peer import PeerClient, PeerEntry, PeerVerificationFailed, sync_peer
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.checkpoint import Checkpoint, origin_for_party, sign_checkpoint
from treatyledger.tlog.memory import MemoryLog


class LyingPeer(PeerClient):
    def __init__(self, key: Ed25519PrivateKey, records: list[dict[str, Any]]):
        self.key = key
        self.leaves = [leaf_bytes(r) for r in records]
        self.tree = MemoryLog()
        self.tree.append_many(self.leaves)
        self.served = list(self.leaves)  # what entries() hands out (may differ from the tree)
        self.cosigned: list[str] = []

    def close(self) -> None:
        pass

    def health(self) -> dict[str, Any]:
        return {"party": "US"}

    def checkpoint(self) -> str:
        checkpoint = Checkpoint(origin_for_party("US"), self.tree.size, self.tree.root())
        return sign_checkpoint(checkpoint, log_signer("US", self.key))

    def consistency(self, first: int, second: int) -> list[bytes]:
        return self.tree.consistency_proof(first, second)

    def entries(self, start: int, end: int, tree_size: int) -> list[PeerEntry]:
        return [
            PeerEntry(i, self.served[i], self.served[i], self.tree.inclusion_proof(i, tree_size))
            for i in range(start, end)
        ]

    def cosign(self, checkpoint_text: str, line: str) -> dict[str, Any]:
        self.cosigned.append(line)
        return {}


@pytest.fixture
def ru(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.init(tmp_path / "ru", "RU") as workspace:
        yield workspace


US_KEY = Ed25519PrivateKey.generate()


def _register(ru: Workspace, key: Ed25519PrivateKey = US_KEY) -> None:
    raw = key.public_key().public_bytes_raw()
    ru.register_party_key("US", base64.b64encode(raw).decode())


def test_honest_in_memory_peer_is_synced_and_cosigned(ru: Workspace) -> None:
    _register(ru)
    peer = LyingPeer(US_KEY, signed(stream("US", 4), US_KEY))
    report = sync_peer(ru, "memory://us", "", client=peer)
    assert (report.size, report.replayed) == (4, 4)
    assert len(peer.cosigned) == 1


def test_entry_that_is_not_in_the_signed_tree_is_refused(ru: Workspace) -> None:
    _register(ru)
    records = signed(stream("US", 4), US_KEY)
    peer = LyingPeer(US_KEY, records)
    other = signed(stream("US", 4), US_KEY)
    other[2]["payload"]["items"][0]["uid"] = "US-WH-X"  # now unsigned content, too
    peer.served[2] = leaf_bytes(other[2])
    with pytest.raises(PeerVerificationFailed, match="entry 2 is not in the checkpoint"):
        sync_peer(ru, "memory://us", "", client=peer)
    assert peer.cosigned == []


def test_checkpoint_signed_by_another_key_is_refused(ru: Workspace) -> None:
    _register(ru)
    impostor = Ed25519PrivateKey.generate()
    peer = LyingPeer(impostor, signed(stream("US", 3), impostor))
    with pytest.raises(PeerVerificationFailed, match="not signed by any registered key"):
        sync_peer(ru, "memory://us", "", client=peer)
    assert peer.cosigned == []


def test_logged_but_invalid_notification_stops_the_sync_uncosigned(ru: Workspace) -> None:
    _register(ru)
    records = signed(stream("US", 3), US_KEY)
    records[2] = signed(stream("US", 1, first=5), US_KEY)[0]  # sequence 3 missing: a gap
    peer = LyingPeer(US_KEY, records)
    with pytest.raises(MirrorRejected, match=r"sequence\.gap"):
        sync_peer(ru, "memory://us", "", client=peer)
    assert peer.cosigned == []


def test_notification_signed_by_an_unregistered_key_is_rejected_by_the_mirror(
    ru: Workspace,
) -> None:
    _register(ru)
    records = signed(stream("US", 2), US_KEY)
    records[1] = signed(stream("US", 1, first=2), Ed25519PrivateKey.generate())[0]
    peer = LyingPeer(US_KEY, records)  # the log key is right; one notification's is not
    with pytest.raises(MirrorRejected, match="signature"):
        sync_peer(ru, "memory://us", "", client=peer)
    assert peer.cosigned == []

"""What the peer sync refuses from a node that lies: entries that do not match the signed
tree, a checkpoint signed by another key, and a correctly logged but invalid notification.
The lying node is played by an in-memory log behind the PeerClient interface. Each protocol
step of the sync is also tested alone."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from factory import signed, stream
from treatyledger.ledger import leaf_bytes
from treatyledger.node.errors import ForkDetected, MirrorRejected, PeerError, PeerVerificationFailed
from treatyledger.node.keys import cosigner_for, log_signer
from treatyledger.node.mirror import Mirror
from treatyledger.node.peer import (
    PeerLog,
    check_consistency,
    check_mirror_root,
    identify_peer,
    mirror_pages,
    sync_peer,
    verify_peer_checkpoint,
)
from treatyledger.node.peer_client import PeerClient, PeerEntry
from treatyledger.node.schemas import CosignResponse, Health
from treatyledger.store.peer_sync import PeerSync
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

    def health(self) -> Health:
        return Health(status="ok", party="US", version="test")

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

    def cosign(self, checkpoint_text: str, line: str) -> CosignResponse:
        self.cosigned.append(line)
        return CosignResponse(size=self.tree.size, cosigner="RU", timestamp=0, cosignatures=1)


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


# -- each protocol step alone -------------------------------------------------------------


def _log(ru: Workspace) -> PeerLog:
    _register(ru)
    return identify_peer(ru, "US", "memory://us")


def test_identify_peer_refuses_its_own_party_and_an_unregistered_one(ru: Workspace) -> None:
    with pytest.raises(PeerError, match="own party RU"):
        identify_peer(ru, "RU", "memory://ru")
    with pytest.raises(PeerError, match="no public key registered for party US"):
        identify_peer(ru, "US", "memory://us")
    assert _log(ru).origin == origin_for_party("US")


def test_verify_peer_checkpoint_alone(ru: Workspace) -> None:
    log = _log(ru)
    peer = LyingPeer(US_KEY, signed(stream("US", 3), US_KEY))
    verified = verify_peer_checkpoint(peer.checkpoint(), log)
    assert (verified.checkpoint.size, verified.checkpoint.root) == (3, peer.tree.root())
    impostor = LyingPeer(Ed25519PrivateKey.generate(), signed(stream("US", 3), US_KEY))
    with pytest.raises(PeerVerificationFailed, match="not signed by any registered key"):
        verify_peer_checkpoint(impostor.checkpoint(), log)


def test_check_consistency_alone_cosigns_an_extension_and_writes_evidence_of_a_fork(
    ru: Workspace, tmp_path: Path
) -> None:
    log = _log(ru)
    cosigner = cosigner_for("RU", ru.signing_key)
    records = signed(stream("US", 6), US_KEY)
    held = LyingPeer(US_KEY, records[:3])
    grown = LyingPeer(US_KEY, records)
    trusted = PeerSync(log.origin, "US", "memory://us", 3, None, held.checkpoint(), 3, None)
    new = verify_peer_checkpoint(grown.checkpoint(), log)
    line = check_consistency(new, trusted, cosigner, grown, grown, now=1, evidence_home=tmp_path)
    assert line.startswith("— ")
    other = signed(stream("US", 6), US_KEY)
    other[1]["payload"]["items"][0]["uid"] = "US-WH-FORK"
    forked = LyingPeer(US_KEY, other)
    with pytest.raises(ForkDetected) as fork:
        check_consistency(
            verify_peer_checkpoint(forked.checkpoint(), log),
            trusted,
            cosigner,
            forked,
            forked,
            now=1,
            evidence_home=tmp_path,
        )
    assert fork.value.evidence_path.parent == tmp_path and fork.value.evidence_path.exists()


def test_mirror_pages_alone_refuses_entries_out_of_order_and_replays_in_order(
    ru: Workspace,
) -> None:
    log = _log(ru)
    peer = LyingPeer(US_KEY, signed(stream("US", 5), US_KEY))
    tree = verify_peer_checkpoint(peer.checkpoint(), log).checkpoint
    mirror = Mirror(ru)

    class Shuffled:
        def entries(self, start: int, end: int, tree_size: int) -> list[PeerEntry]:
            return list(reversed(peer.entries(start, end, tree_size)))

    with pytest.raises(PeerVerificationFailed, match="peer sent indexes"):
        mirror_pages(Shuffled(), mirror, "US", 0, tree, page_size=2)
    ends: list[int] = []
    assert mirror_pages(peer, mirror, "US", 0, tree, page_size=2, mirrored_to=ends.append) == 5
    assert ends == [2, 4, 5]
    check_mirror_root(mirror, "US", tree)
    with pytest.raises(PeerVerificationFailed, match="below the 6 entries"):
        mirror_pages(peer, mirror, "US", 6, tree)


def test_check_mirror_root_alone_refuses_a_mirror_without_the_signed_tree(
    ru: Workspace,
) -> None:
    log = _log(ru)
    peer = LyingPeer(US_KEY, signed(stream("US", 2), US_KEY))
    tree = verify_peer_checkpoint(peer.checkpoint(), log).checkpoint
    with pytest.raises(PeerVerificationFailed, match="do not hash to the checkpoint root"):
        check_mirror_root(Mirror(ru), "US", tree)


def test_the_client_parses_answers_with_the_nodes_response_models() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/health":
            return httpx.Response(200, json={"status": "ok", "party": "US", "version": "1"})
        # a checkpoint answer without its note, and a field the schema does not have
        return httpx.Response(200, json={"origin": "x", "size": 1, "surprise": True})

    transport = httpx.Client(transport=httpx.MockTransport(answer), base_url="http://peer")
    with PeerClient("http://peer", "", client=transport) as client:
        assert client.health().party == "US"
        with pytest.raises(PeerError, match="off its schema"):
            client.checkpoint()

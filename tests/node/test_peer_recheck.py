"""`peer sync --recheck`: the entries already mirrored are fetched and verified again, each in
the peer's signed tree and byte for byte this workspace's copy, so a mirror changed in the
database after it was synced is caught (a plain sync only looks at new entries)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from factory import stream
from node.harness import served_node
from treatyledger.cli import main
from treatyledger.errors import ExitCode
from treatyledger.ledger import leaf_bytes
from treatyledger.node.auth import Role
from treatyledger.node.errors import PeerVerificationFailed
from treatyledger.node.integrity import audit_store
from treatyledger.node.peer import sync_peer
from treatyledger.store.workspace import Workspace


@pytest.fixture
def ru(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.init(tmp_path / "ru", "RU") as workspace:
        yield workspace


def forge_mirrored(ru: Workspace, sequence: int, *, leaf_too: bool) -> None:
    with ru.engine.begin() as conn:
        signed = bytes(
            conn.execute(
                text(
                    "SELECT signed_bytes FROM ledger_notifications "
                    "WHERE party = 'US' AND sequence = :s"
                ),
                {"s": sequence},
            ).scalar_one()
        )
        record = json.loads(signed)
        record["issued_time"] = record["effective_time"]
        forged = leaf_bytes(record)
        conn.execute(
            text(
                "UPDATE ledger_notifications SET signed_bytes = :b "
                "WHERE party = 'US' AND sequence = :s"
            ),
            {"b": forged, "s": sequence},
        )
        if leaf_too:
            conn.execute(
                text(
                    "UPDATE tlog_leaves SET leaf = :b WHERE idx = :i AND log = "
                    "(SELECT id FROM tlog_logs WHERE origin = 'treatyledger.example/US')"
                ),
                {"b": forged, "i": sequence - 1},
            )


@pytest.mark.parametrize("leaf_too", [False, True], ids=["notification", "notification+leaf"])
def test_recheck_catches_a_mirror_changed_after_its_sync(
    tmp_path: Path, ru: Workspace, leaf_too: bool
) -> None:
    with served_node(tmp_path / "us", peer_key=ru.signing_key) as us:
        us.seed(5)
        ru.register_party_key("US", us.workspace.public_key)
        token = us.tokens[Role.PEER]
        sync_peer(ru, us.url, token)
        assert sync_peer(ru, us.url, token, recheck=True).rechecked == 5
        forge_mirrored(ru, 3, leaf_too=leaf_too)
        assert sync_peer(ru, us.url, token).replayed == 0  # new entries only: not seen
        with pytest.raises(PeerVerificationFailed, match=r"copy of entry 2 .* not what the peer"):
            sync_peer(ru, us.url, token, recheck=True)
    # and the workspace's own audit names the mirrored row (the peer's key does not sign it)
    report, _state = audit_store(ru.engine, ru.rules)
    assert report.first is not None
    assert report.first.where == "US#3"
    assert ("notification.signature", "US#3") in {(f.rule, f.where) for f in report.findings}


def test_the_audit_checks_the_trusted_checkpoint_of_a_mirror(tmp_path: Path, ru: Workspace) -> None:
    with served_node(tmp_path / "us", peer_key=ru.signing_key) as us:
        us.seed(4)
        ru.register_party_key("US", us.workspace.public_key)
        sync_peer(ru, us.url, us.tokens[Role.PEER])
    assert audit_store(ru.engine, ru.rules)[0].ok
    with ru.engine.begin() as conn:
        conn.execute(text("UPDATE node_peer_sync SET root_hash = :r"), {"r": b"\x03" * 32})
    first = audit_store(ru.engine, ru.rules)[0].first
    assert first is not None
    assert (first.rule, first.where) == ("mirror.checkpoint", "mirror treatyledger.example/US")


def test_recheck_is_refused_for_a_tiles_sync(
    ru: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["peer", "sync", "-w", str(ru.path), "--tiles", str(tmp_path), "--recheck"])
    assert code == ExitCode.MALFORMED
    assert "--recheck works with --peer" in capsys.readouterr().err


def test_a_node_rolled_back_to_an_older_copy_is_caught_by_the_peer(
    tmp_path: Path, ru: Workspace
) -> None:
    """The older copy is sound in itself (its audit passes): the peer, which cosigned more,
    is what catches it."""
    import sqlite3

    us_path = tmp_path / "us"
    with served_node(us_path, peer_key=ru.signing_key) as us:
        us.seed(3)
        with (
            sqlite3.connect(us_path / "ledger.db") as live,
            sqlite3.connect(tmp_path / "older.db") as older,
        ):
            live.backup(older)
        ru.register_party_key("US", us.workspace.public_key)
        assert us.submit(stream("US", 2, first=4)).status_code == 200
        assert sync_peer(ru, us.url, us.tokens[Role.PEER]).size == 5
    for suffix in ("-wal", "-shm"):
        (us_path / f"ledger.db{suffix}").unlink(missing_ok=True)
    (tmp_path / "older.db").replace(us_path / "ledger.db")
    with served_node(us_path, peer_key=ru.signing_key) as us:
        assert us.app.state.integrity.ok  # nothing inside the copy gives it away
        with pytest.raises(PeerVerificationFailed):
            sync_peer(ru, us.url, us.tokens[Role.PEER])

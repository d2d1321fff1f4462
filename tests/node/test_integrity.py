"""A node trusts nothing it stored: it audits its store at start, and a store that fails
serves no data (503, no internals) unless started for forensic use, read-only. `serve`
refuses to start (exit 4) and names the first bad entry."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from factory import count_verified_signatures, stream
from node.harness import served_node
from treatyledger.cli import main
from treatyledger.errors import ExitCode
from treatyledger.ledger import leaf_bytes
from treatyledger.node.auth import Role
from treatyledger.node.integrity import READ_ONLY, REFUSED
from treatyledger.store.workspace import Workspace


def forge_second_notification(path: Path, db_url: str | None = None) -> None:
    """Rewrite US#2 as a database attacker would: new bytes, hash and leaf, no signature."""
    with Workspace.open(path, db_url=db_url) as ws, ws.engine.begin() as conn:
        signed = bytes(
            conn.execute(
                text("SELECT signed_bytes FROM ledger_notifications WHERE sequence = 2")
            ).scalar_one()
        )
        record = json.loads(signed)
        record["issued_time"] = record["effective_time"]
        forged = leaf_bytes(record)
        conn.execute(
            text(
                "UPDATE ledger_notifications SET signed_bytes = :b, content_hash = :h "
                "WHERE sequence = 2"
            ),
            {"b": forged, "h": hashlib.sha256(forged).hexdigest()},
        )
        conn.execute(text("UPDATE tlog_leaves SET leaf = :b WHERE idx = 1"), {"b": forged})


def seeded(path: Path, db_url: str | None = None) -> None:
    with served_node(path, db_url=db_url) as node:
        node.seed(3)


def test_a_sound_store_is_served(tmp_path: Path) -> None:
    seeded(tmp_path / "ws")
    with served_node(tmp_path / "ws") as node:
        assert node.client(Role.OWNER).get("/v1/inventory").status_code == 200
        assert node.app.state.integrity.ok


def test_a_tampered_store_serves_nothing_but_health(db_url: str, tmp_path: Path) -> None:
    seeded(tmp_path / "ws", db_url)
    forge_second_notification(tmp_path / "ws", db_url)
    with served_node(tmp_path / "ws", db_url=db_url) as node:
        owner, observer = node.client(Role.OWNER), node.client(Role.OBSERVER)
        assert node.client().get("/v1/health").status_code == 200
        for response in (
            owner.get("/v1/inventory"),
            owner.get("/v1/counts"),
            observer.get("/v1/public/summary"),
            node.client().get("/v1/tlog/checkpoint"),
            node.submit(stream("US", 1, first=4)),
        ):
            assert response.status_code == 503
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["detail"] == REFUSED  # no finding, no SQL
        assert node.app.state.integrity.first.where == "US#2"


def test_forensic_use_serves_reads_and_refuses_writes(tmp_path: Path) -> None:
    seeded(tmp_path / "ws")
    forge_second_notification(tmp_path / "ws")
    with served_node(tmp_path / "ws", forensic=True) as node:
        assert node.client(Role.OWNER).get("/v1/log/checkpoint").status_code == 200
        refused = node.submit(stream("US", 1, first=4))
        assert refused.status_code == 503
        assert refused.json()["detail"] == READ_ONLY


def test_serve_refuses_a_tampered_store_with_exit_4_naming_the_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded(tmp_path / "ws")
    forge_second_notification(tmp_path / "ws")
    code = main(["serve", "-w", str(tmp_path / "ws"), "--port", "0"])
    err = capsys.readouterr().err
    assert code == ExitCode.UNAVAILABLE
    assert "refusing to serve party US" in err
    assert "US#2" in err
    assert "--forensic" in err
    assert "Traceback" not in err


@pytest.fixture
def verified(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sequence numbers whose signature the ledger state verified (pool off)."""
    return count_verified_signatures(monkeypatch)


def test_start_from_a_snapshot_verifies_no_stored_signature(
    tmp_path: Path, verified: list[int]
) -> None:
    seeded(tmp_path / "ws")  # the node writes a snapshot as it stops
    verified.clear()  # the submissions' own checks
    with served_node(tmp_path / "ws") as node:
        assert node.app.state.integrity.ok
        assert node.app.state.integrity.snapshot_through == {"US": 3}
        assert verified == []
        assert node.client(Role.OWNER).get("/v1/inventory").status_code == 200


def test_full_audit_at_start_verifies_every_stored_signature(
    tmp_path: Path, verified: list[int]
) -> None:
    seeded(tmp_path / "ws")
    verified.clear()
    with served_node(tmp_path / "ws", full_audit=True) as node:
        assert node.app.state.integrity.ok
        assert verified == [1, 2, 3]


def test_serve_full_audit_runs_the_full_audit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], verified: list[int]
) -> None:
    seeded(tmp_path / "ws")
    forge_second_notification(tmp_path / "ws")
    verified.clear()
    code = main(["serve", "-w", str(tmp_path / "ws"), "--port", "0", "--full-audit"])
    err = capsys.readouterr().err
    assert code == ExitCode.UNAVAILABLE
    assert "failed the audit at US#2" in err
    assert verified == [1, 2, 3]  # US#2's forged bytes are replayed too, and fail
    verified.clear()
    code = main(["serve", "-w", str(tmp_path / "ws"), "--port", "0"])
    assert code == ExitCode.UNAVAILABLE
    assert "failed the start-up check at US#2" in capsys.readouterr().err
    assert verified == []  # every row is before the snapshot: matched to its leaf only

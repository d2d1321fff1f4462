"""The node's CLI: principals (token printed once, stored hashed), and clear one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from treatyledger.cli import main
from treatyledger.errors import ExitCode
from treatyledger.node.auth import hash_token
from treatyledger.store.node_tables import Principal
from treatyledger.store.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    Workspace.init(tmp_path / "us", "US").close()
    return tmp_path / "us"


def test_principal_add_prints_the_token_once_and_stores_its_hash(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["principal", "add", "-w", str(workspace), "ru-office", "--role", "peer"]) == 0
    token = capsys.readouterr().out.strip()
    assert re.fullmatch(r"tl_[A-Za-z0-9_-]{43}", token)
    with Workspace.open(workspace) as ws, ws.engine.connect() as conn:
        stored = conn.execute(select(Principal.name, Principal.role, Principal.token_hash)).one()
    assert tuple(stored) == ("ru-office", "peer", hash_token(token))
    assert main(["principal", "list", "-w", str(workspace)]) == 0
    listing = capsys.readouterr().out
    assert "ru-office" in listing and token not in listing


def test_unknown_role_is_a_one_line_error(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["principal", "add", "-w", str(workspace), "x", "--role", "admin"])
        == ExitCode.MALFORMED
    )
    err = capsys.readouterr().err
    assert "unknown role 'admin'" in err and "Traceback" not in err


def test_duplicate_principal_is_refused(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["principal", "add", "-w", str(workspace), "x", "--role", "observer"]
    assert main(argv) == 0
    assert main(argv) == ExitCode.MALFORMED
    assert "already exists" in capsys.readouterr().err


def test_malformed_verifier_key_is_refused(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["principal", "add", "-w", str(workspace), "w", "--role", "witness", "--vkey", "nope"]
    )
    assert code == ExitCode.MALFORMED
    assert "--vkey" in capsys.readouterr().err


def test_peer_trust_registers_the_key_and_prints_this_partys_cosigner_key(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from treatyledger.node.keys import cosigner_vkey
    from treatyledger.tlog.verifier import parse_vkey

    with Workspace.init(tmp_path / "ru", "RU") as ru:
        ru_key = ru.public_key
    assert main(["peer", "trust", "-w", str(workspace), "RU", ru_key]) == 0
    captured = capsys.readouterr()
    with Workspace.open(workspace) as us:
        assert list(us.party_keys("RU").values()) == [ru_key]
        own = str(cosigner_vkey("US", us.public_key))
    assert own in captured.err
    assert parse_vkey(own).name == "treatyledger.example/US"

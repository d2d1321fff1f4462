"""Workspace files that hold secrets (issue 13, item 6): the directory 0700; the signing key,
the database (with its WAL and shared-memory files) and config.toml 0600, from creation on
and whatever the umask; a workspace made looser (or before this rule) is tightened on open."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from factory import signed, stream
from treatyledger.cli import main
from treatyledger.store.ledger_store import open_ledger
from treatyledger.store.workspace import Workspace


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The loosest umask: any mode we get is the one we asked for."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_init_writes_every_secret_file_private(tmp_path: Path, open_umask: None) -> None:
    root = tmp_path / "us"
    assert main(["init", "-w", str(root), "--party", "US"]) == 0
    with Workspace.open(root) as workspace:  # write, so SQLite makes its -wal and -shm
        open_ledger(workspace).submit(signed(stream("US", 2), workspace.signing_key))
        secrets = [root / "signing_key.pem", root / "ledger.db", root / "config.toml"]
        secrets += [root / "ledger.db-wal", root / "ledger.db-shm"]
        for path in secrets:
            assert path.exists(), path
            assert _mode(path) == 0o600, (path, oct(_mode(path)))
    assert _mode(root) == 0o700


def test_a_loose_workspace_is_tightened_when_opened(tmp_path: Path) -> None:
    root = tmp_path / "us"
    Workspace.init(root, "US").close()
    root.chmod(0o755)
    for name in ("ledger.db", "config.toml"):
        (root / name).chmod(0o644)
    Workspace.open(root).close()
    assert _mode(root) == 0o700
    assert _mode(root / "ledger.db") == 0o600 and _mode(root / "config.toml") == 0o600


def test_init_into_an_existing_directory_takes_its_group_and_other_bits(tmp_path: Path) -> None:
    root = tmp_path / "shared"
    root.mkdir(mode=0o755)
    root.chmod(0o755)
    Workspace.init(root, "US").close()
    assert _mode(root) == 0o700

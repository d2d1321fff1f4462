"""Fixtures of the store suite: a migrated engine and a workspace on each backend, its ledger
and a notifier."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from factory import Notifier
from treatyledger.store import signature_pool
from treatyledger.store.base import make_engine
from treatyledger.store.ledger_store import LedgerStore, open_ledger
from treatyledger.store.migrate import upgrade
from treatyledger.store.workspace import Workspace


@pytest.fixture
def workspace(db_url: str, tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.init(tmp_path / "ws", "US", db_url=db_url) as ws:
        yield ws


@pytest.fixture
def ledger_store(workspace: Workspace) -> LedgerStore:
    return open_ledger(workspace)


@pytest.fixture
def us(workspace: Workspace) -> Notifier:
    return Notifier(workspace.signing_key, "US")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The verification pool with two workers, fresh for the test and shut down after it."""
    monkeypatch.setenv("TREATYLEDGER_VERIFY_WORKERS", "2")
    signature_pool.shutdown()
    yield
    signature_pool.shutdown()

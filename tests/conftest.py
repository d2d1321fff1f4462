"""Shared fixtures: reference data paths and database URLs for both store backends."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from gocheck import GoChecker, build
from pg import fresh_database, postgres_reachable

FIXTURES = Path(__file__).parent / "fixtures"

_pg_ok: bool | None = None


def _require_postgres() -> None:
    global _pg_ok
    if _pg_ok is None:
        _pg_ok = postgres_reachable()
    if not _pg_ok:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432 and CI=true")
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432")


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test."""
    _require_postgres()
    with fresh_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The store suite runs once per backend: an SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        _require_postgres()
        with fresh_database() as url:
            yield url


@pytest.fixture(scope="session")
def tlogcheck(tmp_path_factory: pytest.TempPathFactory) -> GoChecker:
    """Go's golang.org/x/mod/sumdb/tlog and note, built from tests/interop/go/tlogcheck."""
    return GoChecker(build(tmp_path_factory.mktemp("go")))

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from browser.harness import chromium
from browser.scenario import Scenario, two_nodes
from pg import fresh_database, postgres_reachable


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Module scope, not session: Playwright's sync API keeps an event loop running in this
    # thread while it is open, and the next module on the same worker may call asyncio.run().
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def scenario(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scenario]:
    """The two-node scenario with the US node on SQLite, then on PostgreSQL."""
    with ExitStack() as stack:
        db_url = None
        if request.param == "postgresql":
            if not postgres_reachable():
                if os.environ.get("CI") == "true":
                    pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432 and CI=true")
                pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432")
            db_url = stack.enter_context(fresh_database())
        root = tmp_path_factory.mktemp(f"dash-{request.param}")
        yield stack.enter_context(two_nodes(root, db_url))


@pytest.fixture(scope="module")
def sqlite_scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    """The two-node scenario on SQLite only (for the checks that do not touch storage)."""
    with two_nodes(tmp_path_factory.mktemp("dash-sqlite")) as made:
        yield made

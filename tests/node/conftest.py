from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from node.harness import Clock, ServedNode, served_node
from treatyledger.node.recount import Recounts


@pytest.fixture
def node(tmp_path: Path) -> Iterator[ServedNode]:
    """The US node on SQLite, served over HTTP, with one principal per role."""
    with served_node(tmp_path / "us") as served:
        yield served


@pytest.fixture
def lagging(tmp_path: Path) -> Iterator[tuple[ServedNode, Clock]]:
    """A US node of four notifications whose views recount on a clock the test moves."""
    clock = Clock()
    with served_node(tmp_path / "us", recounts=Recounts(lag=True, clock=clock)) as served:
        served.seed(4)
        yield served, clock

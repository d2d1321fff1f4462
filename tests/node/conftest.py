from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from node.harness import ServedNode, served_node


@pytest.fixture
def node(tmp_path: Path) -> Iterator[ServedNode]:
    """The US node on SQLite, served over HTTP, with one principal per role."""
    with served_node(tmp_path / "us") as served:
        yield served

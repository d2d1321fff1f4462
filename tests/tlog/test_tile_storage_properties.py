"""Hypothesis: any sequence of append batches gives the SQL tile store the same roots and
proofs as the in-memory log (partial tiles extended, tiles completed and promoted)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from treatyledger.store.base import make_engine
from treatyledger.store.migrate import upgrade
from treatyledger.store.tlog_audit import audit
from treatyledger.store.tlog_store import TlogReader, append_durably
from treatyledger.tlog.memory import MemoryLog

_logs = itertools.count()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("tiles") / "tiles.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    yield engine
    engine.dispose()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(1, 700), min_size=1, max_size=6), st.data())
def test_any_batch_sequence_matches_the_memory_log(
    engine: Engine, batches: list[int], data: st.DataObject
) -> None:
    log_id = f"tiles.example/{next(_logs)}"
    memory = MemoryLog()
    for batch in batches:
        leaves = [f"{log_id} {memory.size + i}".encode() for i in range(batch)]
        assert append_durably(engine, log_id, leaves) == memory.size
        memory.append_many(leaves)
    size = data.draw(st.integers(1, memory.size))
    index = data.draw(st.integers(0, size - 1))
    with engine.connect() as conn:
        reader = TlogReader(conn, log_id)
        assert reader.root(size) == memory.root(size)
        assert reader.inclusion_proof(index, size) == memory.inclusion_proof(index, size)
        assert reader.consistency_proof(index + 1, size) == memory.consistency_proof(
            index + 1, size
        )
        assert audit(conn, log_id).ok

"""Durable transparency logs on both backends: tiles, proofs for past sizes, checkpoints,
cosignatures, transactions, and the audit that catches a tampered row."""

from __future__ import annotations

import random
import sqlite3
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, event, text

import treatyledger.store.tables  # noqa: F401
from tlog.keys import LOG_ORIGIN, LOG_SIGNER, WITNESS_A  # tests/ is on sys.path (conftest)
from treatyledger.store.base import SQLITE_PAGE_SIZE, Base, make_engine
from treatyledger.store.errors import TlogStoreError
from treatyledger.store.migrate import upgrade
from treatyledger.store.tlog_audit import audit
from treatyledger.store.tlog_store import (
    TlogReader,
    add_cosignature,
    append_durably,
    append_leaves,
    latest_checkpoint,
    log_size,
    publish_checkpoint,
)
from treatyledger.tlog.cosignature import cosignature_line
from treatyledger.tlog.errors import EntryError
from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.note import parse_note
from treatyledger.tlog.verifier import (
    RFC6962,
    verify_checkpoint,
    verify_consistency,
    verify_inclusion,
)

LOG = LOG_ORIGIN


def entries(start: int, count: int) -> list[bytes]:
    return [f"notification {i}".encode() for i in range(start, start + count)]


def test_migration_creates_exactly_the_declared_tlog_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if "tlog_" in str(d)] == []


def test_appends_return_consecutive_first_indices(engine: Engine) -> None:
    assert append_durably(engine, LOG, entries(0, 3)) == 0
    assert append_durably(engine, LOG, entries(3, 2)) == 3
    with engine.connect() as conn:
        assert log_size(conn, LOG) == 5


def test_append_rolled_back_with_the_callers_transaction_leaves_nothing(engine: Engine) -> None:
    append_durably(engine, LOG, entries(0, 3))
    with pytest.raises(RuntimeError), engine.begin() as conn:
        append_leaves(conn, LOG, entries(3, 300))
        raise RuntimeError("the caller's notification failed validation")
    with engine.connect() as conn:
        reader = TlogReader(conn, LOG)
        assert reader.size == 3
        assert audit(conn, LOG).ok


def test_leaf_over_64_kib_is_refused(engine: Engine) -> None:
    with pytest.raises(EntryError), engine.begin() as conn:
        append_leaves(conn, LOG, [b"x" * (64 * 1024 + 1)])


def test_roots_and_proofs_for_past_sizes_match_the_memory_log(engine: Engine) -> None:
    memory = MemoryLog()
    rng = random.Random(4)
    for batch in [1, 2, 253, 1, 65_280, 300, 7]:  # crosses tile levels 0, 1 and 2
        leaves = entries(memory.size, batch)
        assert append_durably(engine, LOG, leaves) == memory.size
        memory.append_many(leaves)
    with engine.connect() as conn:
        reader = TlogReader(conn, LOG)
        for size in [1, 255, 256, 257, 65_536, 65_537, memory.size]:
            assert reader.root(size) == memory.root(size)
        for _ in range(60):
            size = rng.randint(1, memory.size)
            index = rng.randrange(size)
            proof = reader.inclusion_proof(index, size)
            assert proof == memory.inclusion_proof(index, size)
            verify_inclusion(
                RFC6962, index, size, reader.leaf_hash(index), proof, memory.root(size)
            )
            size1 = rng.randint(1, size)
            proof = reader.consistency_proof(size1, size)
            verify_consistency(RFC6962, size1, size, proof, memory.root(size1), memory.root(size))


def test_a_proof_for_a_past_size_is_one_query(engine: Engine) -> None:
    append_durably(engine, LOG, entries(0, 5000))
    statements: list[str] = []
    with engine.connect() as conn:
        reader = TlogReader(conn, LOG, cached_tiles=0)
        event.listen(conn, "before_cursor_execute", lambda *args: statements.append(args[2]))
        reader.inclusion_proof(1234, 4321)
        assert len(statements) == 1
        reader.consistency_proof(999, 4321)
        assert len(statements) == 2
        reader.root(3000)
        assert len(statements) == 3
        # what the node answers for an entry: its leaf hash and proof, one read, not two
        leaf, proof = reader.leaf_and_inclusion_proof(1234, 4321)
    assert len(statements) == 4
    memory = MemoryLog()
    memory.append_many(entries(0, 5000))
    assert leaf == RFC6962.hash_leaf(entries(1234, 1)[0])
    assert proof == memory.inclusion_proof(1234, 4321)


def test_published_checkpoint_verifies_and_carries_cosignatures(engine: Engine) -> None:
    append_durably(engine, LOG, entries(0, 10))
    with engine.begin() as conn:
        note = publish_checkpoint(conn, LOG, LOG_SIGNER)
        line = cosignature_line(WITNESS_A, parse_note(note).text, 1_700_000_000)
        add_cosignature(conn, LOG, 10, line, WITNESS_A.verifier_key())
    with engine.connect() as conn:
        stored = latest_checkpoint(conn, LOG)
        root = TlogReader(conn, LOG).root()
    assert stored is not None
    verified = verify_checkpoint(stored, LOG_SIGNER.verifier_key(), [WITNESS_A.verifier_key()])
    assert verified.checkpoint.root == root
    assert [c.timestamp for c in verified.cosignatures] == [1_700_000_000]


def test_cosignature_on_another_checkpoint_is_refused(engine: Engine) -> None:
    append_durably(engine, LOG, entries(0, 10))
    with engine.begin() as conn:
        note = publish_checkpoint(conn, LOG, LOG_SIGNER)
    append_durably(engine, LOG, entries(10, 1))
    with engine.begin() as conn:
        publish_checkpoint(conn, LOG, LOG_SIGNER)
        line = cosignature_line(WITNESS_A, parse_note(note).text, 5)
        with pytest.raises(TlogStoreError, match="invalid signature"):
            add_cosignature(conn, LOG, 11, line, WITNESS_A.verifier_key())


def _published(engine: Engine, count: int) -> None:
    for start in range(0, count, 700):
        append_durably(engine, LOG, entries(start, min(700, count - start)))
        with engine.begin() as conn:
            publish_checkpoint(conn, LOG, LOG_SIGNER)


def test_audit_of_an_untouched_log_is_clean(engine: Engine) -> None:
    _published(engine, 3000)
    with engine.connect() as conn:
        report = audit(conn, LOG, LOG_SIGNER.verifier_key())
    assert report.ok, report.problems
    assert (report.leaves_checked, report.checkpoints_checked) == (3000, 5)


def test_audit_past_a_level_two_tile_rebuilds_every_tile_and_root(engine: Engine) -> None:
    """65,536 leaves fill tile (1, 0) and start (2, 0); checkpoints at sizes on and off
    tile boundaries, read in pages that cut tiles, all agree with the roots the store signed;
    an edited node of the level-2 tile is named."""
    sizes = [1, 255, 256, 257, 4_999, 65_535, 65_536, 65_537, 66_050]
    done = 0
    for size in sizes:
        append_durably(engine, LOG, entries(done, size - done))
        with engine.begin() as conn:
            publish_checkpoint(conn, LOG, LOG_SIGNER)
        done = size
    with engine.connect() as conn:
        report = audit(conn, LOG, LOG_SIGNER.verifier_key(), chunk=777)
        stored_tiles = conn.execute(text("SELECT count(*) FROM tlog_tiles")).scalar_one()
    assert report.ok, report.problems
    assert (report.leaves_checked, report.checkpoints_checked) == (66_050, len(sizes))
    assert report.tiles_checked == stored_tiles
    with engine.begin() as conn:
        hashes = bytes(
            conn.execute(text("SELECT hashes FROM tlog_tiles WHERE level = 2")).scalar_one()
        )
        forged = bytes([hashes[0] ^ 1]) + hashes[1:]
        conn.execute(text("UPDATE tlog_tiles SET hashes = :h WHERE level = 2"), {"h": forged})
    with engine.connect() as conn:
        report = audit(conn, LOG)
    assert report.problems == ["tile (2, 0) does not match the leaves (tampered node row)"]


def test_audit_catches_an_edited_leaf_row(engine: Engine) -> None:
    _published(engine, 3000)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE tlog_leaves SET leaf = :leaf WHERE idx = 1500"), {"leaf": b"forged"}
        )
    with engine.connect() as conn:
        report = audit(conn, LOG, LOG_SIGNER.verifier_key())
    assert not report.ok
    assert any("tile (0, 5)" in p for p in report.problems)
    assert any("checkpoint 2100" in p and "recomputed" in p for p in report.problems)


def test_audit_catches_an_edited_node_row(engine: Engine) -> None:
    _published(engine, 3000)
    with engine.begin() as conn:
        hashes = conn.execute(text("SELECT hashes FROM tlog_tiles WHERE level = 1")).scalar_one()
        forged = bytes([hashes[0] ^ 1]) + bytes(hashes[1:])
        conn.execute(text("UPDATE tlog_tiles SET hashes = :h WHERE level = 1"), {"h": forged})
    with engine.connect() as conn:
        report = audit(conn, LOG)
    assert report.problems == ["tile (1, 0) does not match the leaves (tampered node row)"]


def test_audit_catches_a_deleted_leaf_row(engine: Engine) -> None:
    _published(engine, 1000)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM tlog_leaves WHERE idx = 999"))
    with engine.connect() as conn:
        report = audit(conn, LOG)
    assert any("claims size 1000 but stores 999" in p for p in report.problems)


def test_concurrent_appenders_on_postgresql_are_serialised(postgres_url: str) -> None:
    # PostgreSQL serialises appenders on the log row (SELECT ... FOR UPDATE). SQLite has one
    # writer at a time by design; a node funnels its appends through one writer there.
    engine = make_engine(postgres_url, pool_size=4)
    upgrade(engine)
    errors: list[BaseException] = []

    def appender(worker: int) -> None:
        try:
            for i in range(15):
                append_durably(engine, LOG, [f"w{worker} n{i}".encode(), b"second"])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=appender, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert log_size(conn, LOG) == 4 * 15 * 2
        assert audit(conn, LOG).ok
    engine.dispose()


def test_proof_tiles_are_point_lookups_on_the_primary_key(engine: Engine) -> None:
    """Issue 19: a proof's tiles are read by (log, level, idx), never by scanning a log's
    tiles, so proofs cost the same number of lookups at any log size. The plan is checked on
    both backends for the very SQL the reader runs: one primary-key search per tile."""
    from treatyledger.store.tlog_store import tiles_query

    append_durably(engine, LOG, [b"leaf %d" % i for i in range(600)])
    with engine.connect() as conn:
        query = tiles_query(conn, 3)
        params = (1, 0, 0, 1, 0, 1, 1, 1, 0)
        if engine.dialect.name == "sqlite":
            plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + query, params)]
            searches = [step for step in plan if step.startswith("SEARCH tlog_tiles")]
            assert len(searches) == 3
            assert all(step.endswith("(log=? AND level=? AND idx=?)") for step in searches)
            assert not any(step.startswith("SCAN") for step in plan)
        else:
            # a table this small is cheapest to scan, so ask the planner what it does when it
            # must use an index: each tile is an index condition on the whole key
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            plan = [row[0] for row in conn.exec_driver_sql("EXPLAIN " + query, params)]
            scans = [step for step in plan if "Scan" in step]
            assert len(scans) == 3, plan
            assert all("Index Scan using pk_tlog_tiles" in step for step in scans), plan
            conditions = [step for step in plan if "Index Cond" in step]
            assert len(conditions) == 3
            assert all("log =" in c and "level =" in c and "idx =" in c for c in conditions)
        got = conn.exec_driver_sql(query, params).fetchall()
        assert sorted((r[0], r[1]) for r in got) == [(0, 0), (0, 1), (1, 0)]


def test_the_tile_plan_check_would_see_a_scan(tmp_path: Path) -> None:
    """The plan test above can fail: a row-value IN list, the obvious alternative, is planned
    by SQLite as a scan of the tiles, and the same checks reject it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'log.db'}")
    upgrade(engine)
    append_durably(engine, LOG, [b"leaf %d" % i for i in range(600)])
    query = (
        "SELECT level, idx, width, hashes FROM tlog_tiles "
        "WHERE (log, level, idx) IN (VALUES (?, ?, ?), (?, ?, ?))"
    )
    with engine.connect() as conn:
        plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + query, (1,) * 6)]
    engine.dispose()
    assert any(step.startswith("SCAN tlog_tiles") for step in plan)


def test_reads_of_more_tiles_than_one_statement_holds(engine: Engine) -> None:
    from treatyledger.store import tlog_store

    leaves = [b"leaf %d" % i for i in range(600)]
    append_durably(engine, LOG, leaves)
    with engine.connect() as conn:
        log_pk = TlogReader(conn, LOG).log_pk
        wanted = [(0, 0), (0, 1), (0, 2), (1, 0)] * 2 + [(0, 9)]  # (0, 9) is not stored
        old = tlog_store.TILES_PER_QUERY
        tlog_store.TILES_PER_QUERY = 2
        try:
            got = tlog_store._read_tiles(conn, log_pk, wanted)
        finally:
            tlog_store.TILES_PER_QUERY = old
    assert sorted(got) == [(0, 0), (0, 1), (0, 2), (1, 0)]
    assert [got[(0, i)][0] for i in range(3)] == [256, 256, 600 - 512]
    memory = MemoryLog()
    memory.append_many(leaves)
    assert got[(0, 1)][1][:32] == memory.get_nodes([(0, 256)])[0]


def test_a_tile_is_one_sqlite_page_and_proof_readers_do_not_map_the_file(tmp_path: Path) -> None:
    """Issue 19: a new SQLite database has pages large enough for a whole tile, so a cold
    proof reads each tile in one read() (no overflow chain), and a proof reader leaves the
    file unmapped (a map's cold faults read megabytes around each page of a large log)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'log.db'}")
    upgrade(engine)
    leaves = [b"leaf %d" % i for i in range(3 * 256 + 5)]  # three full tiles and a partial
    append_durably(engine, LOG, leaves)
    memory = MemoryLog()
    memory.append_many(leaves)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == SQLITE_PAGE_SIZE
        reader = TlogReader(conn, LOG)
        assert reader.inclusion_proof(7, 700) == memory.inclusion_proof(7, 700)
        assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() == 0
        pages = conn.exec_driver_sql(
            "SELECT pagetype, count(*) FROM dbstat WHERE name = 'tlog_tiles' GROUP BY pagetype"
        ).all()
    engine.dispose()
    assert dict(pages).get("overflow", 0) == 0
    assert dict(pages)["leaf"] >= 2  # four tiles of 16 KB: at most two to a page


def test_an_existing_database_keeps_its_page_size(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        old.execute("PRAGMA page_size=4096")
        old.execute("CREATE TABLE earlier (x)")
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    append_durably(engine, LOG, [b"leaf %d" % i for i in range(300)])
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 4096
        assert TlogReader(conn, LOG).root() == _memory_root(300)
    engine.dispose()


def _memory_root(count: int) -> bytes:
    memory = MemoryLog()
    memory.append_many([b"leaf %d" % i for i in range(count)])
    return memory.root()

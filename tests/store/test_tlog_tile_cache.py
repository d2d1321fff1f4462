"""The engine-wide cache of full upper tiles (issue 19): proofs through it equal proofs from the
stored rows and verify, it takes only committed full tiles, it stays right as the log grows,
and the audit ignores it. Both backends."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import Engine, event, text

from treatyledger.store.tlog_audit import audit
from treatyledger.store.tlog_store import TlogReader, append_durably, append_leaves
from treatyledger.store.tlog_tile_cache import preload_upper_tiles, shared_tile_cache
from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.tile_cache import FullTileCache
from treatyledger.tlog.tiles import TILE_WIDTH, encoded_hashes
from treatyledger.tlog.verifier import RFC6962, verify_consistency, verify_inclusion

LOG = "cache.example/log"
LEVEL_ONE_LEAVES = TILE_WIDTH * TILE_WIDTH  # leaves under one full tile at level 1
TILE_BYTES = encoded_hashes(TILE_WIDTH) * RFC6962.size


def entries(start: int, count: int, tag: str = "n") -> list[bytes]:
    return [f"{tag} {i}".encode() for i in range(start, start + count)]


def grow(engine: Engine, memory: MemoryLog, count: int, tag: str = "n") -> None:
    leaves = entries(memory.size, count, tag)
    append_durably(engine, LOG, leaves)
    memory.append_many(leaves)


def check_proofs(engine: Engine, memory: MemoryLog, seed: int, count: int = 40) -> None:
    """Random proofs from a reader through the shared cache equal those of a reader of the
    stored rows alone, and verify against the memory log's roots."""
    rng = random.Random(seed)
    with engine.connect() as conn:
        cached = TlogReader(conn, LOG, cached_tiles=0, preload=True)
        stored = TlogReader(conn, LOG, cached_tiles=0, shared_tiles=False)
        for _ in range(count):
            size = rng.randint(1, memory.size)
            index = rng.randrange(size)
            proof = cached.inclusion_proof(index, size)
            assert proof == stored.inclusion_proof(index, size)
            leaf = RFC6962.hash_leaf(memory.leaf(index))
            verify_inclusion(RFC6962, index, size, leaf, proof, memory.root(size))
            size1 = rng.randint(1, size)
            proof = cached.consistency_proof(size1, size)
            assert proof == stored.consistency_proof(size1, size)
            verify_consistency(RFC6962, size1, size, proof, memory.root(size1), memory.root(size))
            assert cached.root(size) == memory.root(size)


def test_proofs_through_the_cache_equal_the_stored_ones_and_verify(engine: Engine) -> None:
    memory = MemoryLog()
    grow(engine, memory, LEVEL_ONE_LEAVES + 700)  # tile (1, 0) full, (1, 1) partial
    check_proofs(engine, memory, seed=1)
    cache = shared_tile_cache(engine)
    with engine.connect() as conn:
        log_pk = TlogReader(conn, LOG).log_pk
    assert cache.get(log_pk, (1, 0)) is not None
    assert cache.get(log_pk, (1, 1)) is None  # partial: never cached
    assert (len(cache), cache.bytes) == (1, TILE_BYTES)


def test_a_preloaded_reader_reads_only_level_zero_tiles(engine: Engine) -> None:
    memory = MemoryLog()
    grow(engine, memory, LEVEL_ONE_LEAVES + 700)
    levels: list[int] = []

    def record(*args: object) -> None:
        statement, params = args[2], args[3]
        if isinstance(statement, str) and "FROM tlog_tiles" in statement:
            levels.extend(list(params)[1::3])  # type: ignore[call-overload]

    for shared, upper_read in ((False, True), (True, False)):
        levels.clear()
        with engine.connect() as conn:
            reader = TlogReader(conn, LOG, cached_tiles=0, shared_tiles=shared, preload=True)
            event.listen(conn, "before_cursor_execute", record)
            for index in (5, 40_000, LEVEL_ONE_LEAVES - 1):
                # the right border of size 65,736 lies in level 0: subtrees of 128, 64 and 8
                reader.inclusion_proof(index, LEVEL_ONE_LEAVES + 200)
            event.remove(conn, "before_cursor_execute", record)
        assert 0 in levels
        assert any(levels) is upper_read  # the shared cache answers every upper tile


def test_a_tile_read_in_a_transaction_that_rolls_back_is_not_cached(engine: Engine) -> None:
    memory = MemoryLog()
    grow(engine, memory, LEVEL_ONE_LEAVES - 500)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        append_leaves(conn, LOG, entries(memory.size, 600, tag="rolled back"))
        reader = TlogReader(conn, LOG, cached_tiles=0, preload=True)
        reader.inclusion_proof(0, LEVEL_ONE_LEAVES)  # reads the full tile (1, 0) uncommitted
        log_pk = reader.log_pk
        raise RuntimeError("the caller's transaction fails")
    assert shared_tile_cache(engine).get(log_pk, (1, 0)) is None
    grow(engine, memory, 600, tag="committed")  # tile (1, 0) again, other leaves
    check_proofs(engine, memory, seed=2)


def test_a_cached_full_tile_stays_right_as_the_log_grows(engine: Engine) -> None:
    memory = MemoryLog()
    grow(engine, memory, LEVEL_ONE_LEAVES + 700)
    check_proofs(engine, memory, seed=3, count=5)  # caches (1, 0)
    grow(engine, memory, LEVEL_ONE_LEAVES)  # fills (1, 1); (1, 2) and (2, 0) partial
    grow(engine, memory, 77)
    check_proofs(engine, memory, seed=4)
    cache = shared_tile_cache(engine)
    with engine.connect() as conn:
        log_pk = TlogReader(conn, LOG).log_pk
        assert cache.get(log_pk, (1, 1)) is not None
        assert cache.get(log_pk, (1, 2)) is None
        assert cache.get(log_pk, (2, 0)) is None
        small = FullTileCache(max_bytes=TILE_BYTES)  # the preload keeps to its bound
        assert preload_upper_tiles(conn, log_pk, small) == TILE_BYTES
        assert small.get(log_pk, (1, 0)) is not None
        assert (len(small), small.bytes) == (1, TILE_BYTES)


def test_the_audit_reads_the_stored_tiles_not_the_cache(engine: Engine) -> None:
    memory = MemoryLog()
    grow(engine, memory, LEVEL_ONE_LEAVES + 10)
    with engine.connect() as conn:
        TlogReader(conn, LOG, preload=True)
    assert len(shared_tile_cache(engine)) == 1
    with engine.begin() as conn:
        hashes = conn.execute(
            text("SELECT hashes FROM tlog_tiles WHERE level = 1 AND idx = 0")
        ).scalar_one()
        forged = bytes([hashes[0] ^ 1]) + bytes(hashes[1:])
        conn.execute(
            text("UPDATE tlog_tiles SET hashes = :h WHERE level = 1 AND idx = 0"), {"h": forged}
        )
    with engine.connect() as conn:
        report = audit(conn, LOG)
    assert report.problems == ["tile (1, 0) does not match the leaves (tampered node row)"]

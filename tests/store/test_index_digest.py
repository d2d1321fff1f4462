"""The snapshot's digest of the history index is a chain over blocks of sequences
(store.item_index.index_digest): a snapshot hashes the blocks since the last one, not every
row, and an edit of a block hashed before is still caught by the next start-up check."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text

from factory import Notifier, base_force
from treatyledger.node.keys import log_vkey
from treatyledger.store import item_index
from treatyledger.store.item_index import complete_blocks, index_digest
from treatyledger.store.ledger_snapshot import snapshot_key
from treatyledger.store.ledger_startup import check_at_start
from treatyledger.store.ledger_store import LedgerStore
from treatyledger.store.policy import workspace_policy
from treatyledger.store.workspace import Workspace


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(item_index, "INDEX_BLOCK", 2)
    return 2


def filled(ws: Workspace, us: Notifier, moves: int) -> LedgerStore:
    store = LedgerStore(
        ws.engine, workspace_policy(ws.engine, ws.rules), snapshot_key=snapshot_key(ws.signing_key)
    )
    batch = [us.declare(base_force())] + [
        us.make("move", {"uid": "US-B1", "to_facility": f"BASE-{i % 2}"}) for i in range(moves)
    ]
    assert {a.status for a in store.submit(batch)} == {"accepted"}
    return store


def plain_chain(ws: Workspace, through: int, block: int) -> str:
    """The chain as its definition reads, from every row: the oracle."""
    with ws.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT sequence, uid FROM ledger_item_notifications WHERE party = 'US'")
        ).all()
    chain = b""
    for first in range(0, through, block):
        last = min(first + block, through)
        block_rows = sorted((int(s), u) for s, u in rows if first < int(s) <= last)
        text_of = "".join(f"{s}:{len(u)}:{u}\n" for s, u in block_rows)
        chain = hashlib.sha256(chain + hashlib.sha256(text_of.encode()).digest()).digest()
    return chain.hex()


def start_report(ws: Workspace) -> object:
    report, _ = check_at_start(
        ws.engine,
        workspace_policy(ws.engine, ws.rules),
        log_vkey=log_vkey,
        snapshot_key=snapshot_key(ws.signing_key),
    )
    return report


@pytest.mark.parametrize("through", [1, 2, 3, 4, 7])
def test_the_chain_is_its_definition_with_or_without_the_blocks_hashed_before(
    workspace: Workspace, us: Notifier, small_blocks: int, through: int
) -> None:
    filled(workspace, us, moves=6)
    blocks: dict[int, bytes] = {}
    with workspace.engine.connect() as conn:
        fresh = index_digest(conn, "US", through, blocks)
        again = index_digest(conn, "US", through, blocks)
    assert fresh == again == plain_chain(workspace, through, small_blocks)
    # only complete blocks are kept: the last, partial one is read at every digest
    assert sorted(blocks) == list(range(through // small_blocks))


def test_a_kept_block_stands_only_for_the_whole_block(
    workspace: Workspace, us: Notifier, small_blocks: int
) -> None:
    filled(workspace, us, moves=6)
    blocks: dict[int, bytes] = {}
    with workspace.engine.connect() as conn:
        index_digest(conn, "US", 7, blocks)
        assert 1 in blocks  # sequences 3..4
        assert index_digest(conn, "US", 3, blocks) == plain_chain(workspace, 3, small_blocks)


def test_a_snapshot_reads_only_the_blocks_since_the_last(
    workspace: Workspace, us: Notifier, small_blocks: int
) -> None:
    store = filled(workspace, us, moves=6)
    store.save_snapshot()
    kept = complete_blocks(workspace.engine, "US")
    assert sorted(kept) == [0, 1, 2]  # sequences 1..6 of 7
    reads: list[tuple[int, int]] = []
    with workspace.engine.connect() as conn:
        seen = conn.engine

        def counting(*args: object, **kwargs: object) -> None:
            params = args[3]
            if "ledger_item_notifications" in str(args[2]) and isinstance(params, tuple):
                reads.append((params[1], params[2]))

        from sqlalchemy import event

        event.listen(seen, "before_cursor_execute", counting)
        try:
            store.save_snapshot()
        finally:
            event.remove(seen, "before_cursor_execute", counting)
    assert reads == [(6, 7)]  # the partial block alone


def test_an_edit_of_a_block_hashed_before_is_caught_at_the_next_start(
    workspace: Workspace, us: Notifier, small_blocks: int
) -> None:
    store = filled(workspace, us, moves=6)
    store.save_snapshot()
    with workspace.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_item_notifications WHERE sequence = 2"))
    store.save_snapshot()  # the digest of block 0 is the one hashed before the edit
    report = start_report(workspace)
    assert not report.ok
    assert "derived.index" in report.summary()


def test_a_sound_start_hands_its_blocks_to_the_next_snapshot(
    workspace: Workspace, us: Notifier, small_blocks: int
) -> None:
    filled(workspace, us, moves=6).save_snapshot()
    item_index._COMPLETE_BLOCKS.clear()
    report = start_report(workspace)
    assert report.ok, report.summary()
    assert sorted(complete_blocks(workspace.engine, "US")) == [0, 1, 2]

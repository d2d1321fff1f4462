"""The start-up check: what a node verifies of its store before it serves anything, in one
pass of hashing with no signature verification per stored row.

``check_at_start`` trusts nothing stored either, but checks each fact once, where the full
audit (``store.ledger_audit.audit_workspace``: ``log audit``, ``serve --full-audit``)
re-verifies every signature and replays every notification:

1. every stored notification row: no sequence missing, its bytes byte for byte its log leaf
   at its place, its content hash and columns those of its bytes (plain ``json`` and
   ``hashlib``, no schema parse); every log: each tile and each stored checkpoint's root
   recomputed from the leaves, and the latest checkpoint's signature by the party's log key;
2. the derived state: the latest snapshot, if ``check_snapshot`` finds it sound (a MAC under
   a key derived from the signing key, over each party's log size, root and last leaf and
   the history index's digest up to there), and every row after it checked as the full audit
   does (schema, canonical bytes, signature, replay);
3. the derived tables against that state: the items table item by item; the history index
   up to the snapshot against the digest the snapshot recorded, after it against the tail's
   replay; each mirror's trusted checkpoint as the full audit checks it.

Why no row before the snapshot needs its signature checked again: docs/architecture.md (the
start-up check). Without a sound snapshot every row is checked in full, as by the full audit.
The findings are the full audit's (``WorkspaceAudit``, the first bad entry first).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Engine

from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.state import LedgerState
from treatyledger.store.committed_rows import (
    committed_leaf_pages,
    rows_are_one_to,
    suspects_beside,
)
from treatyledger.store.item_index import complete_blocks, index_digest, index_rows
from treatyledger.store.ledger_audit import (
    WorkspaceAudit,
    audit_items,
    audit_log,
    audit_mirrors,
    check_committed_rows,
    checked_leaf_pages,
    compare_index,
    log_pk_of,
    party_keys,
    stored_parties,
)
from treatyledger.store.ledger_snapshot import record_source, sound_snapshot
from treatyledger.tlog.checkpoint import DEFAULT_NAMESPACE, origin_for_party
from treatyledger.tlog.verifier import VerifierKey

log = logging.getLogger(__name__)


def check_at_start(
    engine: Engine,
    policy: LedgerPolicy,
    *,
    log_vkey: Callable[[str, str], VerifierKey],
    snapshot_key: bytes | None,
    namespace: str = DEFAULT_NAMESPACE,
) -> tuple[WorkspaceAudit, LedgerState]:
    """The start-up check of everything stored in ``engine`` (see the module docstring), and
    the state it loaded (complete only when the report is ok)."""
    report = WorkspaceAudit()
    source = record_source(engine)
    with engine.connect() as conn, ThreadPoolExecutor(1, thread_name_prefix="vouch") as pool:
        keys, log_keys = party_keys(conn, namespace, log_vkey)
        state, positions, rejected = sound_snapshot(
            conn, policy, keys, namespace, snapshot_key, source
        )
        if state is not None and not all("index_chain" in at for at in positions.values()):
            state, rejected = None, "it records no chained index digest (older format)"
        if state is None:
            if rejected is not None:
                log.warning("ledger snapshot not used, checking every row in full: %s", rejected)
            state, positions = LedgerState(policy, keys=keys), {}
            state.attach_source(source)
        report.snapshot_through = {p: int(at["sequence"]) for p, at in positions.items()}
        tail_index: dict[tuple[str, str], set[int]] = {}
        parties = stored_parties(conn)
        for party in parties:
            origin = origin_for_party(party, namespace)
            through = report.snapshot_through.get(party, 0)
            # one read of the leaves: the rows are checked against them as the log hashes them
            pages = _leaf_pages(conn, pool, report, state, party, origin, tail_index, through)
            keys_of_log = log_keys.get(origin, ())
            audit_log(conn, report, origin, keys_of_log, latest_signature_only=True, leaves=pages)
            state.forget_stored()
        audit_items(conn, report, state)
        for party in parties:
            _check_index(conn, report, party, positions.get(party), tail_index)
        audit_mirrors(conn, report, log_keys)
    return report, state


def _leaf_pages(
    conn: Connection,
    pool: Executor,
    report: WorkspaceAudit,
    state: LedgerState,
    party: str,
    origin: str,
    tail_index: dict[tuple[str, str], set[int]],
    through: int,
) -> Iterator[Sequence[tuple[int, Any]]]:
    """``party``'s rows checked as its log's leaves pass to the log's audit: those up to
    ``through`` in SQL where it can vouch for them (``store.committed_rows``, its query in
    ``pool``'s thread beside the pass), the rest row by row (``checked_leaf_pages``)."""
    log_pk = log_pk_of(conn, origin)
    if log_pk is None or not through or not rows_are_one_to(conn, party, through):
        return checked_leaf_pages(conn, report, state, party, origin, tail_index, through=through)
    report.notifications_checked += through
    suspects = suspects_beside(pool, conn, party, log_pk, through)

    def check_rows(sequences: Sequence[int] | None) -> None:
        check_committed_rows(conn, report, party, log_pk, through, sequences)

    committed = committed_leaf_pages(conn, party, log_pk, through, suspects, check_rows)
    rest = checked_leaf_pages(
        conn, report, state, party, origin, tail_index, through=through, after=through
    )
    return chain(committed, rest)


def _check_index(
    conn: Connection,
    report: WorkspaceAudit,
    party: str,
    position: Mapping[str, Any] | None,
    tail: Mapping[tuple[str, str], set[int]],
) -> None:
    """``party``'s history index: its rows up to the snapshot hash to the snapshot's digest,
    those after it are the tail's replay."""
    through = 0 if position is None else int(position["sequence"])
    hashed: dict[int, bytes] = {}
    if position is not None:
        if index_digest(conn, party, through, hashed) == position["index_chain"]:
            # the blocks hashed here are those the snapshot vouches for: a save reuses them
            complete_blocks(conn.engine, party).update(hashed)
        else:
            report.add(
                "derived.index",
                f"history index of {party}",
                f"rows of #1..#{through} differ from the digest of the snapshot",
            )
    stored: dict[tuple[str, str], set[int]] = {}
    for uid, sequence in index_rows(conn, party, after=through):
        stored.setdefault((party, uid), set()).add(sequence)
    compare_index(report, stored, {k: v for k, v in tail.items() if k[0] == party})


__all__ = ["check_at_start"]

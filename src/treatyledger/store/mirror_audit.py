"""The full audit's and the start-up check's check of each mirrored peer log: its trusted
checkpoint is signed by the peer, and the mirror's own tree has the root it signed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from treatyledger.store import tlog_store
from treatyledger.store.errors import TlogStoreError
from treatyledger.store.node_tables import PeerSyncState
from treatyledger.tlog.proofs import ProofError
from treatyledger.tlog.verifier import VerificationError, VerifierKey, verify_checkpoint

if TYPE_CHECKING:
    from treatyledger.store.ledger_audit import WorkspaceAudit


def audit_mirrors(
    conn: Connection, report: WorkspaceAudit, log_keys: Mapping[str, Sequence[VerifierKey]]
) -> None:
    """Each peer log's trusted checkpoint is the peer's, and the mirror's tree has its root."""
    for origin, size, root, note in conn.execute(
        select(
            PeerSyncState.origin,
            PeerSyncState.size,
            PeerSyncState.root_hash,
            PeerSyncState.checkpoint,
        ).order_by(PeerSyncState.origin)
    ):
        if not note or not size:
            continue
        where = f"mirror {origin}"
        checkpoint = _verified(note, log_keys.get(origin, ()))
        if checkpoint is None:
            report.add("mirror.checkpoint", where, "trusted checkpoint is not signed by the peer")
            continue
        if checkpoint.size != size or checkpoint.root != (None if root is None else bytes(root)):
            report.add(
                "mirror.checkpoint", where, "sync state disagrees with its signed checkpoint"
            )
        try:
            mirrored = tlog_store.TlogReader(conn, origin).root(checkpoint.size)
        except (TlogStoreError, ProofError, ValueError) as exc:
            report.add("mirror.root", where, f"mirror cannot give the root at {size}: {exc}")
            continue
        if mirrored != checkpoint.root:
            report.add(
                "mirror.root",
                where,
                f"mirrored tree at size {checkpoint.size} does not have the peer's signed root",
            )


def _verified(note: str, keys: Sequence[VerifierKey]) -> Any:
    for key in keys:
        try:
            return verify_checkpoint(note, key).checkpoint
        except VerificationError:
            continue
    return None


__all__ = ["audit_mirrors"]

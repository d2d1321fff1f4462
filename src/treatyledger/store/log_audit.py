"""A party's log in the workspace audit and the start-up check: ``tlog_audit.audit`` of its
stored leaves, its problems as the report's findings (``log.tree``, ``log.unreadable``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from treatyledger.store import tlog_audit, tlog_store
from treatyledger.store.errors import LogNotFoundError
from treatyledger.tlog.verifier import VerificationError, VerifierKey, verify_checkpoint

if TYPE_CHECKING:  # the report type is ledger_audit's, which imports this module
    from treatyledger.store.ledger_audit import WorkspaceAudit


def audit_log(
    conn: Connection,
    report: WorkspaceAudit,
    origin: str,
    keys: Sequence[VerifierKey],
    *,
    latest_signature_only: bool = False,
    leaves: Iterator[Sequence[tuple[int, Any]]] | None = None,
) -> None:
    """The log recomputed from its leaves: tiles, every checkpoint's root and the signature
    of every checkpoint (``latest_signature_only``: of the latest; the start-up check).
    ``leaves``: ``checked_leaf_pages``, run to its end here (its rows are checked as it goes,
    and their findings come before the log's)."""
    key = keys[0] if keys else None
    log, unreadable = None, None
    try:
        log = tlog_audit.audit(conn, origin, None if latest_signature_only else key, leaves=leaves)
        if latest_signature_only and key is not None:
            _check_latest_signature(conn, log, origin, key)
    except LogNotFoundError:
        pass  # a party without notifications; one with some is caught by its first leaf
    except (ValueError, TypeError) as exc:  # a leaf or tile stored with the wrong type
        unreadable = f"cannot be read back: {exc}"
    for _ in leaves or ():  # the rows past where the log's audit stopped
        pass
    if unreadable is not None:
        report.add("log.unreadable", f"log {origin}", unreadable)
    if log is None:
        return
    report.logs.append(log)
    for problem in log.problems:
        report.add("log.tree", f"log {origin}", problem)


def _check_latest_signature(
    conn: Connection, log: tlog_audit.AuditReport, origin: str, key: VerifierKey
) -> None:
    note = tlog_store.latest_checkpoint(conn, origin, with_cosignatures=False)
    if note is None:
        return
    try:
        verify_checkpoint(note, key)
    except VerificationError as exc:
        log.problems.append(f"latest checkpoint: {exc}")


__all__ = ["audit_log"]

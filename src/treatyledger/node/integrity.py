"""The node trusts nothing it stored: the start-up check and what a node that failed it does.

``check_store`` runs ``store.ledger_startup.check_at_start`` (every row against its log leaf,
the signed root, the sound snapshot plus the rows after it checked in full, the derived
tables), ``audit_store`` the full audit ``store.ledger_audit.audit_workspace`` (every
signature, a full replay: ``log audit``, ``serve --full-audit``), both with the node's
verifier keys and the workspace's rule set. A node whose store fails it serves nothing but
``/v1/health`` (``IntegrityGate``: 503, a fixed sentence; the findings go to the node's log and to
``treatyledger log audit``), unless started for forensic use, when it serves reads and
refuses every write."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send

from treatyledger.node.keys import log_vkey
from treatyledger.node.views import treaty

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from treatyledger.ledger.state import LedgerState
    from treatyledger.node.context import NodeContext
    from treatyledger.store.base import Engine
    from treatyledger.store.ledger_audit import WorkspaceAudit

#: what a node whose store failed its audit answers (no finding: those are for the operator)
REFUSED = "This node's store failed its integrity audit; it serves no data until it is restored."
READ_ONLY = "This node runs read-only for forensic use (its store failed its integrity audit)."
_ALWAYS_OPEN = ("/v1/health",)
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def audit_store(engine: Engine, rules: str) -> tuple[WorkspaceAudit, LedgerState]:
    """The store's full audit under the workspace's rule set, and the state it replayed."""
    from treatyledger.store.ledger_audit import audit_workspace

    return audit_workspace(engine, treaty(engine, rules).policy, log_vkey=log_vkey)


def check_store(
    engine: Engine, rules: str, signing_key: Ed25519PrivateKey
) -> tuple[WorkspaceAudit, LedgerState]:
    """The store's start-up check under the workspace's rule set, and the state it loaded
    (``signing_key``: the party's, from which the snapshots' MAC key is derived)."""
    from treatyledger.store.ledger_snapshot import snapshot_key
    from treatyledger.store.ledger_startup import check_at_start

    policy = treaty(engine, rules).policy
    return check_at_start(engine, policy, log_vkey=log_vkey, snapshot_key=snapshot_key(signing_key))


def check_on_start(context: NodeContext) -> tuple[WorkspaceAudit, LedgerState]:
    """What a node runs before it serves: the start-up check, or the full audit when
    ``context.full_audit``."""
    if context.full_audit:
        return audit_store(context.engine, context.rules)
    return check_store(context.engine, context.rules, context.signing_key)


class IntegrityGate:
    """ASGI middleware: while ``app.state.integrity`` is a failed audit, answer 503 to every
    request but the health check (forensic: to every write)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = _refusal(scope)
            if refusal is not None:
                await _problem(send, refusal)
                return
        await self.app(scope, receive, send)


def _refusal(scope: Scope) -> str | None:
    state = getattr(scope.get("app"), "state", None)
    report: Any = getattr(state, "integrity", None)
    if report is None or report.ok or scope["path"] in _ALWAYS_OPEN:
        return None
    if getattr(state, "forensic", False):
        return None if scope["method"] in _READS else READ_ONLY
    return REFUSED


async def _problem(send: Send, detail: str) -> None:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": detail,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


__all__ = ["READ_ONLY", "REFUSED", "IntegrityGate", "audit_store", "check_on_start", "check_store"]

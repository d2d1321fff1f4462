"""Publishing a ledger-neutral notification of the workspace's own party: signed with the
workspace key and submitted through the ledger store (the path ``notify`` uses), so it is in
the party's log, in sequence, once the acknowledgement returns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from treatyledger.ledger.signing import sign
from treatyledger.model.notifications import (
    LEDGER_NEUTRAL_KINDS,
    Notification,
    NotificationKind,
    parse_notification,
)
from treatyledger.store.errors import NotNeutral, PublishRefused
from treatyledger.store.ledger_store import Ack, open_ledger
from treatyledger.store.workspace import Workspace


def publish_neutral(
    ws: Workspace, kind: NotificationKind, payload: dict[str, Any], now: datetime | None = None
) -> tuple[Ack, Notification]:
    """Sign ``payload`` as a ``kind`` notification of ``ws.party`` and submit it; the
    acknowledgement (accepted, with its leaf index) and the signed notification."""
    if kind not in LEDGER_NEUTRAL_KINDS:
        raise NotNeutral(f"{kind.value} is not a ledger-neutral kind")
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    store = open_ledger(ws)
    unsigned = parse_notification(
        {
            "party": ws.party,
            "sequence": store.next_sequence(ws.party),
            "kind": kind.value,
            "effective_time": stamp,
            "issued_time": stamp,
            "payload": payload,
        }
    )
    signed = sign(unsigned, ws.signing_key)
    [ack] = store.submit([signed])
    if ack.status != "accepted" or ack.leaf_index is None:
        raise PublishRefused(f"{ack.ref} {ack.status}: [{ack.rule}] {ack.reason}")
    return ack, signed

"""Limit proofs published in the party's transparency log, and read back from it.

A party publishes a limit proof as a ``zk_limit_proof`` notification whose payload is the
proof document without ``party`` (the envelope names the party). The document binds the log
checkpoint the proof refers to; ``check_log_binding`` holds it to the log it was read from:
same origin, a size no larger than the proof's own leaf index (the proof speaks of the log
before it), and the root the verifier's own copy of that log has at that size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from treatyledger.model.notifications import Notification, NotificationKind
from treatyledger.zk.verifier import LimitProof, LimitProofError, parse_limit_proof


def proof_payload(proof: LimitProof) -> dict[str, Any]:
    """The ``zk_limit_proof`` payload: the document without ``party``."""
    data = proof.to_json()
    del data["party"]
    return data


def proof_of(notification: Notification) -> LimitProof:
    """The limit proof a ``zk_limit_proof`` notification publishes (parsed, not verified)."""
    if notification.kind is not NotificationKind.ZK_LIMIT_PROOF:
        raise LimitProofError(
            f"{notification.ref} is a {notification.kind.value} notification, "
            "expected zk_limit_proof"
        )
    payload = notification.payload.model_dump(mode="json")
    return parse_limit_proof({**payload, "party": notification.party})


def check_log_binding(
    proof: LimitProof, origin: str, leaf_index: int, root_at: Callable[[int], bytes]
) -> None:
    """The proof's checkpoint is a state of the log ``origin`` before the proof's own entry
    (at ``leaf_index``), with the root ``root_at(size)`` of the verifier's copy of that log."""
    checkpoint = proof.statement.checkpoint
    if checkpoint is None:
        raise LimitProofError("a published limit proof must be bound to a log checkpoint")
    if checkpoint.origin != origin:
        raise LimitProofError(
            f"the proof is bound to log {checkpoint.origin}, it was published in {origin}"
        )
    if checkpoint.size > leaf_index:
        raise LimitProofError(
            f"the proof is bound to size {checkpoint.size}, after its own entry {leaf_index}"
        )
    if root_at(checkpoint.size) != checkpoint.root:
        raise LimitProofError(
            f"the proof's checkpoint root differs from log {origin}'s root at size "
            f"{checkpoint.size}"
        )

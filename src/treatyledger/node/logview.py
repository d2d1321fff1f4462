"""The node's own transparency log as its routes serve it, over the store's
``checkpoints`` and ``log_entries``: checkpoints (signed lazily, once per size, when someone
asks; under ``serve`` at most once a second) with their cosignatures, entries with inclusion
proofs, consistency proofs."""

from __future__ import annotations

import base64

from treatyledger.node.context import NodeContext
from treatyledger.node.keys import log_signers
from treatyledger.node.schemas import CheckpointResponse, CosignatureInfo, LogEntry
from treatyledger.store import checkpoints, log_entries
from treatyledger.tlog.checkpoint import origin_for_party
from treatyledger.tlog.note import parse_note
from treatyledger.tlog.verifier import parse_checkpoint


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def origin_of(node: NodeContext) -> str:
    return origin_for_party(node.party)


def log_size(node: NodeContext) -> int:
    return log_entries.log_size(node.engine, origin_of(node))


#: under ``serve``, a checkpoint is signed at most once per so many seconds (see below)
CHECKPOINT_INTERVAL_S = 1.0


def current_checkpoint_note(node: NodeContext) -> str:
    """The signed checkpoint of the log's current size, with its cosignatures.

    Under ``serve`` (``node.recounts.lag``) at most one is signed per ``CHECKPOINT_INTERVAL_S``;
    a request in between gets the latest one signed, with its cosignatures as stored now. So a
    checkpoint served covers every entry acknowledged more than that interval before the
    request (issue 13: signing and storing one per new log size, for anyone asking, was a
    tenth of the node's time beside 50 submitters). Embedded, every request is current."""
    origin = origin_of(node)

    def sign() -> str:
        signers = log_signers(node.party, node.signing_key, node.mldsa_seed)
        return checkpoints.current_checkpoint(node.engine, origin, signers)

    return node.recounts.at_most_every(
        ("checkpoint", origin),
        CHECKPOINT_INTERVAL_S,
        sign,
        lambda: checkpoints.latest_checkpoint(node.engine, origin),
    )


def checkpoint_response(node: NodeContext, note: str) -> CheckpointResponse:
    checkpoint = parse_checkpoint(parse_note(note).text)
    cosignatures = [
        CosignatureInfo(name=c.name, key_id=f"{c.key_id:08x}", timestamp=c.timestamp)
        for c in checkpoints.cosignatures_at(node.engine, checkpoint.origin, checkpoint.size)
    ]
    return CheckpointResponse(
        origin=checkpoint.origin,
        size=checkpoint.size,
        root=b64(checkpoint.root),
        note=note,
        cosignatures=cosignatures,
    )


def entries(node: NodeContext, start: int, end: int, proof_size: int | None) -> list[LogEntry]:
    found = log_entries.entries(node.engine, origin_of(node), node.party, start, end, proof_size)
    return [
        LogEntry(
            index=e.index,
            leaf=b64(e.leaf),
            entry=None if e.entry is None else b64(e.entry),
            proof=None if e.proof is None else [b64(h) for h in e.proof],
        )
        for e in found
    ]


def inclusion(node: NodeContext, index: int, size: int) -> tuple[bytes, list[bytes]]:
    return log_entries.inclusion(node.engine, origin_of(node), index, size)


def consistency(node: NodeContext, first: int, second: int) -> list[bytes]:
    return log_entries.consistency(node.engine, origin_of(node), first, second)

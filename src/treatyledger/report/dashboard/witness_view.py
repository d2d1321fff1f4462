"""Witness status on the sync page: who cosigned which size of a log, and when.

For the node's own log: the witnesses it pushes to (``store.witness_store``: URL, the size
each is known to hold) and every cosigner whose cosignatures this node stored on its
checkpoints (the witnesses' and the peer's, verified before they were stored). For the other
party's log: the cosignatures this node stored on its mirror's checkpoints, and the
signature lines on the checkpoint it last verified (the log's own key and the witnesses'
cosignatures that came with it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from treatyledger.node.context import NodeContext
from treatyledger.store.checkpoints import CosignerStatus, cosigner_statuses
from treatyledger.store.peer_sync import load_peer_sync
from treatyledger.store.witness_store import list_witnesses
from treatyledger.tlog.checkpoint import origin_for_party
from treatyledger.tlog.verifier import VerificationError, parse_note

#: cosigners listed per log at most (one row per name and key)
MAX_COSIGNERS = 100


@dataclass(frozen=True)
class CosignerRow:
    name: str
    key_id: str  # 8 hex digits
    latest_size: int
    cosigned_at: datetime
    checkpoints: int
    configured: bool  # a witness this node pushes to


@dataclass(frozen=True)
class ConfiguredWitnessRow:
    name: str
    url: str
    held_size: int  # 0: not learned yet
    cosigned: bool  # a stored cosignature verifies with one of its keys


@dataclass(frozen=True)
class LogWitnessing:
    party: str
    origin: str
    own: bool
    cosigners: list[CosignerRow]
    configured: list[ConfiguredWitnessRow]
    #: signer names on the checkpoint last verified of another party's log (its own key
    #: first); empty for the own log
    checkpoint_signers: list[str]


def witnessing(node: NodeContext, parties: list[str]) -> list[LogWitnessing]:
    """The node's own log first, then every other party's log in ``parties``."""
    return [_log(node, party) for party in [node.party, *(p for p in parties if p != node.party)]]


def _log(node: NodeContext, party: str) -> LogWitnessing:
    origin = origin_for_party(party)
    own = party == node.party
    configured = list_witnesses(node.engine) if own else []
    keys = {(k.name, k.key_id) for w in configured for k in w.vkeys}
    stored = cosigner_statuses(node.engine, origin)[:MAX_COSIGNERS]
    cosigners = [_row(s, (s.name, s.key_id) in keys) for s in stored]
    done = {(s.name, s.key_id) for s in stored}
    rows = [
        ConfiguredWitnessRow(
            w.name, w.url, w.size, any((k.name, k.key_id) in done for k in w.vkeys)
        )
        for w in configured
    ]
    return LogWitnessing(
        party=party,
        origin=origin,
        own=own,
        cosigners=cosigners,
        configured=rows,
        checkpoint_signers=[] if own else _signers(node, origin),
    )


def _row(status: CosignerStatus, configured: bool) -> CosignerRow:
    return CosignerRow(
        name=status.name,
        key_id=f"{status.key_id:08x}",
        latest_size=status.latest_size,
        cosigned_at=datetime.fromtimestamp(status.latest_timestamp, UTC),
        checkpoints=status.checkpoints,
        configured=configured,
    )


def _signers(node: NodeContext, origin: str) -> list[str]:
    state = load_peer_sync(node.engine, origin)
    if state is None or not state.checkpoint:
        return []
    try:
        note = parse_note(state.checkpoint)
    except (VerificationError, ValueError):
        return []
    return [f"{s.name} ({s.key_id:08x})" for s in note.signatures]

"""Per peer log, the state of this node's sync (``node_peer_sync``): the last checkpoint it
verified, mirrored up to and cosigned, how many entries it has mirrored, and the checkpoint
those entries were verified against while a sync is under way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from treatyledger.store.node_tables import PeerSyncState


@dataclass(frozen=True)
class PeerSync:
    origin: str
    party: str
    peer_url: str
    #: the trusted (verified, mirrored, cosigned) checkpoint: its size, root and signed note
    size: int
    root_hash: bytes | None
    checkpoint: str | None
    #: entries mirrored so far (ahead of ``size`` while a sync is under way)
    mirrored: int
    #: the signed checkpoint the entries beyond ``size`` were verified against
    pending: str | None


def load_peer_sync(engine: Engine, origin: str) -> PeerSync | None:
    with engine.connect() as conn:
        row = conn.execute(select(PeerSyncState).where(PeerSyncState.origin == origin)).first()
    if row is None:
        return None
    return PeerSync(
        origin=row.origin,
        party=row.party,
        peer_url=row.peer_url,
        size=row.size,
        root_hash=None if row.root_hash is None else bytes(row.root_hash),
        checkpoint=row.checkpoint,
        mirrored=row.mirrored,
        pending=row.pending,
    )


def save_peer_sync(engine: Engine, origin: str, **values: Any) -> None:
    """Insert or update the sync state of ``origin`` (fields of ``PeerSync``), committed."""
    values["updated_at"] = datetime.now(UTC)
    with engine.begin() as conn:
        exists = conn.execute(
            select(PeerSyncState.origin).where(PeerSyncState.origin == origin)
        ).first()
        if exists is None:
            conn.execute(insert(PeerSyncState).values(origin=origin, **values))
        else:
            conn.execute(
                update(PeerSyncState).where(PeerSyncState.origin == origin).values(**values)
            )

"""Tables the party node keeps: principals (who may call it, with which role) and the state
of each peer sync (the last checkpoint of the other party's log that this node verified and
cosigned). Created only by the ``node`` Alembic branch (0004_node)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from treatyledger.store.base import Base


class Principal(Base):
    """A caller of the node. Only the SHA-256 of its token is kept: the token itself is
    shown once, when the principal is added."""

    __tablename__ = "node_principals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PeerSyncState(Base):
    """Per peer log (its origin line): the last checkpoint this node verified, replayed up to
    and cosigned. A sync only ever advances it, after every entry up to that size is mirrored."""

    __tablename__ = "node_peer_sync"

    origin: Mapped[str] = mapped_column(String(256), primary_key=True)
    peer_url: Mapped[str] = mapped_column(String(1024))
    size: Mapped[int] = mapped_column(Integer)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    checkpoint: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

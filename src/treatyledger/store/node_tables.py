"""Tables the party node keeps: principals (who may call it, with which role) and the state
of each peer sync (the last checkpoint of the other party's log that this node verified and
cosigned). Created only by the ``node`` Alembic branch (0004_node)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from treatyledger.store.base import Base


class Principal(Base):
    """A caller of the node. Only the SHA-256 of its token is kept: the token itself is
    shown once, when the principal is added."""

    __tablename__ = "node_principals"
    # One *active* principal per name (revision 0010_node_principal_names): a name is free
    # again once its principal is revoked, and the revoked rows stay as the record.
    __table_args__ = (
        Index(
            "uq_node_principals_active_name",
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # A peer's or witness's C2SP verifier key: its cosignatures must verify with it.
    vkey: Mapped[str | None] = mapped_column(String(512), nullable=True)


class PeerSyncState(Base):
    """Per peer log (its origin line): the last checkpoint this node verified, mirrored up to
    and cosigned (``size``, ``root_hash``, ``checkpoint``: the signed note), and how many of
    the log's entries are already mirrored (``mirrored``, which runs ahead of ``size`` while a
    sync is under way, so an interrupted sync resumes where it stopped)."""

    __tablename__ = "node_peer_sync"

    origin: Mapped[str] = mapped_column(String(256), primary_key=True)
    party: Mapped[str] = mapped_column(String(128))
    peer_url: Mapped[str] = mapped_column(String(1024))
    size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    checkpoint: Mapped[str | None] = mapped_column(Text, nullable=True)
    mirrored: Mapped[int] = mapped_column(BigInteger)
    # The signed checkpoint the entries beyond ``size`` were verified against (interrupted sync).
    pending: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

"""Tables of the ledger: accepted notifications, the materialized current items, the index from
items to the notifications that touched them, parties with their public keys, and workspace
metadata.

The canonical signed bytes in ``ledger_notifications`` are the truth; every other table is
derived from them and written in the same transaction, so ``ledger_items`` always equals a
fresh replay of ``ledger_notifications`` (the crash-safety test checks exactly that).
Created only by the Alembic revision ``0002_ledger``; keep the two in step.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from treatyledger.store.base import Base

#: Identifiers (party ids, UIDs) are at most 128 characters (model.parties.IDENTIFIER_PATTERN).
ID_LENGTH = 128


class PartyRow(Base):
    """A party known to this workspace: its own party, and peers whose logs it mirrors."""

    __tablename__ = "ledger_parties"

    party: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PartyKeyRow(Base):
    """An Ed25519 public key (raw 32 bytes, base64) that may sign a party's notifications."""

    __tablename__ = "ledger_party_keys"

    party: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("ledger_parties.party"), primary_key=True
    )
    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NotificationRow(Base):
    """One accepted notification. (party, sequence) is unique: a replay cannot be stored."""

    __tablename__ = "ledger_notifications"

    party: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("ledger_parties.party"), primary_key=True
    )
    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    effective_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    signed_bytes: Mapped[bytes] = mapped_column(LargeBinary)
    content_hash: Mapped[str] = mapped_column(String(64))  # hex SHA-256 of signed_bytes
    late: Mapped[bool] = mapped_column(Boolean)
    leaf_index: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_ledger_notifications_effective", "party", "effective_time"),
        # the regime's events, databases and corrections are read by kind on every view
        # rebuild (once a second under serve): a range of this index, not a table scan
        Index("ix_ledger_notifications_kind", "kind", "party", "sequence"),
    )


class ItemRow(Base):
    """The current state of one item (the materialized result of replaying every notification)."""

    __tablename__ = "ledger_items"

    party: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("ledger_parties.party"), primary_key=True
    )
    uid: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)  # the Item as canonical JSON
    last_sequence: Mapped[int] = mapped_column(BigInteger)


class ItemNotificationRow(Base):
    """Which notifications touched which item: the index behind ``history --uid``."""

    __tablename__ = "ledger_item_notifications"

    party: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    uid: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)

    __table_args__ = (
        ForeignKeyConstraint(
            ["party", "sequence"],
            ["ledger_notifications.party", "ledger_notifications.sequence"],
            name="fk_ledger_item_notifications_notification",
        ),
        Index("ix_ledger_item_notifications_uid", "uid"),
        # the snapshot's index digest reads a block of sequences at a time
        # (store.item_index.index_digest): a range of this index, not a scan of the party
        Index("ix_ledger_item_notifications_sequence", "party", "sequence", "uid"),
    )


class LedgerSnapshotRow(Base):
    """A checkpointed snapshot of the ledger's derived state (``store.ledger_snapshot``): the
    zlib-compressed JSON of ``ledger.derived.export_derived``, the log position per party it
    reflects (sequence, log size, root and last leaf hash, JSON) and a MAC over both. Derived
    like ``ledger_items``; trusted only where it matches the log (created by ``0015``)."""

    __tablename__ = "ledger_snapshots"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    positions: Mapped[str] = mapped_column(Text)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(String(64))


class WorkspaceMetaRow(Base):
    """Workspace metadata (owning party, default rule set, format version) as key/value."""

    __tablename__ = "ledger_workspace"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(1024))


__all__ = [
    "ID_LENGTH",
    "ItemNotificationRow",
    "ItemRow",
    "LedgerSnapshotRow",
    "NotificationRow",
    "PartyKeyRow",
    "PartyRow",
    "WorkspaceMetaRow",
]

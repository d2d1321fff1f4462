"""Tables of the transparency logs: logs, leaves, hash tiles, signed checkpoints and their
cosignatures. Created only by the Alembic revision ``0003_tlog``; keep the two in step.

Leaves are the truth; tiles (treatyledger.tlog.tiles) hold every complete node so proofs
cost O(log n) reads; ``tlog audit`` recomputes tiles and checkpoint roots from the leaves.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from treatyledger.store.base import Base

#: Origins and key names: C2SP allows any printable name; we bound it.
NAME_LENGTH = 255


class TlogLogRow(Base):
    """One log per origin line (e.g. ``treatyledger.example/US``); ``size`` is its tree size,
    updated in the appending transaction (the row lock serialises appenders)."""

    __tablename__ = "tlog_logs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    origin: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)


class TlogLeafRow(Base):
    """Leaf ``idx`` of a log: the exact bytes hashed (see treatyledger.tlog.entries)."""

    __tablename__ = "tlog_leaves"
    __table_args__ = ({"sqlite_with_rowid": False},)  # one b-tree write per leaf on SQLite

    log: Mapped[int] = mapped_column(Integer, ForeignKey("tlog_logs.id"), primary_key=True)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    leaf: Mapped[bytes] = mapped_column(LargeBinary)


class TlogTileRow(Base):
    """Hash tile (tile level, index) of a log: rows 0..7, ``width`` bottom nodes."""

    __tablename__ = "tlog_tiles"

    log: Mapped[int] = mapped_column(Integer, ForeignKey("tlog_logs.id"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    width: Mapped[int] = mapped_column(Integer)
    hashes: Mapped[bytes] = mapped_column(LargeBinary)


class TlogCheckpointRow(Base):
    """A checkpoint the log signed: one per size (Ed25519 is deterministic)."""

    __tablename__ = "tlog_checkpoints"

    log: Mapped[int] = mapped_column(Integer, ForeignKey("tlog_logs.id"), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)


class TlogCosignatureRow(Base):
    """A verified cosignature line on a stored checkpoint."""

    __tablename__ = "tlog_cosignatures"
    __table_args__ = (
        ForeignKeyConstraint(
            ["log", "size"],
            ["tlog_checkpoints.log", "tlog_checkpoints.size"],
            name="fk_tlog_cosignatures_checkpoint",
        ),
    )

    log: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cosigner: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    key_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    timestamp: Mapped[int] = mapped_column(BigInteger)
    line: Mapped[str] = mapped_column(Text)


class TlogWitnessStateRow(Base):
    """This node as a C2SP tlog-witness: per log origin, the last checkpoint it cosigned
    (revision ``0006_tlog_witness``)."""

    __tablename__ = "tlog_witness_state"

    origin: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text)


class TlogWitnessRow(Base):
    """A witness this node pushes its checkpoints to (tlog-witness add-checkpoint): where,
    which keys its cosignatures verify with (vkeys, one per line), the file holding the
    bearer token it wants (if any), and the size it last cosigned for this log."""

    __tablename__ = "tlog_witnesses"

    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    vkeys: Mapped[str] = mapped_column(Text)
    token_file: Mapped[str | None] = mapped_column(Text, nullable=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)

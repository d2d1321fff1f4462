"""Zero-knowledge limit proofs checked by this workspace: one row per ``zk_limit_proof``
notification (its own party's or a mirrored peer's), with the verdict and the checkpoint the
proof is bound to. Created only by the ``zk`` Alembic branch (0006_zk_limit_proofs)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from treatyledger.store.base import Base


class LimitProofCheckRow(Base):
    """``categories`` is the JSON list of {category, limit, bases}; ``reason`` says why an
    invalid proof failed (empty when valid)."""

    __tablename__ = "zk_limit_proof_checks"

    party: Mapped[str] = mapped_column(String(128), primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    leaf_index: Mapped[int] = mapped_column(BigInteger)
    rule_set: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[str] = mapped_column(String(10))
    checkpoint_origin: Mapped[str | None] = mapped_column(String(256), nullable=True)
    checkpoint_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    checkpoint_root: Mapped[str | None] = mapped_column(String(64), nullable=True)
    categories: Mapped[str] = mapped_column(Text)
    valid: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

"""Derived views the workspace keeps so that pages need not recompute them: the totals per
date counted from a party's log (``store.counted_totals``). Nothing here is a record: every
row can be dropped and is recomputed from the log. Created by revision 0016_counted_totals
(the ``node`` branch)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from treatyledger.store.base import Base


class CountedTotalsRow(Base):
    """One party's totals per category on one date, as counted from its log at one version
    (count, last sequence) under one counting basis (rule set, catalog, treaty parties and
    software version, digested)."""

    __tablename__ = "view_counted_totals"
    __table_args__ = (
        UniqueConstraint("party", "basis", "log_count", "log_last", "day"),
        Index("ix_view_counted_totals_party_basis", "party", "basis"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    party: Mapped[str] = mapped_column(String(128))
    basis: Mapped[str] = mapped_column(String(64))
    log_count: Mapped[int] = mapped_column(BigInteger)
    log_last: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date] = mapped_column(Date)
    totals: Mapped[str] = mapped_column(Text)  # JSON: {category: total}

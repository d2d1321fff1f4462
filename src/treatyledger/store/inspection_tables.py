"""Inspection tables: findings as the inspectors submitted them (who and when), and the
compliance issues reconciliation derived from each, with their evidence. Created only by the
``inspect`` Alembic branch (0005_inspect)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from treatyledger.store.base import Base


class InspectionRecordRow(Base):
    """One inspection record; ``body`` is its JSON form exactly as validated and stored."""

    __tablename__ = "inspection_records"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    inspected_party: Mapped[str] = mapped_column(String(128), index=True)
    inspection_type: Mapped[str] = mapped_column(String(128))
    site: Mapped[str] = mapped_column(String(128))
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(128))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ComplianceIssueRow(Base):
    """One discrepancy found by reconciling a record; ``notifications`` is the JSON list of
    the references (``party#sequence``) cited as evidence, the finding is ``record_id``."""

    __tablename__ = "compliance_issues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("inspection_records.id"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))
    party: Mapped[str] = mapped_column(String(128))
    site: Mapped[str] = mapped_column(String(128))
    item: Mapped[str | None] = mapped_column(String(128), nullable=True)
    expected: Mapped[str] = mapped_column(Text)
    found: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    notifications: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))

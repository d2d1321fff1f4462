"""Inspection tables: findings as the inspectors submitted them (who and when), the
compliance issues derived from them or raised by a party, with their evidence and workflow
events, and inspections as the Protocol runs them. Created only by the ``inspect`` Alembic
branch (0005_inspect, 0014_issues)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
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
    """One compliance issue; ``notifications`` is the JSON list of the references
    (``party#sequence``) cited as evidence, the finding is ``record_id`` (none for an issue a
    party raised or an opened commitment contradicted), ``evidence`` the whole evidence
    (JSON of ``inspect.consultation.IssueEvidence``). ``uid`` is the issue's id on every node
    (``origin``-n), ``status`` the fold of its events, kept for counting."""

    __tablename__ = "compliance_issues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str | None] = mapped_column(
        String(128), ForeignKey("inspection_records.id"), index=True, nullable=True
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
    uid: Mapped[str] = mapped_column(String(128), unique=True)
    origin: Mapped[str] = mapped_column(String(128), index=True)
    raised_by: Mapped[str] = mapped_column(String(128))
    rule: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)


class ComplianceIssueEventRow(Base):
    """One workflow event of an issue (raise, answer, resolve), named by the node that
    recorded it and its number there."""

    __tablename__ = "compliance_issue_events"
    __table_args__ = (UniqueConstraint("issue_uid", "origin", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issue_uid: Mapped[str] = mapped_column(
        String(128), ForeignKey("compliance_issues.uid"), index=True
    )
    origin: Mapped[str] = mapped_column(String(128))
    number: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    party: Mapped[str] = mapped_column(String(128))
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)


class InspectionRunRow(Base):
    """One inspection as the Protocol runs it; ``body`` is the JSON of
    ``inspect.procedure.Inspection`` (its notice, designations or draw, phase)."""

    __tablename__ = "inspection_runs"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    inspected_party: Mapped[str] = mapped_column(String(128), index=True)
    inspecting_party: Mapped[str] = mapped_column(String(128))
    inspection_type: Mapped[str] = mapped_column(String(128))
    arrival: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    phase: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

"""Inspection tables: submitted inspection records and the compliance issues derived.

Revision ID: 0005_inspect
Revises: 0001_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_inspect"
down_revision = "0001_base"
branch_labels = ("inspect",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection_records",
        sa.Column("id", sa.String(128), nullable=False),
        sa.Column("inspected_party", sa.String(128), nullable=False),
        sa.Column("inspection_type", sa.String(128), nullable=False),
        sa.Column("site", sa.String(128), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.String(128), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_records")),
    )
    op.create_index(
        op.f("ix_inspection_records_inspected_party"), "inspection_records", ["inspected_party"]
    )
    op.create_table(
        "compliance_issues",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("party", sa.String(128), nullable=False),
        sa.Column("site", sa.String(128), nullable=False),
        sa.Column("item", sa.String(128), nullable=True),
        sa.Column("expected", sa.Text(), nullable=False),
        sa.Column("found", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("notifications", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["inspection_records.id"],
            name=op.f("fk_compliance_issues_record_id_inspection_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_issues")),
    )
    op.create_index(op.f("ix_compliance_issues_record_id"), "compliance_issues", ["record_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_compliance_issues_record_id"), table_name="compliance_issues")
    op.drop_table("compliance_issues")
    op.drop_index(op.f("ix_inspection_records_inspected_party"), table_name="inspection_records")
    op.drop_table("inspection_records")

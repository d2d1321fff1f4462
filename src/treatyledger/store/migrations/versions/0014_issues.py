"""Compliance issues as records of their own (an id on every node, who raised them, the rule,
the whole evidence, optional finding), their workflow events, and inspections as the Protocol
runs them.

Revision ID: 0014_issues
Revises: 0005_inspect
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_issues"
down_revision = "0005_inspect"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("compliance_issues") as batch:
        batch.alter_column("record_id", existing_type=sa.String(128), nullable=True)
        batch.add_column(sa.Column("uid", sa.String(128), nullable=True))
        batch.add_column(sa.Column("origin", sa.String(128), nullable=False, server_default=""))
        batch.add_column(sa.Column("raised_by", sa.String(128), nullable=False, server_default=""))
        batch.add_column(sa.Column("rule", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("evidence", sa.Text(), nullable=False, server_default="{}"))
    # issues stored before this revision keep their row id as their name
    op.execute("UPDATE compliance_issues SET uid = 'legacy-' || CAST(id AS VARCHAR(20))")
    with op.batch_alter_table("compliance_issues") as batch:
        batch.alter_column("uid", existing_type=sa.String(128), nullable=False)
        batch.create_unique_constraint(op.f("uq_compliance_issues_uid"), ["uid"])
        batch.create_index(op.f("ix_compliance_issues_origin"), ["origin"])
    op.create_table(
        "compliance_issue_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("issue_uid", sa.String(128), nullable=False),
        sa.Column("origin", sa.String(128), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("party", sa.String(128), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_uid"],
            ["compliance_issues.uid"],
            name=op.f("fk_compliance_issue_events_issue_uid_compliance_issues"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_issue_events")),
        sa.UniqueConstraint(
            "issue_uid", "origin", "number", name=op.f("uq_compliance_issue_events_issue_uid")
        ),
    )
    op.create_index(
        op.f("ix_compliance_issue_events_issue_uid"), "compliance_issue_events", ["issue_uid"]
    )
    op.create_table(
        "inspection_runs",
        sa.Column("id", sa.String(128), nullable=False),
        sa.Column("inspected_party", sa.String(128), nullable=False),
        sa.Column("inspecting_party", sa.String(128), nullable=False),
        sa.Column("inspection_type", sa.String(128), nullable=False),
        sa.Column("arrival", sa.DateTime(timezone=True), nullable=False),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_runs")),
    )
    op.create_index(
        op.f("ix_inspection_runs_inspected_party"), "inspection_runs", ["inspected_party"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_inspection_runs_inspected_party"), table_name="inspection_runs")
    op.drop_table("inspection_runs")
    op.drop_index(
        op.f("ix_compliance_issue_events_issue_uid"), table_name="compliance_issue_events"
    )
    op.drop_table("compliance_issue_events")
    op.execute("DELETE FROM compliance_issues WHERE record_id IS NULL")
    with op.batch_alter_table("compliance_issues") as batch:
        batch.drop_index(op.f("ix_compliance_issues_origin"))
        batch.drop_constraint(op.f("uq_compliance_issues_uid"), type_="unique")
        for column in ("evidence", "rule", "raised_by", "origin", "uid"):
            batch.drop_column(column)
        batch.alter_column("record_id", existing_type=sa.String(128), nullable=False)

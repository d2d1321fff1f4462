"""Totals per date counted from a party's log, kept for the dashboard's force-level pages
(``store.counted_totals``): a derived view, recomputed from the log whenever it misses.

Revision ID: 0016_counted_totals
Revises: 0010_node_principal_names
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_counted_totals"
down_revision = "0010_node_principal_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "view_counted_totals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("party", sa.String(128), nullable=False),
        sa.Column("basis", sa.String(64), nullable=False),
        sa.Column("log_count", sa.BigInteger(), nullable=False),
        sa.Column("log_last", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("totals", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_view_counted_totals")),
        sa.UniqueConstraint(
            "party",
            "basis",
            "log_count",
            "log_last",
            "day",
            name=op.f("uq_view_counted_totals_party"),
        ),
    )
    op.create_index("ix_view_counted_totals_party_basis", "view_counted_totals", ["party", "basis"])


def downgrade() -> None:
    op.drop_index("ix_view_counted_totals_party_basis", table_name="view_counted_totals")
    op.drop_table("view_counted_totals")

"""Transparency-log witnessing: this node's tlog-witness state and the witnesses it pushes
its checkpoints to (store/tlog_tables.py mirrors them).

Revision ID: 0006_tlog_witness
Revises: 0003_tlog
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_tlog_witness"
down_revision = "0003_tlog"
branch_labels = None
depends_on = None

NAME = 255


def upgrade() -> None:
    op.create_table(
        "tlog_witness_state",
        sa.Column("origin", sa.String(NAME), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("origin", name="pk_tlog_witness_state"),
    )
    op.create_table(
        "tlog_witnesses",
        sa.Column("name", sa.String(NAME), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("vkeys", sa.Text(), nullable=False),
        sa.Column("token_file", sa.Text(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_tlog_witnesses"),
    )


def downgrade() -> None:
    op.drop_table("tlog_witnesses")
    op.drop_table("tlog_witness_state")

"""zk tables: the verdict on every published zero-knowledge limit proof this workspace checked.

Revision ID: 0006_zk_limit_proofs
Revises: 0001_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_zk_limit_proofs"
down_revision = "0001_base"
branch_labels = ("zk",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zk_limit_proof_checks",
        sa.Column("party", sa.String(128), nullable=False),
        sa.Column("sequence", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.Column("rule_set", sa.String(64), nullable=False),
        sa.Column("as_of", sa.String(10), nullable=False),
        sa.Column("checkpoint_origin", sa.String(256), nullable=True),
        sa.Column("checkpoint_size", sa.BigInteger(), nullable=True),
        sa.Column("checkpoint_root", sa.String(64), nullable=True),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("party", "sequence", name=op.f("pk_zk_limit_proof_checks")),
    )


def downgrade() -> None:
    op.drop_table("zk_limit_proof_checks")

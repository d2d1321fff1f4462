"""Node tables: principals with hashed tokens, and peer sync state.

Revision ID: 0004_node
Revises: 0001_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_node"
down_revision = "0001_base"
branch_labels = ("node",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "node_principals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("vkey", sa.String(512), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_node_principals")),
        sa.UniqueConstraint("name", name=op.f("uq_node_principals_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_node_principals_token_hash")),
    )
    op.create_table(
        "node_peer_sync",
        sa.Column("origin", sa.String(256), nullable=False),
        sa.Column("party", sa.String(128), nullable=False),
        sa.Column("peer_url", sa.String(1024), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=True),
        sa.Column("checkpoint", sa.Text(), nullable=True),
        sa.Column("mirrored", sa.BigInteger(), nullable=False),
        sa.Column("pending", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("origin", name=op.f("pk_node_peer_sync")),
    )


def downgrade() -> None:
    op.drop_table("node_peer_sync")
    op.drop_table("node_principals")

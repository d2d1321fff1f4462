"""Transparency-log tables: logs, leaves, hash tiles, checkpoints, cosignatures
(store/tlog_tables.py mirrors them).

Revision ID: 0003_tlog
Revises: 0001_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_tlog"
down_revision = "0001_base"
branch_labels = ("tlog",)
depends_on = None

NAME = 255


def upgrade() -> None:
    op.create_table(
        "tlog_logs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("origin", sa.String(NAME), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tlog_logs"),
        sa.UniqueConstraint("origin", name="uq_tlog_logs_origin"),
    )
    op.create_table(
        "tlog_leaves",
        sa.Column("log", sa.Integer(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("leaf", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["log"], ["tlog_logs.id"], name="fk_tlog_leaves_log_tlog_logs"),
        sa.PrimaryKeyConstraint("log", "idx", name="pk_tlog_leaves"),
        # SQLite: the rows live in the primary-key b-tree itself, one write per leaf, not two
        sqlite_with_rowid=False,
    )
    op.create_table(
        "tlog_tiles",
        sa.Column("log", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["log"], ["tlog_logs.id"], name="fk_tlog_tiles_log_tlog_logs"),
        sa.PrimaryKeyConstraint("log", "level", "idx", name="pk_tlog_tiles"),
    )
    op.create_table(
        "tlog_checkpoints",
        sa.Column("log", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["log"], ["tlog_logs.id"], name="fk_tlog_checkpoints_log_tlog_logs"
        ),
        sa.PrimaryKeyConstraint("log", "size", name="pk_tlog_checkpoints"),
    )
    op.create_table(
        "tlog_cosignatures",
        sa.Column("log", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("cosigner", sa.String(NAME), nullable=False),
        sa.Column("key_id", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["log", "size"],
            ["tlog_checkpoints.log", "tlog_checkpoints.size"],
            name="fk_tlog_cosignatures_checkpoint",
        ),
        sa.PrimaryKeyConstraint("log", "size", "cosigner", "key_id", name="pk_tlog_cosignatures"),
    )


def downgrade() -> None:
    for table in (
        "tlog_cosignatures",
        "tlog_checkpoints",
        "tlog_tiles",
        "tlog_leaves",
        "tlog_logs",
    ):
        op.drop_table(table)

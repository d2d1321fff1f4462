"""Ledger tables: parties and keys, accepted notifications, materialized items, the
item -> notification index, workspace metadata (store/ledger_tables.py mirrors them).

Revision ID: 0002_ledger
Revises: 0001_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_ledger"
down_revision = "0001_base"
branch_labels = ("ledger",)
depends_on = None

ID = 128


def upgrade() -> None:
    op.create_table(
        "ledger_parties",
        sa.Column("party", sa.String(ID), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("party", name="pk_ledger_parties"),
    )
    op.create_table(
        "ledger_party_keys",
        sa.Column("party", sa.String(ID), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("party", "key_id", name="pk_ledger_party_keys"),
        sa.ForeignKeyConstraint(
            ["party"],
            ["ledger_parties.party"],
            name="fk_ledger_party_keys_party_ledger_parties",
        ),
        sa.UniqueConstraint("public_key", name="uq_ledger_party_keys_public_key"),
    )
    op.create_table(
        "ledger_notifications",
        sa.Column("party", sa.String(ID), nullable=False),
        sa.Column("sequence", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("effective_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_bytes", sa.LargeBinary(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("party", "sequence", name="pk_ledger_notifications"),
        sa.ForeignKeyConstraint(
            ["party"],
            ["ledger_parties.party"],
            name="fk_ledger_notifications_party_ledger_parties",
        ),
    )
    op.create_index(
        "ix_ledger_notifications_effective",
        "ledger_notifications",
        ["party", "effective_time"],
    )
    op.create_table(
        "ledger_items",
        sa.Column("party", sa.String(ID), nullable=False),
        sa.Column("uid", sa.String(ID), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("last_sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("party", "uid", name="pk_ledger_items"),
        sa.ForeignKeyConstraint(
            ["party"], ["ledger_parties.party"], name="fk_ledger_items_party_ledger_parties"
        ),
    )
    op.create_table(
        "ledger_item_notifications",
        sa.Column("party", sa.String(ID), nullable=False),
        sa.Column("uid", sa.String(ID), nullable=False),
        sa.Column("sequence", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("party", "uid", "sequence", name="pk_ledger_item_notifications"),
        sa.ForeignKeyConstraint(
            ["party", "sequence"],
            ["ledger_notifications.party", "ledger_notifications.sequence"],
            name="fk_ledger_item_notifications_notification",
        ),
    )
    op.create_index("ix_ledger_item_notifications_uid", "ledger_item_notifications", ["uid"])
    op.create_table(
        "ledger_workspace",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.String(1024), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_ledger_workspace"),
    )


def downgrade() -> None:
    op.drop_table("ledger_workspace")
    op.drop_index("ix_ledger_item_notifications_uid", table_name="ledger_item_notifications")
    op.drop_table("ledger_item_notifications")
    op.drop_table("ledger_items")
    op.drop_index("ix_ledger_notifications_effective", table_name="ledger_notifications")
    op.drop_table("ledger_notifications")
    op.drop_table("ledger_party_keys")
    op.drop_table("ledger_parties")

"""An index of the item -> notification rows by sequence: a snapshot's digest of the history
index is a chain over blocks of sequences (``store.item_index.index_digest``), each block a
range of this index, so that a snapshot hashes only the blocks since the last instead of
every row (1.4 s at 1,000,000 notifications, on the writer's thread; issue 19).

Revision ID: 0019_item_index_by_sequence
Revises: 0018_notification_kind_index
"""

from __future__ import annotations

from alembic import op

revision = "0019_item_index_by_sequence"
down_revision = "0018_notification_kind_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ledger_item_notifications_sequence",
        "ledger_item_notifications",
        ["party", "sequence", "uid"],
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_item_notifications_sequence", table_name="ledger_item_notifications")

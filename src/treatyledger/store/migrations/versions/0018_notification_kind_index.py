"""An index of the notifications by kind: the regime view (``store.regime_view``) reads every
log's regime events and databases, and the inventory as of a day every correction, on each
rebuild; without it each read scanned the whole table (issue 19).

Revision ID: 0018_notification_kind_index
Revises: 0015_ledger_snapshots
"""

from __future__ import annotations

from alembic import op

revision = "0018_notification_kind_index"
down_revision = "0015_ledger_snapshots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ledger_notifications_kind",
        "ledger_notifications",
        ["kind", "party", "sequence"],
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_notifications_kind", table_name="ledger_notifications")

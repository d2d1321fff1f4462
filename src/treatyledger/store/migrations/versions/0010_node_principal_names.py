"""Principal names are unique among active principals only: a name can be given again after
its principal was revoked (the revoked row stays). The table-wide unique constraint becomes
a partial unique index (WHERE revoked_at IS NULL), on SQLite and PostgreSQL alike.

Revision ID: 0010_node_principal_names
Revises: 0004_node
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_node_principal_names"
down_revision = "0004_node"
branch_labels = None
depends_on = None

ACTIVE = sa.text("revoked_at IS NULL")


def upgrade() -> None:
    # batch mode: SQLite cannot drop a constraint in place (the table is copied)
    with op.batch_alter_table("node_principals") as batch:
        batch.drop_constraint("uq_node_principals_name", type_="unique")
    op.create_index(
        "uq_node_principals_active_name",
        "node_principals",
        ["name"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )


def downgrade() -> None:
    # fails, as it must, where a name was reused after a revocation
    op.drop_index("uq_node_principals_active_name", table_name="node_principals")
    with op.batch_alter_table("node_principals") as batch:
        batch.create_unique_constraint("uq_node_principals_name", ["name"])

"""Alembic environment: runs on a connection handed in by treatyledger.store.migrate."""

from __future__ import annotations

from alembic import context

import treatyledger.store.tables  # noqa: F401  (registers every table on Base.metadata)
from treatyledger.store.base import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()

"""Persistence adapter: SQLAlchemy 2 for ledger, log and node state; Alembic migrations."""

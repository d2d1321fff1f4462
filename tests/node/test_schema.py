"""The node's tables exist only through its migration, and the migration matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from treatyledger.store.base import Base, make_engine
from treatyledger.store.migrate import upgrade


def test_node_migration_matches_the_table_models(db_url: str) -> None:
    import treatyledger.store.tables  # noqa: F401  (every table on Base.metadata)

    engine = make_engine(db_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    ours = [d for d in diffs if "node_" in repr(d)]
    assert ours == []

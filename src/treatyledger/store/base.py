"""The one SQLAlchemy metadata every table belongs to, and engine creation for both backends.
``Engine`` is re-exported for the adapters above the store (the node holds one and hands it
back to store functions; it never uses it itself)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


__all__ = ["SQLITE_PAGE_SIZE", "Base", "Engine", "make_engine", "ping"]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: Page size of a new SQLite database: a log's hash tile (16,352 bytes, treatyledger.tlog.tiles)
#: then sits whole in one page, so a cold proof reads each of its tiles in one read() instead
#: of a chain of four 4 KiB overflow pages (issue 19). Takes effect only when the file is
#: created; an existing database keeps its page size.
SQLITE_PAGE_SIZE = 32768


def _sqlite_durability(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the writer; synchronous=FULL makes a commit survive power
    # loss, which is what "acknowledged only after commit" promises. The page size must come
    # first: once the file is in WAL mode it cannot change.
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``)."""
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_durability)
    return engine


def ping(engine: Engine) -> None:
    """Raise unless the database answers a trivial query."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))

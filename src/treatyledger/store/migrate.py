"""Bring a database to the current schema with Alembic (the only way tables are created)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine

from treatyledger.store.errors import WorkspaceError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    """Apply every migration not yet applied (all branch heads)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, "heads")
        except CommandError as exc:
            raise WorkspaceError(_unknown_revision(config, connection, exc)) from None


def _unknown_revision(config: Config, connection: Connection, exc: CommandError) -> str:
    """Why the migrations could not run, for a person: the usual cause is a database written
    by a newer TreatyLedger, whose revisions this release does not know."""
    known = {s.revision for s in ScriptDirectory.from_config(config).walk_revisions()}
    unknown = sorted(set(MigrationContext.configure(connection).get_current_heads()) - known)
    if unknown:
        return (
            f"the database was written by a newer TreatyLedger (schema revision "
            f"{', '.join(unknown)} is unknown to this release): upgrade treatyledger to open it"
        )
    return f"the database schema cannot be brought up to date: {exc}"

"""What every command group shares: the user-mistake error, output formats, option parsing.

The vocabulary (docs/architecture.md, "treatyledger.cli"): a command names its workspace with
``-w/--workspace DIR``; a required workspace is also read from ``TREATYLEDGER_WORKSPACE``,
an optional one (where a file is the other source, e.g. ``count --inventory``) only from the
command line. Tree sizes of a consistency proof are ``--old-size/--new-size`` (roots
``--old-root/--new-root``), those of an inclusion proof ``--index/--size``. Reports take
``--format table|json``; the database override is ``--db URL``.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path

import typer

from treatyledger.errors import InputError

# The one way a command names its workspace: -w/--workspace, or TREATYLEDGER_WORKSPACE.
WORKSPACE_ENV = "TREATYLEDGER_WORKSPACE"


def workspace_option(
    help_text: str = "The party's workspace directory.", *, required: bool = True
) -> Path:
    """``-w/--workspace DIR``: required (and read from TREATYLEDGER_WORKSPACE), or optional
    where another source can stand in for it (command line only, so that a variable set for
    other commands never collides with ``--inventory``)."""
    if required:
        result: Path = typer.Option(
            ...,
            "--workspace",
            "-w",
            envvar=WORKSPACE_ENV,
            file_okay=False,
            help=help_text,
        )
        return result
    optional: Path = typer.Option(None, "--workspace", "-w", file_okay=False, help=help_text)
    return optional


def db_option() -> str | None:
    """``--db URL``: a database URL overriding the workspace's."""
    result: str | None = typer.Option(None, "--db", help="Database URL overriding the workspace's.")
    return result


class CommandLineError(InputError):
    """An option value or input the command cannot use."""


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def format_option() -> OutputFormat:
    result: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format.")
    return result


def parse_date(value: str | None, option: str) -> date | None:
    """``YYYY-MM-DD`` or None; anything else names the option and what was found."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandLineError(f"{option}: expected a date YYYY-MM-DD, found {value!r}") from None


def split_list(value: str, option: str) -> list[str]:
    """A non-empty comma-separated list."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not parts:
        raise CommandLineError(f"{option}: expected a comma-separated list, found {value!r}")
    return parts

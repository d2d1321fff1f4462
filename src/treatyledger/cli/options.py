"""What every command group shares: the user-mistake error, output formats, option parsing."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path

import typer

from treatyledger.errors import InputError

# The one way a command names its workspace: -w/--workspace, or TREATYLEDGER_WORKSPACE.
WORKSPACE_ENV = "TREATYLEDGER_WORKSPACE"


def workspace_option(help_text: str = "The party's workspace directory.") -> Path:
    """A required ``-w/--workspace DIR`` option (also read from TREATYLEDGER_WORKSPACE)."""
    result: Path = typer.Option(..., "--workspace", "-w", envvar=WORKSPACE_ENV, help=help_text)
    return result


class CommandLineError(InputError):
    """An option value or input the command cannot use."""


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


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

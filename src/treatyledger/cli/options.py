"""What every command group shares: the user-mistake error, output formats, option parsing.

The vocabulary (docs/architecture.md, "treatyledger.cli"): a command names its workspace with
``-w/--workspace DIR``; a required workspace is also read from ``TREATYLEDGER_WORKSPACE``,
an optional one (where a file is the other source, e.g. ``count --inventory``) only from the
command line. Tree sizes of a consistency proof are ``--old-size/--new-size`` (roots
``--old-root/--new-root``), those of an inclusion proof ``--index/--size``. Reports take
``--format table|json``; the database override is ``--db URL``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from treatyledger.cli.errors import CommandLineError
from treatyledger.errors import ExitCode

if TYPE_CHECKING:
    from rich.table import Table

    from treatyledger.rules import RuleSet

# The one way a command names its workspace: -w/--workspace, or TREATYLEDGER_WORKSPACE.
WORKSPACE_ENV = "TREATYLEDGER_WORKSPACE"
# A bearer token: --token-file FILE, or TREATYLEDGER_TOKEN, or (visible in `ps`) --token.
TOKEN_ENV = "TREATYLEDGER_TOKEN"
MAX_TOKEN_BYTES = 4096


def workspace_option(
    help_text: str = "The party's workspace directory.",
    *,
    required: bool = True,
    from_env: bool = False,
) -> Path:
    """``-w/--workspace DIR``: required (and read from TREATYLEDGER_WORKSPACE), or optional
    where another source can stand in for it (command line only unless ``from_env``, so that
    a variable set for other commands never collides with ``--inventory``)."""
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
    optional: Path = typer.Option(
        None,
        "--workspace",
        "-w",
        envvar=WORKSPACE_ENV if from_env else None,
        file_okay=False,
        help=help_text,
    )
    return optional


def db_option() -> str | None:
    """``--db URL``: a database URL overriding the workspace's."""
    result: str | None = typer.Option(None, "--db", help="Database URL overriding the workspace's.")
    return result


def token_option(help_text: str) -> str | None:
    """``--token T``, also read from TREATYLEDGER_TOKEN (a command line is visible to every
    user of the machine in ``ps``; the variable and ``--token-file`` are not)."""
    result: str | None = typer.Option(
        None,
        "--token",
        envvar=TOKEN_ENV,
        help=f"{help_text} Prefer --token-file or {TOKEN_ENV}: a command line shows in `ps`.",
    )
    return result


def token_file_option() -> Path | None:
    """``--token-file FILE``: a file holding the token (mode 600); wins over --token."""
    result: Path | None = typer.Option(
        None,
        "--token-file",
        dir_okay=False,
        help="File holding the token (one line, mode 600); takes precedence over --token.",
    )
    return result


def resolve_token(token: str | None, token_file: Path | None) -> str | None:
    """The token from ``--token-file``, else ``--token``/TREATYLEDGER_TOKEN, else None. A file
    others may read is used, with a warning on stderr."""
    if token_file is None:
        return token.strip() if token is not None and token.strip() else None
    with token_file.open("rb") as handle:
        data = handle.read(MAX_TOKEN_BYTES + 1)
    if len(data) > MAX_TOKEN_BYTES:
        raise CommandLineError(f"--token-file {token_file}: more than {MAX_TOKEN_BYTES} bytes")
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise CommandLineError(f"--token-file {token_file}: not an ASCII token") from None
    if not text or "\n" in text or " " in text:
        raise CommandLineError(f"--token-file {token_file}: expected one token on one line")
    if token_file.stat().st_mode & 0o077:
        from treatyledger.cli.app import err_console

        err_console.print(
            f"warning: {token_file} may be read by others (chmod 600 it)",
            highlight=False,
            markup=False,
        )
    return text


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def format_option() -> OutputFormat:
    result: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format.")
    return result


def progress_bar(*, disable: bool = False, counted: bool = True) -> Any:
    """A Rich progress bar on stderr (``err_console``), gone when done; for any command that
    can run for more than a couple of seconds. Use ``with progress_bar() as progress``;
    ``counted=False`` for a step without a count (no "done/total" column)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from treatyledger.cli.app import err_console, real_console

    console = real_console(err_console)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        *([MofNCompleteColumn()] if counted else []),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        # off a terminal a bar draws nothing but leaves an empty line in the log
        disable=disable or not console.is_terminal,
    )


@contextmanager
def working(description: str) -> Iterator[None]:
    """An open-ended progress bar on stderr while one long step runs (a replay, an audit,
    a large report), for the steps that cannot say how far they are."""
    with progress_bar(counted=False) as progress:
        progress.add_task(description, total=None)
        yield


#: Rich lays out a table cell by cell (about 2 ms a row); a longer one is printed as plain
#: aligned columns, which a pipe or a pager reads as well
PLAIN_TABLE_ROWS = 1_000


def print_table(table: Table) -> None:
    """``table`` on stdout: Rich's rendering, or plain aligned columns (the same header and
    cells) beyond ``PLAIN_TABLE_ROWS`` rows, where Rich would take seconds to minutes."""
    from rich.text import Text

    from treatyledger.cli.app import console

    if table.row_count <= PLAIN_TABLE_ROWS:
        console.print(table)
        return
    columns = [
        [str(column.header), *(c.plain if isinstance(c, Text) else str(c) for c in column.cells)]
        for column in table.columns
    ]
    widths = [max(map(len, cells)) for cells in columns]
    lines = [str(table.title)] if table.title else []
    for row in zip(*columns, strict=True):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    lines.insert(2 if table.title else 1, "  ".join("-" * w for w in widths))
    typer.echo("\n".join(lines))


def load_checked_rule_set(name: str) -> RuleSet:
    """A rule set by name or file, as every command loads one: what is suspicious in it
    (overlapping clauses, named by id) is printed as a warning on stderr."""
    from treatyledger.cli.app import err_console
    from treatyledger.files import load_rule_set
    from treatyledger.rules import rule_set_warnings

    rule_set = load_rule_set(name)
    for warning in rule_set_warnings(rule_set):
        err_console.print(f"warning: {warning}", highlight=False, markup=False)
    return rule_set


def print_json(data: Any) -> None:
    """A report as JSON on stdout (what ``--format json`` prints)."""
    typer.echo(json.dumps(data, indent=2, default=str))


def invalid(output: OutputFormat, reason: str, **data: Any) -> typer.Exit:
    """A check that did not verify: ``invalid: REASON`` on stderr, or with ``--format json``
    ``{"valid": false, "reason": ...}`` on stdout; exit 1 (raise what this returns)."""
    if output is OutputFormat.JSON:
        print_json({"valid": False, "reason": reason, **data})
    else:
        from rich.markup import escape

        from treatyledger.cli.app import err_console

        err_console.print(
            f"[bold red]invalid:[/] {escape(reason)}", highlight=False, soft_wrap=True
        )
    return typer.Exit(ExitCode.INVALID)


def write_private(path: Path, text: str) -> None:
    """Write a secret (salts, blinding factors, a key) to a new file, durably. Created 0600
    from the start (O_EXCL), so it is never readable by others and never overwrites one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def read_bounded_json(path: Path, limit: int, error: type[Exception]) -> Any:
    """The JSON document at ``path``, refused with ``error`` (one line naming the file) if it
    cannot be read, is over ``limit`` bytes or is not UTF-8 JSON; never reads past the limit."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from None
    if len(data) > limit:
        raise error(f"{path}: more than {limit} bytes")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise error(f"{path}: not UTF-8 JSON: {exc}") from None


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

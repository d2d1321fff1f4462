"""Command line: ``treatyledger``. Each area registers its commands on the root app.

``main`` is the one error boundary: a user mistake prints one line on stderr and exits with
its ``ExitCode``, never a traceback. Typer (>= 0.22) carries its own copy of click, so the
click exceptions are caught through typer's public base ``typer.TyperException``, not
through a ``click`` import (that one is a different class when both are installed).

A reader that goes away (``treatyledger rules list | head -1``) ends the output, not the
command: ``main`` writes through ``_PipeSafe`` streams, which send the rest of the output to
``/dev/null`` after the first ``BrokenPipeError``, so the command finishes quietly and exits
with the status it would have had (a failed verification piped into ``head`` is still 1).
SIGPIPE keeps Python's default (ignored, so a write raises ``BrokenPipeError``): under
SIG_DFL the process would die with 141 and its exit status would be lost.
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO, cast

import typer

from treatyledger.cli.app import VERSION, app, err_console
from treatyledger.errors import ExitCode, TreatyLedgerError

PROG = "treatyledger"

#: every module that registers commands on ``app``
AREAS = (
    "analyze",
    "counting",
    "escrow",
    "evidence",
    "inspect",
    "issue",
    "keys",
    "log",
    "node",
    "records",
    "regime",
    "report",
    "tiles",
    "workspace",
    "zk",
)
#: the modules a top-level command needs: ``treatyledger count ...`` imports only
#: cli.counting (a command not named here, or none, imports them all; tests/cli/test_startup.py
#: holds this table to what the modules register)
COMMANDS: dict[str, tuple[str, ...]] = {
    "analyze": ("analyze",),
    "calendar": ("regime",),
    "count": ("counting",),
    "escrow": ("escrow",),
    "evidence": ("evidence",),
    "explain": ("counting",),
    "history": ("workspace",),
    "import-inventory": ("workspace",),
    "init": ("workspace",),
    "inspect": ("inspect",),
    "inventory": ("workspace",),
    "issue": ("issue",),
    "keys": ("keys",),
    "log": ("log", "tiles"),
    "notify": ("workspace",),
    "peer": ("node",),
    "principal": ("node",),
    "reconcile": ("workspace",),
    "report": ("report",),
    "rules": ("counting",),
    "schema": ("workspace", "records"),
    "serve": ("node",),
    "series": ("workspace",),
    "witness": ("node",),
    "zk": ("zk",),
}


def load(args: list[str] | None = None) -> None:
    """Register the commands ``args`` name (all of them without ``args``)."""
    first = next((a for a in args or () if not a.startswith("-")), None)
    for name in COMMANDS.get(first, AREAS) if first is not None else AREAS:
        importlib.import_module(f"treatyledger.cli.{name}")


def load_all() -> None:
    load()


def _error(message: str) -> None:
    from rich.markup import escape

    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _usage_error(exc: typer.TyperException) -> int:
    """A click usage error as one line naming the command and where its help is."""
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else PROG
    if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
        # a group or command given nothing: its help is the useful answer (stderr, exit 2)
        err_console.print(ctx.get_help(), highlight=False, markup=False, soft_wrap=True)
        return ExitCode.MALFORMED
    _error(f"{_one_line(exc.format_message())} (see '{command} --help')")
    code = getattr(exc, "exit_code", ExitCode.MALFORMED)
    return int(code) if code != 1 else ExitCode.MALFORMED


def _os_error(exc: OSError) -> int:
    """A path the user named that cannot be used: missing, a directory, exists, no access."""
    what = exc.strerror or str(exc)
    where = exc.filename if exc.filename is not None else ""
    if exc.filename2 is not None:
        where = f"{where} -> {exc.filename2}"
    _error(f"{where}: {what}" if where else what)
    if exc.errno in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.ECONNREFUSED):
        return ExitCode.UNAVAILABLE
    return ExitCode.MALFORMED


def _short_help(text: str | None, limit: int = 45) -> str:
    """The first sentence of a help text, as click shortens it for a command list."""
    import inspect

    words = inspect.cleandoc(text or "").split("\n\n")[0].split()
    short = " ".join(words)
    end = short.find(". ")
    short = short[: end + 1] if end != -1 else short
    if len(short) > limit:
        short = short[: limit - 3].rsplit(" ", 1)[0] + "..."
    return short


def _root_help() -> str:
    """The root's help from the registered commands' names and help texts alone: building
    every command (typer evaluates each one's signature) costs more than the listing."""
    import textwrap

    rows: list[tuple[str, str | None]] = []
    for command in app.registered_commands:
        text = command.help if isinstance(command.help, str) else command.callback.__doc__
        rows.append((command.name or "", text))
    for group in app.registered_groups:
        text = group.typer_instance.info.help if group.typer_instance else None
        rows.append((group.name or "", text if isinstance(text, str) else None))
    longest = max(len(name) for name, _ in rows)
    width, limit = longest + 2, 80 - 6 - longest  # as click lays out a command list
    about = textwrap.wrap(str(app.info.help), 76, initial_indent="  ", subsequent_indent="  ")
    lines = [
        f"Usage: {PROG} [OPTIONS] COMMAND [ARGS]...",
        "",
        *about,
        "",
        "Options:",
        "  --help  Show this message and exit.",
        "",
        "Commands:",
        *(f"  {name:<{width}}{_short_help(text, limit)}".rstrip() for name, text in rows),
        "",
        f"  {PROG} --version prints the version.",
    ]
    return "\n".join(lines)


def _plain_help(args: list[str]) -> bool:
    """``[COMMAND...] --help``: print that command's help from the command tree without
    parsing (typer would build pydantic validators for the parent groups' options first,
    which costs more than the rest of the start-up). False when ``args`` are anything else."""
    if not args or args[-1] not in ("--help", "-h") or any(a.startswith("-") for a in args[:-1]):
        return False
    if args == ["--help"]:
        typer.echo(_root_help())
        return True
    from typer.main import get_command

    command: Any = get_command(app)
    ctx = command.context_class(command, info_name=PROG)
    for name in args[:-1]:
        sub = getattr(command, "commands", {}).get(name)
        if sub is None:
            return False  # an unknown command: the usual error
        command = sub
        ctx = command.context_class(command, info_name=name, parent=ctx)
    if args[-1] == "-h" and "-h" not in ctx.help_option_names:
        return False
    typer.echo(command.get_help(ctx))
    return True


class _PipeSafe:
    """A text stream whose closed reader ends the output quietly: from the first
    ``BrokenPipeError`` on, its descriptor points at ``/dev/null`` (later writes, and the
    interpreter's last flush, go nowhere) and the command carries on to its own exit status.
    Rich would otherwise exit 1 ("invalid") and ``print`` raise into the ``OSError`` branch."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def _discard(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self._stream.fileno())
        finally:
            os.close(devnull)

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._discard()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._discard()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def _pipe_safe_output() -> Iterator[None]:
    """stdout and stderr through ``_PipeSafe`` while ``main`` runs (restored after, for the
    tests that call ``main`` in one process)."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (cast("TextIO", _PipeSafe(s)) for s in saved)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = saved


def main(argv: list[str] | None = None) -> int:
    with _pipe_safe_output():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        typer.echo(VERSION)
        return ExitCode.VALID
    load(args)
    if _plain_help(args):
        return ExitCode.VALID
    try:
        result = app(args=argv, prog_name=PROG, standalone_mode=False)
    except TreatyLedgerError as exc:
        _error(_one_line(str(exc)) or type(exc).__name__)
        return int(exc.exit_code)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        return 130
    except typer.TyperException as exc:  # click's ClickException, UsageError, FileError
        return _usage_error(exc)
    except OSError as exc:
        return _os_error(exc)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    # click returns the code of a typer.Exit instead of raising it when not standalone
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())

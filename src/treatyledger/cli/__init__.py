"""Command line: ``treatyledger``. Each area registers its commands on the root app.

``main`` is the one error boundary: a user mistake prints one line on stderr and exits with
its ``ExitCode``, never a traceback. Typer (>= 0.22) carries its own copy of click, so the
click exceptions are caught through typer's public base ``typer.TyperException``, not
through a ``click`` import (that one is a different class when both are installed).
"""

from __future__ import annotations

import errno
import sys

import typer
from rich.markup import escape

# Importing the area modules registers their commands on ``app``.
from treatyledger.cli import (  # noqa: F401
    analyze,
    counting,
    escrow,
    evidence,
    inspect,
    issue,
    keys,
    log,
    node,
    records,
    regime,
    report,
    tiles,
    workspace,
    zk,
)
from treatyledger.cli.app import app, err_console
from treatyledger.errors import ExitCode, TreatyLedgerError

PROG = "treatyledger"


def _error(message: str) -> None:
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


def main(argv: list[str] | None = None) -> int:
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

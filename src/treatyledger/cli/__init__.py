"""Command line: ``treatyledger``. Each area registers its commands on the root app; a user
mistake (any TreatyLedgerError) prints one line and exits non-zero, never a traceback."""

from __future__ import annotations

import sys

import click
from rich.markup import escape

# Importing the area modules registers their commands on ``app``.
from treatyledger.cli import (  # noqa: F401
    analyze,
    counting,
    escrow,
    evidence,
    inspect,
    log,
    node,
    tiles,
    workspace,
    zk,
)
from treatyledger.cli.app import app, err_console
from treatyledger.errors import TreatyLedgerError


def main(argv: list[str] | None = None) -> int:
    try:
        result = app(args=argv, standalone_mode=False)
    except TreatyLedgerError as exc:
        err_console.print(
            f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        err_console.print("aborted")
        return 130
    # click returns the code of a typer.Exit instead of raising it when not standalone
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())

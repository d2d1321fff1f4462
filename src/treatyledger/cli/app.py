"""The root Typer application and the shared Rich consoles."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="treatyledger",
    help="Accounting, transparency and verification of strategic arms-reduction agreements.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)

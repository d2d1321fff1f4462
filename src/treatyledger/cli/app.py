"""The root Typer application and the shared Rich consoles."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from treatyledger import __version__
from treatyledger.model.text import visible

app = typer.Typer(
    name="treatyledger",
    help="Accounting, transparency and verification of strategic arms-reduction agreements.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


class VisibleConsole(Console):
    """A console that shows control and bidirectional characters as ``<U+XXXX>`` in every
    string it renders (messages, table cells): names and reasons come from the other party,
    and a terminal escape or a right-to-left override must not act on the reader's screen."""

    def render_str(self, text: str, **options: Any) -> Text:
        return super().render_str(visible(text), **options)


def _console(stderr: bool = False) -> VisibleConsole:
    # Piped output is not cut to 80 columns: without a terminal, tables and lines take the
    # width they need (a terminal's own width still applies when there is one).
    console = VisibleConsole(stderr=stderr)
    if not console.is_terminal:
        console = VisibleConsole(stderr=stderr, width=1000)
    return console


console = _console()
err_console = _console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"treatyledger {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """Accounting, transparency and verification of strategic arms-reduction agreements."""

"""The root Typer application and the shared Rich consoles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import typer

from treatyledger import __version__
from treatyledger.text import visible

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

app = typer.Typer(
    name="treatyledger",
    help="Accounting, transparency and verification of strategic arms-reduction agreements.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # plain click help: typer's Rich help imports markdown-it, rich.traceback and attrs,
    # more than the whole CLI (docs/performance.md, start-up)
    rich_markup_mode=None,
)


def _visible_console_class() -> type[Console]:
    from rich.console import Console

    class VisibleConsole(Console):
        """A console that shows control and bidirectional characters as ``<U+XXXX>`` in
        every string it renders (messages, table cells): names and reasons come from the
        other party, and a terminal escape or a right-to-left override must not act on the
        reader's screen."""

        def render_str(self, text: str, **options: Any) -> Text:
            return super().render_str(visible(text), **options)

    return VisibleConsole


def __getattr__(name: str) -> Any:
    # ``from treatyledger.cli.app import VisibleConsole`` without Rich's console at start-up
    if name == "VisibleConsole":
        cls = _visible_console_class()
        globals()["VisibleConsole"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _visible_console(stderr: bool) -> Console:
    """Piped output is not cut to 80 columns: without a terminal, tables and lines take the
    width they need (a terminal's own width still applies when there is one)."""
    cls = __getattr__("VisibleConsole")
    console: Console = cls(stderr=stderr)
    if not console.is_terminal:
        console = cls(stderr=stderr, width=1000)
    return console


class _LazyConsole:
    """Stands for the Rich console until first used: importing Rich's console is a good part
    of the start-up that ``--help`` need not pay."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def get(self) -> Console:
        if self._console is None:
            self._console = _visible_console(self._stderr)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


# typed as the Console they stand for; Rich's own classes get the real one (``.get()``)
console = cast("Console", _LazyConsole(stderr=False))
err_console = cast("Console", _LazyConsole(stderr=True))


def real_console(lazy: Any) -> Console:
    """The Rich console behind ``console`` or ``err_console`` (for Rich's Progress, Live)."""
    return lazy.get() if isinstance(lazy, _LazyConsole) else lazy


VERSION = f"treatyledger {__version__}"


@app.callback(epilog="treatyledger --version prints the version.")
def root() -> None:
    """Accounting, transparency and verification of strategic arms-reduction agreements."""
    # --version is answered by cli.main before typer parses anything: a typed root option
    # would make typer build its pydantic coercion for every command, --help included

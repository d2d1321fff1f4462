"""Long steps say they are working (issue 12): an open-ended bar on stderr while a command
replays or reads a large input, drawn only on a terminal; tables longer than Rich draws
quickly come out as plain aligned columns."""

from __future__ import annotations

import importlib
import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.table import Table

from treatyledger.cli import main
from treatyledger.cli.options import PLAIN_TABLE_ROWS, print_table, working

EXAMPLES = Path(__file__).parents[2] / "examples"
# the module, not the Typer app that treatyledger.cli exports under the same name
cli_app = importlib.import_module("treatyledger.cli.app")


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """stderr as a terminal, so that progress bars draw into the buffer returned."""
    buffer = io.StringIO()
    monkeypatch.setattr(cli_app, "err_console", Console(file=buffer, force_terminal=True))
    return buffer


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().out


def test_working_draws_its_description_on_a_terminal(terminal: io.StringIO) -> None:
    with working("replaying"):
        pass
    assert "replaying" in terminal.getvalue()


def test_count_of_a_workspace_says_it_is_replaying(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], terminal: io.StringIO
) -> None:
    ws = tmp_path / "us"
    assert run(capsys, "init", "-w", ws, "--party", "US")[0] == 0
    assert run(capsys, "import-inventory", "-w", ws, EXAMPLES / "inventory.csv")[0] == 0
    code, out = run(capsys, "count", "-w", ws)
    assert code == 0 and "deployed_warheads" in out
    assert "replaying the workspace's notifications" in terminal.getvalue()


def test_a_long_table_is_printed_as_plain_aligned_columns(
    capsys: pytest.CaptureFixture[str],
) -> None:
    table = Table("uid", "status", title="items")
    rows = [(f"US-W-{i}", "stored" if i % 2 else "deployed") for i in range(PLAIN_TABLE_ROWS + 1)]
    for row in rows:
        table.add_row(*row)
    print_table(table)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["items", "uid        status", "---------  --------"]  # US-W-1000: 9
    assert lines[3:] == [f"{uid.ljust(9)}  {status}" for uid, status in rows]


def test_a_short_table_keeps_rich_rendering(capsys: pytest.CaptureFixture[str]) -> None:
    table = Table("uid", "status")
    table.add_row("US-W-1", "stored")
    print_table(table)
    out = capsys.readouterr().out
    assert "┃ uid" in out and "│ US-W-1" in out

"""Start-up (issue 12): the command line imports none of the heavy libraries until a command
needs them, so ``--help`` answers at once; bench/startup_bench.py measures it. The constants
the CLI names for its help texts instead of importing them are the cores' own."""

from __future__ import annotations

import json
import subprocess
import sys
import typing

import pytest
import typer.main

from treatyledger.cli import AREAS, COMMANDS, load_all, main
from treatyledger.cli.app import app

HEAVY = (
    "scipy",
    "numpy",
    "sqlalchemy",
    "fastapi",
    "httpx",
    "matplotlib",
    "pydantic",
    "cryptography",
    "treatyledger.store",
    "treatyledger.rules",
)


def test_importing_the_cli_imports_no_heavy_library() -> None:
    probe = (
        "import json, sys, treatyledger.cli; treatyledger.cli.load_all(); "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(done.stdout) == []


_LEAVES_SOURCE = """
def _leaves(command, path=None):
    path = path or (command.name,)
    if not hasattr(command, "commands"):
        return [" ".join(path)]
    found = []
    for name, sub in sorted(command.commands.items()):
        found += _leaves(sub, (*path, name))
    return found
"""


def _leaves(group: typing.Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            found += _leaves(command, (*path, name))
        else:
            found.append((*path, name))
    return found


load_all()
LEAVES = _leaves(typer.main.get_command(app))


def test_each_command_names_the_modules_that_register_it() -> None:
    """``treatyledger NAME`` imports only ``COMMANDS[NAME]``: loaded alone (in a fresh
    process), those register NAME and everything under it."""
    tree = typer.main.get_command(app)
    assert set(COMMANDS) == set(tree.commands)  # every top-level command is in the table
    assert {m for modules in COMMANDS.values() for m in modules} == set(AREAS)
    for name, modules in COMMANDS.items():
        probe = (
            "import importlib, json, typer.main; from treatyledger.cli.app import app; "
            f"[importlib.import_module('treatyledger.cli.' + m) for m in {modules!r}]; "
            f"print(json.dumps(sorted(_leaves(typer.main.get_command(app).commands[{name!r}]))))"
        )
        # the leaves under NAME when only its modules are imported, against all of them
        expected = sorted(" ".join(p) for p in LEAVES if p[0] == name)
        code = "import typing\n" + _LEAVES_SOURCE + "\n" + probe
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert json.loads(done.stdout) == expected, name


@pytest.mark.parametrize("path", LEAVES, ids=[" ".join(p) for p in LEAVES])
def test_every_command_has_its_help(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*path, "--help"]) == 0
    assert "Usage" in capsys.readouterr().out


def test_the_names_the_cli_keeps_for_its_help_are_the_cores() -> None:
    from treatyledger.analysis.scenarios import SCENARIOS
    from treatyledger.cli import analyze, escrow, issue, workspace, zk
    from treatyledger.escrow.published import LOG_ENTRY_FORMAT
    from treatyledger.inspect.consultation import IssueStatus
    from treatyledger.ledger.policy import DEFAULT_MAX_FUTURE
    from treatyledger.store.ledger_store import MAX_BATCH
    from treatyledger.zk.limits import DEFAULT_BITS

    assert tuple(SCENARIOS) == analyze.SCENARIO_NAMES
    assert escrow.LOG_ENTRY_FORMAT == LOG_ENTRY_FORMAT
    assert workspace.MAX_BATCH == MAX_BATCH
    assert DEFAULT_MAX_FUTURE.total_seconds() == workspace.DEFAULT_MAX_FUTURE_DAYS * 86400
    assert zk.DEFAULT_BITS == DEFAULT_BITS
    assert [s.value for s in issue.StatusFilter] == [s.value for s in IssueStatus]


def test_the_root_help_lists_every_command_with_its_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: treatyledger [OPTIONS] COMMAND [ARGS]...")
    listed = dict(
        line.split(None, 1) for line in out.split("Commands:\n")[1].splitlines() if line.strip()
    )
    tree = typer.main.get_command(app)
    assert set(tree.commands) <= set(listed)
    for name, command in tree.commands.items():
        words = (command.help or "").split()[:3]  # the help's first words, as click shows them
        assert listed[name].split()[:3] == words, name

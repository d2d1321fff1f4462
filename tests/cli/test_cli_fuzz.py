"""Every command and subcommand, driven with the mistakes a newcomer makes: nothing, an unknown
option, a bad number or date, a missing file, a directory for a file and a file for a
directory. Each must answer with an exit code of ``ExitCode`` and, when it fails, one line
on stderr; never a traceback.

The command tree is walked from the Typer app, so a new command is fuzzed without editing
this file. The commands run in-process (``treatyledger.cli.main``); a few subprocess cases
check the installed entry point itself.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import types
import typing
from collections.abc import Iterator
from enum import Enum
from pathlib import Path

import pytest
import typer.main

from treatyledger.cli import load_all, main
from treatyledger.cli.app import app
from treatyledger.errors import ExitCode
from treatyledger.store.workspace import Workspace

INVENTORIES = Path(__file__).parents[2] / "src" / "treatyledger" / "data" / "inventories"
DOCUMENTED = {int(code) for code in ExitCode}
# Commands that serve until interrupted: only their argument errors are fuzzed here.
LONG_RUNNING = {("serve",)}
URL = "http://127.0.0.1:9"  # the discard port: connection refused at once
DATE_OPTIONS = {"--as-of", "--from", "--to", "--at", "--dates"}
# Path parameters that name a directory (the rest name files).
DIRECTORY_PARAMS = {"workspace", "directory", "evidence_dir"}
DIRECTORY_OPTIONS = {("escrow", "commit"): {"out"}, ("report",): {"out"}}


def _commands(
    group: typing.Any, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], typing.Any]]:
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield (*path, name), command
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


load_all()
ROOT = typer.main.get_command(app)
COMMANDS = list(_commands(ROOT))
LEAVES = [(path, command) for path, command in COMMANDS if not hasattr(command, "commands")]
GROUPS = [path for path, command in COMMANDS if hasattr(command, "commands")]


def _scalar(annotation: typing.Any) -> typing.Any:
    """int for list[int], Path for Path | None, ..."""
    origin = typing.get_origin(annotation)
    if origin in (list, tuple):
        return typing.get_args(annotation)[0]
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _scalar(rest[0])
    return annotation


def _kind(param: typing.Any) -> typing.Any:
    return _scalar(param.type_descriptor.annotation)


def _is_option(param: typing.Any) -> bool:
    return param.param_type_name == "option"


def _is_flag(param: typing.Any) -> bool:
    return bool(getattr(param, "is_flag", False))


def _is_directory(path: tuple[str, ...], param: typing.Any) -> bool:
    info = param.type_descriptor.parameter_info
    if getattr(info, "file_okay", True) is False:
        return True
    return param.name in DIRECTORY_PARAMS or param.name in DIRECTORY_OPTIONS.get(path, set())


class Places:
    """Real things for the parameters a case does not make wrong."""

    def __init__(self, root: Path, workspace: Path):
        self.root = root
        self.workspace = workspace
        self.count = 0
        self.missing = root / "no-such-file.json"
        self.directory = root / "a-directory"
        self.directory.mkdir()
        self.file = root / "a-file.json"
        self.file.write_text("{}\n")

    def fresh(self, name: str) -> Path:
        self.count += 1
        return self.root / f"{name}-{self.count}"

    def value(self, path: tuple[str, ...], param: typing.Any) -> str:
        kind = _kind(param)
        if kind is Path:
            if param.name == "workspace":
                return str(self.workspace)
            if _is_directory(path, param):
                return str(self.fresh("dir"))
            return str(self.file)
        if isinstance(kind, type) and issubclass(kind, Enum):
            return str(next(iter(kind)).value)
        if kind is int:
            return "1"
        if kind is float:
            return "0.5"
        if _is_option(param) and set(param.opts) & DATE_OPTIONS:
            return "2020-09-01"
        if param.name in {"peer", "node", "url", "tiles"}:
            return URL
        return "x"


def _option(param: typing.Any) -> str:
    return str(max(param.opts, key=len))


def _argv(
    path: tuple[str, ...], command: typing.Any, places: Places, override: dict[str, str]
) -> list[str]:
    """Every required parameter (and the overridden ones) filled in."""
    argv = list(path)
    for param in command.params:
        if param.name in override:
            value = override[param.name]
        elif param.required and not _is_flag(param):
            value = places.value(path, param)
        else:
            continue
        argv += [_option(param), value] if _is_option(param) else [value]
    return argv


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _check(argv: list[str], code: int, out: str, err: str, *, fails: bool) -> None:
    shown = " ".join(argv)
    assert "Traceback" not in err + out, f"{shown}: a traceback\n{err}"
    assert code in DOCUMENTED, f"{shown}: exit {code}, not an ExitCode\n{err}"
    if fails:
        assert code != 0, f"{shown}: exit 0 for a mistake\n{out}"
    if code != 0:
        lines = [line for line in err.splitlines() if line.strip()]
        errors = [line for line in lines if not line.startswith("warning:")]
        assert len(errors) == 1, f"{shown}: {len(errors)} lines on stderr\n{err}"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "ws"
    Workspace.init(path, "US").close()
    return path


@pytest.fixture
def places(tmp_path: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Places:
    monkeypatch.chdir(tmp_path)  # anything a command writes by default lands here
    for name in ("TREATYLEDGER_WORKSPACE", "TREATYLEDGER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return Places(tmp_path, workspace)


def _ids(items: list[tuple[tuple[str, ...], typing.Any]]) -> list[str]:
    return [" ".join(path) for path, _ in items]


def test_the_tree_is_walked() -> None:
    names = {" ".join(path) for path, _ in LEAVES}
    assert {"init", "count", "log verify consistency", "escrow commit", "peer sync"} <= names
    assert len(LEAVES) >= 50


@pytest.mark.parametrize("group", GROUPS, ids=[" ".join(g) for g in GROUPS])
def test_a_group_without_a_command_shows_its_help(
    group: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(list(group), capsys)
    assert "Traceback" not in out + err
    assert code == ExitCode.MALFORMED
    assert "Usage" in out + err


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=_ids(LEAVES))
def test_mistakes(
    path: tuple[str, ...],
    command: typing.Any,
    places: Places,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # nothing at all
    argv = list(path)
    code, out, err = _run(argv, capsys)
    required = any(p.required for p in command.params)
    _check(argv, code, out, err, fails=required)

    # an option no command has
    argv = [*path, "--no-such-option"]
    code, out, err = _run(argv, capsys)
    _check(argv, code, out, err, fails=True)
    assert code == ExitCode.MALFORMED
    assert "--no-such-option" in err

    # a bad number for each numeric option, and a bad date for each date option
    for param in command.params:
        if not _is_option(param) or _is_flag(param):
            continue
        if _kind(param) in (int, float):
            argv = [*path, _option(param), "abc"]
            code, out, err = _run(argv, capsys)
            _check(argv, code, out, err, fails=True)
            assert code == ExitCode.MALFORMED, f"{argv}: exit {code}\n{err}"
        elif set(param.opts) & DATE_OPTIONS and path not in LONG_RUNNING:
            argv = _argv(path, command, places, {param.name: "not-a-date"})
            code, out, err = _run(argv, capsys)
            _check(argv, code, out, err, fails=True)

    if path in LONG_RUNNING:
        return
    # a missing path, a directory for a file, a file for a directory; the rest filled in
    for param in command.params:
        if _kind(param) is not Path:
            continue
        directory = _is_directory(path, param)
        wrong = str(places.file if directory else places.directory)
        for value, fails in ((str(places.missing), False), (wrong, True)):
            argv = _argv(path, command, places, {param.name: value})
            _check(argv, *_run(argv, capsys), fails=fails)


# ------------------------------------------------------------------- cases from issue 12


def test_no_arguments_and_version_by_the_entry_point() -> None:
    exe = Path(sys.executable).with_name("treatyledger")
    env = {k: v for k, v in os.environ.items() if k != "TREATYLEDGER_WORKSPACE"}
    bare = subprocess.run([exe], capture_output=True, text=True, timeout=120, env=env)
    assert bare.returncode == ExitCode.MALFORMED
    assert "Traceback" not in bare.stderr + bare.stdout
    assert "Usage" in bare.stdout + bare.stderr
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=120)
    assert version.returncode == 0, version.stderr
    from treatyledger import __version__

    assert version.stdout.strip() == f"treatyledger {__version__}"
    unknown = subprocess.run([exe, "frobnicate"], capture_output=True, text=True, timeout=120)
    assert unknown.returncode == ExitCode.MALFORMED
    assert unknown.stderr.strip().splitlines() == [
        "error: No such command 'frobnicate'. (see 'treatyledger --help')"
    ]


def test_as_of_the_last_day_there_is(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["count", "--workspace", str(workspace), "--as-of", "9999-12-31"]
    code, out, err = _run(argv, capsys)
    assert code == 0, err
    assert "9999-12-31" in out


def test_init_over_a_file_that_is_not_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "ledger.db").write_text("not SQLite\n")
    code, _, err = _run(["init", "-w", str(tmp_path / "ws"), "--party", "US"], capsys)
    assert code == ExitCode.MALFORMED
    assert err.strip().splitlines() == [
        f"error: {tmp_path / 'ws' / 'ledger.db'}: cannot use the database: file is not a database"
    ]


def test_escrow_commit_onto_an_existing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "taken"
    target.write_text("mine\n")
    inventory = INVENTORIES / "us-2020-09-01.csv"
    code, _, err = _run(
        ["escrow", "commit", "--inventory", str(inventory), "--out", str(target)], capsys
    )
    assert code == ExitCode.MALFORMED
    assert "a file exists there" in err
    assert len(err.strip().splitlines()) == 1
    assert target.read_text() == "mine\n"


def test_serve_on_a_port_in_use(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        code, _, err = _run(["serve", "-w", str(workspace), "--port", str(port)], capsys)
    assert code == ExitCode.UNAVAILABLE
    assert err.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]

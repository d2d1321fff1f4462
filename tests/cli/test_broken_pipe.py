"""A reader that goes away (``treatyledger rules list | head -1``) ends the output quietly:
no traceback, no "error: Broken pipe", and the command's own exit status (Rich alone would
exit 1, which means "invalid"). Real processes and real pipes, the read end closed before
the command writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from treatyledger.errors import ExitCode


def closed_early(*argv: str, cwd: Path) -> tuple[int, str]:
    """Run the CLI with its stdout a pipe whose read end is closed at once."""
    process = subprocess.Popen(
        [sys.executable, "-m", "treatyledger.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before the command's first write: that write is EPIPE
    err = process.stderr.read().decode()
    return process.wait(timeout=120), err


@pytest.mark.parametrize(
    "argv",
    [("rules", "list"), ("rules", "list", "--format", "json"), ("rules", "--help")],
    ids=["rich-table", "print-json", "help"],
)
def test_a_closed_stdout_ends_the_command_quietly(argv: tuple[str, ...], tmp_path: Path) -> None:
    code, err = closed_early(*argv, cwd=tmp_path)
    assert err == "" and code == ExitCode.VALID, (code, err)


def test_a_closed_stdout_keeps_the_commands_own_failure(tmp_path: Path) -> None:
    """The output is dropped, the outcome is not: an unknown rule set is still exit 2 with
    its one line on stderr (which is still open)."""
    code, err = closed_early("rules", "show", "no-such-rules", cwd=tmp_path)
    assert code == ExitCode.MALFORMED, (code, err)
    assert "Traceback" not in err and "Broken pipe" not in err and err.count("\n") == 1, err


def test_the_output_before_the_reader_left_is_delivered(tmp_path: Path) -> None:
    """``| head -1`` after the first line: the line arrives, the rest goes nowhere."""
    shell = f"{sys.executable} -m treatyledger.cli rules list --format json | head -1"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and done.stderr == "", (done.returncode, done.stderr)
    assert done.stdout.strip() == "["

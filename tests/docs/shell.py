"""Run the shell blocks of a document, with ``treatyledger`` on PATH answered by a fork
server, so a document of forty commands does not pay the CLI's import time forty times.

The fork server (``python tests/docs/shell.py SOCKET``) imports the CLI and what its
commands load once, then forks per command: the child takes the caller's stdin, stdout and
stderr (passed over a Unix socket), working directory, environment and arguments, and runs
``treatyledger.cli.main(argv)``, the function the installed ``treatyledger`` script runs.
The ``treatyledger`` on PATH is a small stdlib-only client that forwards SIGTERM, SIGINT
and SIGHUP to its child (so ``kill $(cat node.pid)`` stops a served node) and exits with the
child's status. Only process start-up differs from the installed script."""

from __future__ import annotations

import importlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: What the documented commands import; loaded once, before any fork.
PRELOAD = (
    "treatyledger.cli",
    "treatyledger.store.workspace",
    "treatyledger.store.ledger_store",
    "treatyledger.store.inventory_import",
    "treatyledger.node.peer",
    "treatyledger.node.server",
    "treatyledger.node.witness_push",
    "treatyledger.node.witnessing",
    "treatyledger.report.dashboard",
    "treatyledger.rules.engine",
    "treatyledger.files",
)

CLIENT = """\
#!{python} -S
import json, os, signal, socket, sys
conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
conn.connect({socket!r})
request = {{"argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ)}}
socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2])
conn.shutdown(socket.SHUT_WR)
answers = conn.makefile("rb")
child = int(answers.readline())
for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(number, lambda received, _frame: os.kill(child, received))
status = answers.readline().strip()
sys.exit(int(status) if status else 1)
"""


def _serve(path: str) -> None:
    for module in PRELOAD:
        importlib.import_module(module)
    from treatyledger.cli import main

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        message, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 3)
        while chunk := conn.recv(1 << 20):
            message += chunk
        sys.stdout.flush()
        sys.stderr.flush()
        if os.fork() == 0:
            listener.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _child(conn, fds, json.loads(message), main)
        for fd in fds:
            os.close(fd)
        conn.close()


def _child(conn: socket.socket, fds: list[int], request: dict[str, object], main: object) -> None:
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(str(request["cwd"]))
    os.environ.clear()
    os.environ.update(request["env"])  # type: ignore[arg-type]
    conn.sendall(f"{os.getpid()}\n".encode())
    code = 1
    try:
        code = main(list(request["argv"]))  # type: ignore[operator, call-overload]
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        conn.sendall(f"{code}\n".encode())
        os._exit(code)


@dataclass
class Block:
    """A fenced ``sh`` block: its text and the line of the document it starts on."""

    text: str
    line: int


def sh_blocks(markdown: str, info: str = "sh") -> list[Block]:
    """The fenced blocks of ``markdown`` whose info string is exactly ``info``."""
    found = []
    for match in re.finditer(r"^```([^\n]*)\n(.*?)^```$", markdown, re.M | re.S):
        if match.group(1).strip() == info:
            found.append(Block(match.group(2), markdown.count("\n", 0, match.start()) + 1))
    return found


@dataclass
class Ran:
    block: Block
    stdout: str
    stderr: str


@dataclass
class Shell:
    """Runs blocks with bash -e -u -o pipefail, umask 077, in ``cwd`` with ``env``."""

    cwd: Path
    env: dict[str, str]
    timeout: float = 120

    def run(self, block: Block) -> Ran:
        script = "set -euo pipefail\numask 077\n" + block.text
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=self.timeout,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, (
            f"block at line {block.line} exited {done.returncode}:\n{block.text}\n"
            f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )
        return Ran(block, done.stdout, done.stderr)


@contextmanager
def cli_on_path(workdir: Path) -> Iterator[dict[str, str]]:
    """An environment whose PATH answers ``treatyledger`` through a fork server."""
    bin_dir = workdir / "bin"
    bin_dir.mkdir()
    sock = str(workdir / "cli.sock")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TREATYLEDGER_")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "200"  # Rich reads it at import: tables whole in the captured output
    # A child ends with os._exit, which skips the atexit that stops the signature pool's
    # worker processes (store.signature_pool); orphaned, they would hold the block's stdout
    # open and the block would never end. Documents verify a few signatures: no pool.
    env["TREATYLEDGER_VERIFY_WORKERS"] = "0"
    server = subprocess.Popen(
        [sys.executable, __file__, sock],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the teardown ends every child
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first.strip() == "ready", first + server.stdout.read()
        client = bin_dir / "treatyledger"
        client.write_text(CLIENT.format(python=sys.executable, socket=sock), encoding="utf-8")
        client.chmod(0o755)
        yield dict(env)
    finally:
        _end_group(server)


def _end_group(server: subprocess.Popen[str]) -> None:
    """SIGTERM to the fork server and every command still running (a served node shuts down
    gracefully), SIGKILL to what is left after 10 s."""
    for number in (signal.SIGTERM, signal.SIGKILL):
        deadline = time.monotonic() + 10
        try:
            os.killpg(server.pid, number)
            while time.monotonic() < deadline:
                server.poll()
                os.killpg(server.pid, 0)  # raises once the group is empty
                time.sleep(0.1)
        except ProcessLookupError:
            break
    server.wait(timeout=30)


if __name__ == "__main__":
    _serve(sys.argv[1])

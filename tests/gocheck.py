"""The Go interop checker (tests/interop/go/tlogcheck): golang.org/x/mod/sumdb/tlog and note
reading what TreatyLedger serves and signs. Built once per test session from source with
Debian's Go and golang-golang-x-mod-dev, offline (GO111MODULE=off, GOPATH=/usr/share/gocode).
Without Go the interop tests skip, except under CI=true, where they fail (.ci/run installs
the packages)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

SOURCE = Path(__file__).parent / "interop" / "go" / "tlogcheck"
GOPATH = "/usr/share/gocode"


def build(directory: Path) -> Path:
    go = shutil.which("go")
    if go is None or not (Path(GOPATH) / "src/golang.org/x/mod/sumdb/tlog").is_dir():
        message = "Go and golang-golang-x-mod-dev are needed for the interop tests"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} and CI=true (.ci/run installs them)")
        pytest.skip(message)
    binary = directory / "tlogcheck"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": GOPATH,
        "GOCACHE": str(directory / "gocache"),
        "GOFLAGS": "",
        "CGO_ENABLED": "0",
    }
    subprocess.run(
        [go, "build", "-o", str(binary), "."], cwd=SOURCE, env=env, check=True, timeout=300
    )
    return binary


class GoChecker:
    def __init__(self, binary: Path):
        self.binary = binary

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.binary), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def json(self, *args: str, stdin: str | None = None) -> Any:
        result = self.run(*args, stdin=stdin)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

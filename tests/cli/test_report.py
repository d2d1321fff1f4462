"""``treatyledger report -w WS --out DIR``: the verification report of any workspace, here
one holding the first year of the US stream and a Russian stream that stops with a
suspension (the shape of February 2023, brought forward): per data date the counts beside the
official New START figures (bundled reference, sources per row), Russia "not provided" after
its suspension with the date its data are stale since, the checkpoints with commands that
re-verify them (run here), software, rule-set hash and keys."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import shlex
from dataclasses import replace
from datetime import date
from html import unescape
from importlib.resources import files
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from treatyledger.cli import main
from treatyledger.files import load_catalog, load_rule_set
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger import sign
from treatyledger.ledger.decade import Suspension, decade_stream, treaty_calendars
from treatyledger.model.notifications import parse_notification
from treatyledger.store.ledger_store import open_ledger
from treatyledger.store.workspace import Workspace

RU_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(40, 72)))  # TEST KEY, tests only
RULES = load_rule_set("new-start")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "us"
    dates = RULES.data_dates(date(2011, 2, 5), date(2012, 3, 1))
    early = Suspension("RU", date(2011, 9, 1), date(2011, 12, 15), "a suspension, for the test")
    calendars = treaty_calendars(
        read_new_start_aggregates(), dates, date(2026, 2, 5), suspensions=(early,)
    )
    us = calendars["US"]
    us = replace(us, stops=date(2012, 3, 1), regime_notes=())
    catalog = load_catalog()
    with Workspace.init(path, "US") as ws:
        ws.register_party_key(
            "RU", base64.b64encode(RU_KEY.public_key().public_bytes_raw()).decode()
        )
        store = open_ledger(ws)
        for calendar, key in ((us, ws.signing_key), (calendars["RU"], RU_KEY)):
            stream = decade_stream(calendar, catalog, random.Random(4), volume=None)
            signed = [sign(parse_notification(r), key) for r in stream.records]
            acks = store.submit(signed)
            assert all(a.status == "accepted" for a in acks)
    return path


def test_the_report_of_a_workspace(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert main(["report", "-w", str(workspace), "--out", str(out), "--no-pages"]) == 0
    page = unescape((out / "index.html").read_text())
    # the official US figure of 2011-09-01 (State Dept.: 822 / 1,790 / 1,043), counted
    assert "822 / 822" in page and "1,790 / 1,790" in page and "1,043 / 1,043" in page
    # Russia after its suspension: a gap, and since when its data are stale
    assert "not provided: suspended since 2011-12-15" in page
    assert "its last data, as of 2011-09-01, are stale" in page
    assert "DIFFERS" not in page and "none differs" in page
    for png in ("deployed_warheads", "deployed_delivery_vehicles"):
        assert (out / "plots" / f"{png}.png").read_bytes().startswith(b"\x89PNG")
    digest = hashlib.sha256(
        files("treatyledger").joinpath("data", "rules", "new-start.toml").read_bytes()
    ).hexdigest()
    assert digest in page  # the rule set, by content
    with Workspace.open(workspace) as ws:
        for key in ws.party_keys("US").values():
            assert key in page
    # every checkpoint command the report prints verifies, run from the report's folder
    commands = [
        line for line in page.splitlines() if line.startswith("<pre>treatyledger log verify")
    ]
    assert len(commands) == 1  # the workspace's own log (no peer synced)
    argv = shlex.split(commands[0].removeprefix("<pre>").removesuffix("</pre>"))[1:]
    cwd = Path.cwd()
    try:
        os.chdir(out)
        assert main(argv) == 0
    finally:
        os.chdir(cwd)


def test_report_json_names_the_files(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "with-pages"
    assert main(["report", "-w", str(workspace), "--out", str(out), "--format", "json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["report"] == str(out / "index.html")
    assert str(out / "pages" / "index.html") in answer["files"]  # the dashboard, static


def test_a_missing_workspace_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "-w", str(tmp_path / "none"), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "not a workspace" in err and "Traceback" not in err

"""`log audit`: the whole workspace re-derived from its signatures; exit 1 names the rule and
the first bad entry (the tamper suite in tests/store covers every row on both backends)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from factory import count_verified_signatures
from treatyledger.cli import main
from treatyledger.errors import ExitCode


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def lines() -> list[dict[str, Any]]:
    missile = {
        "uid": "US-M1",
        "party": "US",
        "kind": "icbm",
        "system_type": "MM III",
        "status": "non_deployed",
        "warheads": 0,
    }
    return [
        {
            "kind": "declare",
            "effective_time": "2011-02-05T00:00:00Z",
            "issued_time": "2011-02-06T00:00:00Z",
            "payload": {"items": [missile]},
        },
        {
            "kind": "move",
            "effective_time": "2011-02-07T00:00:00Z",
            "issued_time": "2011-02-08T00:00:00Z",
            "payload": {"uid": "US-M1", "to_facility": "DEPOT"},
        },
    ]


@pytest.fixture
def ws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "ws"
    assert run(capsys, "init", "-w", path, "--party", "US")[0] == 0
    file = tmp_path / "n.jsonl"
    file.write_text("".join(json.dumps(r) + "\n" for r in lines()))
    assert run(capsys, "notify", "-w", path, file)[0] == 0
    assert run(capsys, "log", "checkpoint", "-w", path)[0] == 0
    return path


def test_a_sound_workspace_audits_clean(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "log", "audit", "-w", ws)
    assert code == 0
    assert "2 notifications, 2 leaves" in out
    assert "no discrepancy" in out
    code, out, _ = run(capsys, "log", "audit", "-w", ws, "--format", "json")
    data = json.loads(out)
    assert (code, data["ok"], data["notifications_checked"], data["findings"]) == (0, True, 2, [])


def test_an_edited_notification_exits_1_naming_it_and_the_rule(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(ws / "ledger.db") as db:
        db.execute(
            "UPDATE ledger_notifications SET signed_bytes = "
            "CAST(REPLACE(CAST(signed_bytes AS TEXT), 'DEPOT', 'DEPOX') AS BLOB) WHERE sequence = 2"
        )
    code, _, err = run(capsys, "log", "audit", "-w", ws)
    assert code == ExitCode.INVALID
    assert "US#2" in err
    assert "[notification.leaf]" in err
    code, out, _ = run(capsys, "log", "audit", "-w", ws, "--format", "json")
    findings = [(f["rule"], f["where"]) for f in json.loads(out)["findings"]]
    # the hash column was left as it was: that is the first thing that disagrees
    assert code == ExitCode.INVALID
    assert findings[:2] == [("notification.hash", "US#2"), ("notification.leaf", "US#2")]


def test_a_leaf_stored_as_text_is_a_finding_not_a_crash(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(ws / "ledger.db") as db:
        db.execute("UPDATE tlog_leaves SET leaf = 'text' WHERE idx = 0")
    code, _, err = run(capsys, "log", "audit", "-w", ws)
    assert code == ExitCode.INVALID
    assert "US#1" in err
    assert "Traceback" not in err


def test_log_audit_verifies_every_signature(
    ws: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`log audit` is the full audit: every stored signature verified again (the start-up
    check takes the rows before the snapshot from their leaves; tests/store)."""
    seen = count_verified_signatures(monkeypatch)
    code, out, _ = run(capsys, "log", "audit", "-w", ws, "--format", "json")
    assert (code, json.loads(out)["ok"]) == (0, True)
    assert seen == [1, 2]

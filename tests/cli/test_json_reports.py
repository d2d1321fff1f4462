"""Every command that reports takes ``--format json`` (issue 12): the command tree is walked,
so a new reporting command without it fails here, and the reports added for it parse and say
what the table says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer

from treatyledger.cli import load_all, main
from treatyledger.cli.app import app
from treatyledger.files import load_rule_set, rule_set_names
from treatyledger.rules.schema import RuleSet

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"

#: commands without --format, each for a reason: what they print is no report
NOT_REPORTS = {
    "serve": "a server",
    "log vkey": "one verifier key, to pass on as it is",
    "witness keygen": "one verifier key",
    "keys add": "one verifier key",
    "principal add": "the token, to redirect into a file",
    "log checkpoint": "a C2SP checkpoint, in its own format",
    "log prove": "a C2SP tlog-proof or the JSON that log verify inclusion reads",
    "log consistency": "the JSON that log verify consistency reads",
    "escrow open": "a JSON opening document",
    "escrow prove-total": "a JSON total proof document",
    "zk open": "a JSON opening document",
    "schema notification": "a JSON Schema",
    "schema record": "a JSON Schema",
    "schema records": "the names schema record takes, one a line",
    "log witness add": "an action: one line saying it was done",
    "log witness remove": "an action: one line saying it was done",
    "principal revoke": "an action: one line saying it was done",
}


def commands() -> dict[str, Any]:
    load_all()

    def walk(command: Any, path: tuple[str, ...]) -> dict[str, Any]:
        children = getattr(command, "commands", None)
        if not children:
            return {" ".join(path): command}
        found: dict[str, Any] = {}
        for name, child in children.items():
            found |= walk(child, (*path, name))
        return found

    return walk(typer.main.get_command(app), ())


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_every_command_but_the_named_ones_takes_format_json() -> None:
    without = {
        name
        for name, command in commands().items()
        if not any("--format" in getattr(p, "opts", ()) for p in command.params)
    }
    assert without == set(NOT_REPORTS)


def test_rules_list_and_show_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "list", "--format", "json")
    assert code == 0
    listed = json.loads(out)
    assert [r["name"] for r in listed] == list(rule_set_names())
    start1 = next(r for r in listed if r["name"] == "start1")
    assert start1["categories"] == [c.id for c in load_rule_set("start1").categories]
    code, out, _ = run(capsys, "rules", "show", "new-start", "--format", "json")
    assert code == 0
    # what it prints is the rule set itself: it reads back as the same one
    assert RuleSet.model_validate(json.loads(out)) == load_rule_set("new-start")


def test_escrow_commit_and_publish_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws, out = tmp_path / "us", tmp_path / "escrow"
    assert run(capsys, "init", "-w", ws, "--party", "US")[0] == 0
    argv = ["escrow", "commit", "--inventory", EXAMPLES / "inventory.csv", "--out", out]
    code, text, _ = run(
        capsys, *argv, "--categories", EXAMPLES / "escrow-categories.json", "--format", "json"
    )
    assert code == 0
    committed = json.loads(text)
    public = json.loads((out / "commitment.json").read_text())
    assert committed["root"] == public["root"]
    assert committed["totals"] == public["totals"]
    assert committed["items"] == 8
    argv = ["escrow", "publish", "-w", ws, "--commitment", out / "commitment.json"]
    code, text, _ = run(capsys, *argv, "--format", "json", "--out", tmp_path / "entry.json")
    assert code == 0
    published = json.loads(text)
    assert (published["sequence"], published["leaf_index"]) == (1, 0)
    assert published["log_entry"] == str(tmp_path / "entry.json")
    code, text, _ = run(capsys, "evidence", "bundle", "-w", ws, "--out", tmp_path / "b.json",
                        "--sequence", "1", "--format", "json")  # fmt: skip
    assert code == 0
    bundle = json.loads(text)
    assert (bundle["notifications"], bundle["size"], bundle["cosigners"]) == (1, 1, [])


def test_inspect_record_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["inspect", "record", EXAMPLES / "inspection.json", "--rules", "new-start"]
    code, out, _ = run(capsys, *argv, "--findings", tmp_path / "f.jsonl", "--format", "json")
    assert code == 0
    record = json.loads((EXAMPLES / "inspection.json").read_text())
    assert json.loads(out) == [
        {"id": record["id"], "inspection_type": record["inspection_type"], "site": record["site"]}
    ]


def test_issue_answer_and_resolve_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ru = tmp_path / "ru"
    assert run(capsys, "init", "-w", ru, "--party", "RU")[0] == 0
    assert run(capsys, "issue", "raise", "-w", ru, "--message", "moved")[0] == 0
    code, out, _ = run(capsys, "issue", "resolve", "RU-1", "-w", ru, "--format", "json")
    assert code == 0
    [issue] = json.loads(out)
    assert (issue["id"], issue["status"]) == ("RU-1", "resolved")


def test_a_progress_bar_off_a_terminal_leaves_nothing_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "us"
    assert run(capsys, "init", "-w", ws, "--party", "US")[0] == 0
    code, out, err = run(capsys, "import-inventory", "-w", ws, EXAMPLES / "inventory.csv")
    assert code == 0 and "accepted 1" in out
    assert err == ""  # not even the empty line a transient bar leaves behind

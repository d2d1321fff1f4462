"""The issue commands through cli.main: raise, answer, resolve, list, and the refusals of the
Commission workflow as one line and an exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from treatyledger.cli import main
from treatyledger.errors import ExitCode
from treatyledger.store.workspace import Workspace


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def ru(tmp_path: Path) -> Path:
    Workspace.init(tmp_path / "ru", "RU").close()
    return tmp_path / "ru"


def listed(capsys: pytest.CaptureFixture[str], workspace: Path) -> list[dict]:
    code, out, err = run(capsys, "issue", "list", "-w", str(workspace), "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_raise_answer_resolve_from_the_command_line(
    capsys: pytest.CaptureFixture[str], ru: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(
        capsys, "issue", "raise", "-w", str(ru), "--message", "SILO-3 moved during restrictions",
        "--site", "US-ICBM-BASE", "--by", "ru-bcc", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    [raised] = json.loads(out)
    assert (raised["id"], raised["party"], raised["raised_by"], raised["kind"]) == (
        "RU-1",
        "US",
        "RU",
        "raised",
    )
    # RU cannot answer its own issue: the party it concerns answers (here on RU's copy, as US
    # would after a sync)
    code, _, err = run(capsys, "issue", "answer", "RU-1", "-w", str(ru), "--text", "no")
    assert code == ExitCode.REJECTED and "answered by the party it concerns (US)" in err
    assert "Traceback" not in err
    code, out, err = run(capsys, "issue", "resolve", "RU-1", "-w", str(ru), "--by", "ru-bcc")
    assert code == 0, err
    assert "RU-1: resolved" in out
    monkeypatch.setenv("TREATYLEDGER_WORKSPACE", str(ru))  # -w may come from the environment
    code, out, _ = run(capsys, "issue", "list", "--format", "json", "--status", "resolved")
    [issue] = json.loads(out)
    assert [(e["action"], e["party"], e["by"]) for e in issue["events"]] == [
        ("raise", "RU", "ru-bcc"),
        ("resolve", "RU", "ru-bcc"),
    ]


def test_an_unknown_issue_is_one_line_and_a_non_zero_exit(
    capsys: pytest.CaptureFixture[str], ru: Path
) -> None:
    code, _, err = run(capsys, "issue", "answer", "US-7", "-w", str(ru))
    assert code != 0
    assert "compliance issue US-7 is not stored here" in err
    assert listed(capsys, ru) == []


@pytest.mark.parametrize(
    "name",
    [
        "arrival-notice",
        "site-designation",
        "item-designation",
        "inspection-record",
        "inspection",
        "compliance-issue",
        "issue-event",
        "inspection-rules",
    ],
)
def test_schema_exports_every_new_record(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, out, err = run(capsys, "schema", "record", name)
    assert code == 0, err
    schema = json.loads(out)
    assert schema["type"] == "object" and schema["properties"]


def test_the_issue_schema_validates_a_stored_issue_and_names_its_status(
    capsys: pytest.CaptureFixture[str], ru: Path
) -> None:
    """An independent validator (jsonschema) accepts what `issue list` prints."""
    import jsonschema

    run(capsys, "issue", "raise", "-w", str(ru), "--message", "m")
    [issue] = listed(capsys, ru)
    _, out, _ = run(capsys, "schema", "record", "compliance-issue")
    schema = json.loads(out)
    jsonschema.validate(issue, schema)
    assert "status" in schema["required"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**issue, "kind": "not-a-kind"}, schema)


def test_an_unknown_record_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "schema", "record", "treaty")
    assert code != 0 and "expected one of" in err


def test_issue_sync_takes_the_token_as_every_command_does(
    capsys: pytest.CaptureFixture[str],
    ru: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``issue sync`` reads the token like ``peer sync``: --token-file, TREATYLEDGER_TOKEN or
    --token; with none it is a usage error naming them, with the wrong one the node refuses."""
    from node.harness import served_node
    from treatyledger.node.auth import Role

    monkeypatch.delenv("TREATYLEDGER_TOKEN", raising=False)
    with served_node(tmp_path / "us") as node:
        sync = ("issue", "sync", "-w", str(ru), "--peer", node.url, "--format", "json")
        code, _, err = run(capsys, *sync)
        assert code == ExitCode.MALFORMED and "TREATYLEDGER_TOKEN" in err

        monkeypatch.setenv("TREATYLEDGER_TOKEN", "tl_not_a_principal")
        code, out, err = run(capsys, *sync)
        assert code != ExitCode.VALID, out

        monkeypatch.setenv("TREATYLEDGER_TOKEN", node.tokens[Role.PEER])
        code, out, err = run(capsys, *sync)
        assert code == ExitCode.VALID, err
        assert json.loads(out) == {"peer": node.url, "issues": 0, "added": 0}

        monkeypatch.delenv("TREATYLEDGER_TOKEN")
        token_file = tmp_path / "token"
        token_file.write_text(node.tokens[Role.PEER] + "\n")
        token_file.chmod(0o600)
        code, out, err = run(capsys, *sync, "--token-file", str(token_file))
        assert code == ExitCode.VALID, err

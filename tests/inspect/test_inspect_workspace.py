"""``inspect select`` and ``inspect issues`` on a workspace's accepted (signed) notifications,
on both store backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from inspect_world import T0, declared_records

from treatyledger.cli import main
from treatyledger.errors import ExitCode
from treatyledger.inspect.randomness import commitment_of
from treatyledger.ledger import sign
from treatyledger.ledger.signing import public_key_raw
from treatyledger.model.notifications import parse_notification
from treatyledger.store.inspection_store import list_inspections
from treatyledger.store.ledger_store import open_ledger
from treatyledger.store.workspace import Workspace

AT = "2026-08-24T00:00:00+00:00"


def _signed(record: dict, key: Ed25519PrivateKey):
    return sign(parse_notification(record), key)


def _randomness(party: str, sequence: int, kind: str, value: bytes, salt: bytes) -> dict:
    payload = (
        {"round_id": "r1", "commitment": commitment_of(value, salt)}
        if kind == "randomness_commit"
        else {"round_id": "r1", "value": value.hex(), "salt": salt.hex()}
    )
    return {
        "party": party,
        "sequence": sequence,
        "kind": kind,
        "effective_time": T0,
        "issued_time": T0,
        "payload": payload,
    }


@pytest.fixture
def workspace(db_url: str, tmp_path: Path) -> Path:
    import base64

    path = tmp_path / "ws"
    ru_key = Ed25519PrivateKey.generate()  # a throwaway test key, never stored
    with Workspace.init(path, "US", db_url=db_url) as ws:
        ws.register_party_key("RU", base64.b64encode(public_key_raw(ru_key.public_key())).decode())
        store = open_ledger(ws)
        us_key = ws.signing_key
        batches = [
            [_signed(r, us_key) for r in declared_records()],
            [_signed(_randomness("US", 3, "randomness_commit", b"a" * 32, b"b" * 32), us_key)],
            [_signed(_randomness("RU", 1, "randomness_commit", b"c" * 32, b"d" * 32), ru_key)],
            [_signed(_randomness("US", 4, "randomness_reveal", b"a" * 32, b"b" * 32), us_key)],
            [_signed(_randomness("RU", 2, "randomness_reveal", b"c" * 32, b"d" * 32), ru_key)],
        ]
        for batch in batches:
            acks = store.submit(batch)
            assert all(a.status == "accepted" for a in acks), acks
    return path


def test_select_on_a_workspace_draws_a_declared_missile(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "inspect",
        "select",
        "--workspace",
        str(workspace),
        "--round",
        "r1",
        "--parties",
        "US,RU",
        "--party",
        "US",
        "--type",
        "type-one",
        "--at",
        AT,
        "--format",
        "json",
    ]
    assert main(argv) == 0
    selection = json.loads(capsys.readouterr().out)
    assert selection["site"] in ("BASE-A", "BASE-B")
    assert selection["items"][0].startswith(f"US-ICBM-{selection['site'][-1]}")


def _finding(tmp_path: Path, **fields: object) -> Path:
    path = tmp_path / "finding.json"
    value = {
        "id": "insp-1",
        "inspection_type": "type-one",
        "inspected_party": "US",
        "site": "BASE-A",
        "time": AT,
        "rvs_observed": {"US-ICBM-A3": 3},
    }
    path.write_text(json.dumps(value | fields))
    return path


def test_issues_recorded_in_a_workspace_cite_the_stored_declaration(
    workspace: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["inspect", "record", str(_finding(tmp_path)), "--workspace", str(workspace)]
    assert main([*argv, "--by", "inspector-ann"]) == 0
    assert "recorded insp-1 (type-one at BASE-A): 1 compliance issue(s)" in capsys.readouterr().out
    assert main(["inspect", "issues", "--workspace", str(workspace), "--format", "json"]) == 0
    (issue,) = json.loads(capsys.readouterr().out)
    assert issue["item"] == "US-ICBM-A3"
    assert issue["evidence"] == {"notifications": ["US#1"], "finding": "insp-1"}
    with Workspace.open(workspace) as opened:
        [stored] = list_inspections(opened.engine)
    assert stored.submitted_by == "inspector-ann"


@pytest.mark.parametrize(
    ("time", "code"),
    [
        ("2011-03-01T09:00:00Z", ExitCode.REJECTED),
        ("2011-04-05T23:59:59Z", ExitCode.REJECTED),
        ("2011-04-06T00:00:00Z", ExitCode.VALID),
    ],
    ids=["weeks before", "a second before the 60 days expire", "as they expire"],
)
def test_a_finding_dated_before_inspections_may_begin_is_refused_and_stores_nothing(
    workspace: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, time: str, code: int
) -> None:
    """New START Protocol Part Five, Section I.2 (entry into force 2011-02-05, so from 00:00
    GMT of 2011-04-06): ``inspect record`` is held to it as ``inspect select`` is."""
    argv = ["inspect", "record", str(_finding(tmp_path, time=time)), "--workspace", str(workspace)]
    assert main(argv) == code
    err = capsys.readouterr().err
    with Workspace.open(workspace) as opened:
        stored = [s.record.id for s in list_inspections(opened.engine)]
    if code == ExitCode.VALID:
        assert stored == ["insp-1"]
        return
    assert "before inspections may begin" in err and "Section I, paragraph 2" in err
    assert "Traceback" not in err
    assert stored == []


def test_a_batch_with_one_finding_before_inspections_may_begin_stores_none(
    workspace: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = tmp_path / "findings.jsonl"
    entries = [
        {"id": "ok", "time": AT},
        {"id": "early", "time": "2011-04-01T00:00:00Z"},
    ]
    base = json.loads(_finding(tmp_path).read_text())
    lines.write_text("".join(json.dumps(base | e) + "\n" for e in entries))
    assert main(["inspect", "record", str(lines), "--workspace", str(workspace)]) == 3
    assert "inspection record early" in capsys.readouterr().err
    with Workspace.open(workspace) as opened:
        assert list_inspections(opened.engine) == []


def test_a_finding_recorded_twice_in_a_workspace_is_refused(
    workspace: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["inspect", "record", str(_finding(tmp_path)), "--workspace", str(workspace)]
    assert main(argv) == 0
    assert main(argv) == ExitCode.MALFORMED
    assert "insp-1 is already stored" in capsys.readouterr().err


def test_findings_recorded_in_a_workspace_count_toward_the_quota(
    workspace: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for n in range(10):  # New START: ten Type One inspections per treaty year
        finding = _finding(tmp_path, id=f"insp-{n}", rvs_observed={})
        assert main(["inspect", "record", str(finding), "--workspace", str(workspace)]) == 0
    capsys.readouterr()
    argv = ["inspect", "select", "--workspace", str(workspace), "--round", "r1"]
    argv += ["--parties", "US,RU", "--party", "US", "--type", "type-one", "--at", AT]
    assert main(argv) == ExitCode.REJECTED
    assert "quota of 10 per treaty year already used" in capsys.readouterr().err


def test_a_findings_file_with_a_workspace_is_refused(
    workspace: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["inspect", "issues", "--workspace", str(workspace), "--findings", str(tmp_path)]
    assert main(argv) == ExitCode.MALFORMED
    assert "inspect record --workspace" in capsys.readouterr().err


def test_notifications_and_workspace_together_are_refused(
    workspace: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = [
        "inspect",
        "issues",
        "--workspace",
        str(workspace),
        "--notifications",
        str(tmp_path / "n.jsonl"),
        "--findings",
        str(tmp_path / "f.jsonl"),
    ]
    assert main(argv) == ExitCode.MALFORMED
    assert "either --notifications files or --workspace" in capsys.readouterr().err

"""The workspace commands: init, notify, import-inventory, inventory, history, reconcile,
series, schema, and `count --workspace` (run through cli.main on SQLite workspaces)."""

from __future__ import annotations

import json
import random
import stat
from pathlib import Path
from typing import Any

import pytest

from treatyledger.cli import main
from treatyledger.errors import ExitCode
from treatyledger.files import load_catalog, rule_set_names
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger.synthetic import synthetic_stream

ROOT = Path(__file__).parents[2]
US_2020 = ROOT / "src" / "treatyledger" / "data" / "inventories" / "us-2020-09-01.csv"
RU_2020 = ROOT / "src" / "treatyledger" / "data" / "inventories" / "ru-2020-09-01.csv"


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def declare_line(uid: str = "US-W1", **envelope: Any) -> dict[str, Any]:
    return {
        "kind": "declare",
        "effective_time": "2011-02-05T00:00:00Z",
        "issued_time": "2011-02-06T00:00:00Z",
        "payload": {
            "items": [
                {"uid": uid, "party": "US", "kind": "warhead", "status": "stored"},
                {
                    "uid": "US-M1",
                    "party": "US",
                    "kind": "icbm",
                    "system_type": "MM III",
                    "status": "non_deployed",
                    "warheads": 0,
                },
            ]
        },
        **envelope,
    }


def line(kind: str, payload: dict[str, Any], day: int, issued_day: int | None = None) -> dict:
    issued = day + 1 if issued_day is None else issued_day
    return {
        "kind": kind,
        "effective_time": f"2011-03-{day:02d}T00:00:00Z",
        "issued_time": f"2011-03-{issued:02d}T00:00:00Z",
        "payload": payload,
    }


@pytest.fixture
def ws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert run(capsys, "init", "-w", tmp_path / "ws", "--party", "US")[0] == 0
    return tmp_path / "ws"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("imported") / "ws"
    assert main(["init", "-w", str(path), "--party", "US"]) == 0
    assert main(["import-inventory", "-w", str(path), str(US_2020), "--as-of", "2020-09-01"]) == 0
    return path


def test_init_prints_the_public_key_and_writes_a_private_key_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "init", "-w", tmp_path / "ws", "--party", "US", "--rules", "start1")
    assert code == 0
    assert "public key" in out
    assert stat.S_IMODE((tmp_path / "ws" / "signing_key.pem").stat().st_mode) == 0o600


def test_init_writes_a_gitignore_of_everything_into_the_workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess

    assert run(capsys, "init", "-w", tmp_path / "ws", "--party", "US")[0] == 0
    assert (tmp_path / "ws" / ".gitignore").read_text() == "*\n"
    # git itself: a workspace made inside a repository adds nothing to it
    git = ["git", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True, timeout=60)
    listed = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert listed.stdout == ""


def test_count_of_a_workspace_uses_its_own_rule_set_and_the_variable_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = tmp_path / "ws"
    assert run(capsys, "init", "-w", ws, "--party", "US", "--rules", "start1")[0] == 0
    assert run(capsys, "import-inventory", "-w", ws, US_2020, "--as-of", "2020-09-01")[0] == 0
    code, out, _ = run(capsys, "count", "--workspace", ws, "--format", "json")
    assert code == 0
    assert json.loads(out)["rule_set"] == "start1"
    # a required workspace comes from TREATYLEDGER_WORKSPACE when -w is not given
    monkeypatch.setenv("TREATYLEDGER_WORKSPACE", str(ws))
    code, out, _ = run(capsys, "inventory", "--format", "json")
    assert code == 0
    assert len(json.loads(out)["items"]) > 0


def test_init_with_an_unknown_rule_set_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "init", "-w", tmp_path / "ws", "--party", "US", "--rules", "nope")
    assert code == ExitCode.MALFORMED
    assert "unknown rule set" in err
    assert err.count("error:") == 1
    assert "Traceback" not in err
    assert not (tmp_path / "ws").exists()


@pytest.mark.parametrize("rules", rule_set_names())
def test_count_of_an_imported_inventory_equals_count_of_the_file(
    imported: Path, rules: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _, from_workspace, _ = run(
        capsys, "count", "--workspace", imported, "--rules", rules, "--format", "json"
    )
    _, from_file, _ = run(
        capsys, "count", "--inventory", US_2020, "--rules", rules, "--format", "json"
    )
    workspace_count, file_count = json.loads(from_workspace), json.loads(from_file)
    assert workspace_count["parties"] == file_count["parties"]
    # the same warnings, naming the generated UIDs on one side and the file's rows on the other
    assert len(workspace_count["warnings"]) == len(file_count["warnings"])


def test_count_before_the_import_date_finds_nothing_declared(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "count",
        "--workspace",
        imported,
        "--rules",
        "new-start",
        "--as-of",
        "2020-08-31",
        "--format",
        "json",
    )
    assert code == 0
    assert json.loads(out)["parties"] == {}


def test_imported_uids_are_stable_across_imports(
    imported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other"
    run(capsys, "init", "-w", other, "--party", "US")
    run(capsys, "import-inventory", "-w", other, US_2020, "--as-of", "2020-09-01")
    uids = []
    for workspace in (imported, other):
        _, out, _ = run(capsys, "inventory", "-w", workspace, "--format", "json")
        uids.append(sorted(i["uid"] for i in json.loads(out)["items"]))
    assert uids[0] == uids[1]
    assert len(uids[0]) == len(set(uids[0])) > 1_000


def test_import_puts_each_deployed_missile_in_a_deployed_launcher(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "inventory", "-w", imported, "--format", "json")
    items = json.loads(out)["items"]
    deployed_missiles = [i for i in items if i["kind"] == "icbm" and i["status"] == "deployed"]
    assert deployed_missiles
    assert all(i.get("contained_in") for i in deployed_missiles)


def test_import_of_another_partys_rows_is_an_error_and_declares_nothing(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "import-inventory", "-w", ws, RU_2020)
    assert code == ExitCode.MALFORMED
    assert "belongs to RU" in err
    _, out, _ = run(capsys, "inventory", "-w", ws, "--format", "json")
    assert json.loads(out)["items"] == []


def test_inventory_csv_reads_back_with_the_same_counts(
    imported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, csv_text, _ = run(capsys, "inventory", "-w", imported, "--as-of", "2020-09-01")
    exported = tmp_path / "exported.csv"
    exported.write_text(csv_text)
    _, a, _ = run(
        capsys, "count", "--inventory", exported, "--rules", "new-start", "--format", "json"
    )
    _, b, _ = run(
        capsys, "count", "--inventory", US_2020, "--rules", "new-start", "--format", "json"
    )
    assert json.loads(a) == json.loads(b)


def test_notify_signs_assigns_sequences_and_reports_late(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = jsonl(
        tmp_path / "n.jsonl",
        [
            declare_line(),
            # a missile moved, notified 19 days later: late (Part Four II.3, five days)
            line("move", {"uid": "US-M1", "to_facility": "DEPOT"}, 1, issued_day=20),
            # a warhead retired as late: reported with the six-month update, not late
            line("retire", {"uid": "US-W1"}, 2, issued_day=20),
        ],
    )
    code, out, _ = run(capsys, "notify", "-w", ws, file)
    assert code == 0
    assert "accepted 3 (late 1, flagged 0), duplicate 0, rejected 0" in out
    _, history, _ = run(capsys, "history", "-w", ws, "--uid", "US-M1", "--format", "json")
    entries = json.loads(history)
    assert [(e["sequence"], e["kind"], e["late"]) for e in entries] == [
        (1, "declare", False),
        (2, "move", True),
    ]


def test_notify_reports_each_rejection_with_line_rule_and_item_and_exits_3(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = jsonl(
        tmp_path / "n.jsonl",
        [
            declare_line(),
            line("dismantle", {"uid": "US-W1"}, 1),  # not retired: illegal
            line("retire", {"uid": "US-W1"}, 2, issued_day=3) | {"sequence": 2},
        ],
    )
    code, out, err = run(capsys, "notify", "-w", ws, file)
    assert code == 3
    assert "line 2: rejected [transition.illegal] item US-W1" in err
    assert "accepted 2" in out


def test_notify_judges_the_lines_after_a_rejected_one_on_their_own(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a rejected line takes no sequence number: the next ones are not sequence gaps
    file = jsonl(
        tmp_path / "n.jsonl",
        [
            declare_line(),
            line("dismantle", {"uid": "US-W1"}, 1),  # not retired: illegal
            line("move", {"uid": "US-NONE", "to_facility": "DEPOT"}, 2),  # never declared
            line("retire", {"uid": "US-W1"}, 3),
            line("dismantle", {"uid": "US-W1"}, 4),  # legal now
        ],
    )
    code, out, err = run(capsys, "notify", "-w", ws, file, "--format", "json")
    assert code == 3
    report = json.loads(out)
    assert report["accepted"] == 3
    assert [r["line"] for r in report["rejected"]] == [2, 3]
    assert "transition.illegal" in report["rejected"][0]["message"]
    assert "uid.unknown" in report["rejected"][1]["message"]
    assert "sequence.gap" not in out + err
    _, history, _ = run(capsys, "history", "-w", ws, "--uid", "US-W1", "--format", "json")
    assert [(e["sequence"], e["kind"]) for e in json.loads(history)] == [
        (1, "declare"),
        (2, "retire"),
        (3, "dismantle"),
    ]


def test_notify_lines_with_their_own_sequence_keep_it_after_a_rejection(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = jsonl(
        tmp_path / "n.jsonl",
        [
            declare_line(sequence=1),
            line("dismantle", {"uid": "US-W1"}, 1) | {"sequence": 2},  # illegal
            line("retire", {"uid": "US-W1"}, 2) | {"sequence": 3},  # 2 is still free
        ],
    )
    code, out, err = run(capsys, "notify", "-w", ws, file)
    assert code == 3
    assert "line 2: US#2 rejected [transition.illegal]" in err
    assert "line 3: US#3 rejected [sequence.gap]: expected sequence 2, found 3" in err
    assert "accepted 1" in out


def test_notify_of_a_file_with_a_broken_line_keeps_the_rest(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "n.jsonl"
    file.write_text(json.dumps(declare_line()) + "\n{not json\n")
    code, out, err = run(capsys, "notify", "-w", ws, file)
    assert code == 3
    assert "line 2: not JSON" in err
    assert "accepted 1" in out


def test_notify_again_with_complete_envelopes_is_idempotent(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = jsonl(tmp_path / "n.jsonl", [declare_line(sequence=1)])
    assert run(capsys, "notify", "-w", ws, file)[0] == 0
    code, out, _ = run(capsys, "notify", "-w", ws, file)
    assert code == 0
    assert "accepted 0 (late 0, flagged 0), duplicate 1, rejected 0" in out


def test_notify_signed_submits_a_presigned_large_file_with_progress(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from treatyledger.ledger import sign
    from treatyledger.model.notifications import parse_notification
    from treatyledger.store.workspace import Workspace

    records = synthetic_stream(
        "US", read_new_start_aggregates(party="US"), load_catalog(), random.Random(3)
    )
    with Workspace.open(ws) as workspace:
        key = workspace.signing_key
    signed = [sign(parse_notification(r), key).to_json_dict() for r in records]
    file = jsonl(tmp_path / "signed.jsonl", signed)
    assert file.stat().st_size > 256 << 10  # large enough for the progress bar
    code, out, _ = run(capsys, "notify", "-w", ws, file, "--signed")
    assert code == 0
    assert f"accepted {len(records)} " in out


def test_notify_refuses_signed_lines_without_signed_flag(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = jsonl(tmp_path / "n.jsonl", [declare_line(signature="AAAA")])
    code, _, err = run(capsys, "notify", "-w", ws, file)
    assert code == ExitCode.MALFORMED
    assert "--signed" in err


def test_history_of_an_unknown_uid_is_an_error(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "history", "-w", ws, "--uid", "NOPE")
    assert code == ExitCode.MALFORMED
    assert "NOPE" in err


def database_line(items: list[dict[str, Any]], day: int) -> dict[str, Any]:
    return line("database", {"as_of": f"2011-03-{day:02d}T00:00:00Z", "items": items}, day)


def test_reconcile_of_a_matching_database_is_consistent(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = declare_line()["payload"]["items"]
    file = jsonl(tmp_path / "n.jsonl", [declare_line(), database_line(items, 2)])
    assert run(capsys, "notify", "-w", ws, file)[0] == 0
    code, out, _ = run(capsys, "reconcile", "-w", ws)
    assert code == 0
    assert "consistent" in out


def test_reconcile_lists_each_discrepancy_with_its_notifications(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = declare_line()["payload"]["items"]
    claimed = [dict(items[0], status="retired"), items[1]]  # the ledger says stored
    file = jsonl(tmp_path / "n.jsonl", [declare_line(), database_line(claimed, 2)])
    run(capsys, "notify", "-w", ws, file)
    code, out, _ = run(capsys, "reconcile", "-w", ws, "--format", "json")
    assert code == 3
    report = json.loads(out)
    assert [(d["kind"], d["uid"]) for d in report["discrepancies"]] == [("status", "US-W1")]
    assert report["discrepancies"][0]["notifications"] == ["US#1"]


def test_series_gives_totals_at_each_date(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "series",
        "-w",
        imported,
        "--rules",
        "new-start",
        "--dates",
        "2020-08-01,2020-09-01",
        "--format",
        "json",
    )
    assert code == 0
    points = json.loads(out)["points"]
    assert points[0] == {"date": "2020-08-01", "parties": {}}
    assert points[1]["parties"]["US"]["deployed_warheads"] == 1457


def test_schema_notification_gives_the_kinds_json_schema(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "schema", "notification", "load")
    assert code == 0
    schema = json.loads(out)
    assert schema["properties"]["kind"]["const"] == "load"
    assert "container" in schema["properties"]["payload"]["properties"]


def test_schema_of_an_unknown_kind_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "schema", "notification", "launch")
    assert code == ExitCode.MALFORMED
    assert "expected one of" in err


def test_a_postgresql_workspace_counts_like_the_file(
    postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    assert run(capsys, "init", "-w", ws, "--party", "US", "--db", postgres_url)[0] == 0
    assert not (ws / "ledger.db").exists()
    assert run(capsys, "import-inventory", "-w", ws, US_2020, "--as-of", "2020-09-01")[0] == 0
    _, a, _ = run(capsys, "count", "--workspace", ws, "--rules", "new-start", "--format", "json")
    _, b, _ = run(
        capsys, "count", "--inventory", US_2020, "--rules", "new-start", "--format", "json"
    )
    assert json.loads(a) == json.loads(b)

"""The zk commands through cli.main: prove, verify, open, verify-opening and their exit codes."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from treatyledger.cli import main
from treatyledger.errors import ExitCode

# Deployed Minuteman III at three ICBM bases (F. E. Warren, Malmstrom, Minot: 150 each in
# 2020), one warhead each, plus two bombers at a bomber base. Facility ids are ours.
INVENTORY = """party,system_type,kind,status,quantity,warheads,facility,facility_type
US,MM III,icbm,deployed,150,1,WARREN,icbm_base
US,MM III,icbm,deployed,150,1,MALMSTROM,icbm_base
US,MM III,icbm,deployed,147,1,MINOT,icbm_base
US,B-52H,heavy_bomber,deployed,2,,BARKSDALE,air_base
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def proven(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    inventory = tmp_path / "us.csv"
    inventory.write_text(INVENTORY)
    out = tmp_path / "proof.json"
    code, stdout, err = run(
        capsys, "zk", "prove", "--rules", "new-start", "--inventory", str(inventory),
        "--party", "US", "--by", "facility", "--as-of", "2018-02-05", "--out", str(out),
        "--category", "deployed_warheads", "--category", "deployed_delivery_vehicles",
    )  # fmt: skip
    assert code == 0, err
    assert "deployed_warheads: within the limit, proven (limit 1,550, 4 bases)" in stdout
    return out


def test_prove_writes_a_proof_and_a_private_secret(proven: Path) -> None:
    secret = proven.with_name("proof.secret.json")
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    data = json.loads(proven.read_text())
    assert [c["category"] for c in data["categories"]] == [
        "deployed_warheads",
        "deployed_delivery_vehicles",
    ]
    bases = [b["base"] for b in data["categories"][0]["bases"]]
    assert bases == ["BARKSDALE", "MALMSTROM", "MINOT", "WARREN"]
    assert data["checkpoint"] is None


def test_verify_accepts_the_proof(proven: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "zk", "verify", str(proven), "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert result["valid"] is True
    assert result["categories"][0] == {"category": "deployed_warheads", "limit": 1550, "bases": 4}


def test_verify_exits_1_with_the_reason_for_a_changed_proof(
    proven: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(proven.read_text())
    data["categories"][1]["limit"] = 800  # not the rule set's 700
    proven.write_text(json.dumps(data))
    code, _, err = run(capsys, "zk", "verify", str(proven))
    assert code == 1
    assert "states limit 800" in err
    data["party"] = "RU"
    data["categories"][1]["limit"] = 700
    proven.write_text(json.dumps(data))
    code, _, err = run(capsys, "zk", "verify", str(proven))
    assert code == 1
    assert "does not verify" in err


def test_verify_exits_2_for_a_malformed_document(
    proven: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert run(capsys, "zk", "verify", str(broken))[0] == 2
    data = json.loads(proven.read_text())
    data["bits"] = 65
    broken.write_text(json.dumps(data))
    code, _, err = run(capsys, "zk", "verify", str(broken))
    assert code == 2
    assert "bits" in err
    data["bits"] = 16
    data["rule_set"] = "no-such-treaty"
    broken.write_text(json.dumps(data))
    assert run(capsys, "zk", "verify", str(broken))[0] == 2


def test_open_and_verify_opening(
    proven: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    secret = proven.with_name("proof.secret.json")
    opening = tmp_path / "minot.json"
    code, _, err = run(capsys, "zk", "open", "--secret", str(secret), "--base", "MINOT",
                       "--out", str(opening))  # fmt: skip
    assert code == 0, err
    code, out, _ = run(capsys, "zk", "verify-opening", "--proof", str(proven), "--opening",
                       str(opening), "--format", "json")  # fmt: skip
    assert code == 0
    assert json.loads(out)["values"] == {
        "deployed_warheads": 147,
        "deployed_delivery_vehicles": 147,
    }
    data = json.loads(opening.read_text())
    data["categories"][0]["value"] = 146
    opening.write_text(json.dumps(data))
    code, _, err = run(capsys, "zk", "verify-opening", "--proof", str(proven), "--opening",
                       str(opening))  # fmt: skip
    assert code == 1
    assert "does not open the published commitment" in err


def test_prove_refuses_an_over_limit_force_with_the_category_and_excess(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = tmp_path / "over.csv"
    inventory.write_text(INVENTORY + "US,Trident II,slbm,deployed,139,8,KINGS-BAY,submarine_base\n")
    out = tmp_path / "proof.json"
    code, _, err = run(
        capsys, "zk", "prove", "--rules", "new-start", "--inventory", str(inventory),
        "--party", "US", "--as-of", "2018-02-05", "--out", str(out),
        "--category", "deployed_warheads",
    )  # fmt: skip
    assert code == 1
    assert "deployed_warheads: total 1561 is over the limit 1550 by 11" in err
    assert not out.exists()


def test_prove_from_a_workspace_publishes_the_proof_bound_to_its_checkpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from factory import signed, stream
    from treatyledger.store.ledger_store import open_ledger
    from treatyledger.store.workspace import Workspace
    from treatyledger.store.zk_store import limit_proof_checks

    with Workspace.init(tmp_path / "us", "US") as ws:
        records = signed(stream("US", 3), ws.signing_key)
        acks = open_ledger(ws).submit(records)
        assert all(a.status == "accepted" for a in acks)
    out = tmp_path / "proof.json"
    code, stdout, err = run(
        capsys, "zk", "prove", "--rules", "new-start", "--workspace", str(tmp_path / "us"),
        "--party", "US", "--as-of", "2018-02-05", "--out", str(out), "--publish",
    )  # fmt: skip
    assert code == 0, err
    assert "published as US#4" in stdout
    data = json.loads(out.read_text())
    assert data["checkpoint"]["size"] == 3
    with Workspace.open(tmp_path / "us") as ws:
        [check] = limit_proof_checks(ws.engine, "US")
    assert (check.sequence, check.valid, check.checkpoint_size) == (4, True, 3)
    assert run(capsys, "zk", "verify", str(out))[0] == 0


def test_a_count_contradicting_the_opened_value_is_a_compliance_issue(
    proven: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    secret = proven.with_name("proof.secret.json")
    opening = tmp_path / "warren.json"
    assert run(capsys, "zk", "open", "--secret", str(secret), "--base", "WARREN",
               "--out", str(opening))[0] == 0  # fmt: skip
    matching = run(capsys, "zk", "verify-opening", "--proof", str(proven), "--opening",
                   str(opening), "--found", "deployed_warheads=150")  # fmt: skip
    assert matching[0] == 0
    code, out, _ = run(
        capsys, "zk", "verify-opening", "--proof", str(proven), "--opening", str(opening),
        "--found", "deployed_warheads=153", "--format", "json",
    )  # fmt: skip
    assert code == 1
    [issue] = json.loads(out)["issues"]
    commitment = next(
        b["commitment"]
        for b in json.loads(proven.read_text())["categories"][0]["bases"]
        if b["base"] == "WARREN"
    )
    assert issue["kind"] == "opened_value_mismatch"
    assert (issue["site"], issue["expected"], issue["found"]) == (
        "WARREN",
        "deployed_warheads 150 (committed)",
        "deployed_warheads 153 (counted by the inspectors)",
    )
    assert issue["evidence"]["commitment"] == commitment
    assert issue["evidence"]["limit_proof"]["as_of"] == "2018-02-05"
    bad = run(capsys, "zk", "verify-opening", "--proof", str(proven), "--opening",
              str(opening), "--found", "deployed_warheads")  # fmt: skip
    assert bad[0] == ExitCode.MALFORMED and "CATEGORY=N" in bad[2]


def test_a_recorded_contradiction_lands_as_a_compliance_issue_in_the_store(
    proven: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """RU's inspectors count 153 at WARREN where US committed to 150: with --record the
    contradiction is a compliance issue in RU's store, about US, raised by RU, whose
    evidence is the commitment and the limit proof; the Commission workflow takes it up."""
    from treatyledger.store.workspace import Workspace

    Workspace.init(tmp_path / "ru", "RU").close()
    secret = proven.with_name("proof.secret.json")
    opening = tmp_path / "warren.json"
    assert run(capsys, "zk", "open", "--secret", str(secret), "--base", "WARREN",
               "--out", str(opening))[0] == 0  # fmt: skip
    code, out, _ = run(
        capsys, "zk", "verify-opening", "--proof", str(proven), "--opening", str(opening),
        "--found", "deployed_warheads=153", "--format", "json", "--record",
        "-w", str(tmp_path / "ru"),
    )  # fmt: skip
    assert code == 1
    [reported] = json.loads(out)["issues"]
    assert reported["id"] == "RU-1"
    code, out, err = run(capsys, "issue", "list", "-w", str(tmp_path / "ru"), "--format", "json")
    assert code == 0, err
    [stored] = json.loads(out)
    assert (stored["id"], stored["kind"], stored["party"], stored["raised_by"]) == (
        "RU-1",
        "opened_value_mismatch",
        "US",
        "RU",
    )
    assert stored["evidence"]["commitment"] == reported["evidence"]["commitment"]
    assert stored["evidence"]["limit_proof"]["as_of"] == "2018-02-05"
    assert stored["found"] == "deployed_warheads 153 (counted by the inspectors)"
    assert [e["action"] for e in stored["events"]] == ["raise"]


def test_recording_a_contradiction_about_the_workspaces_own_party_is_refused(
    proven: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from treatyledger.store.workspace import Workspace

    Workspace.init(tmp_path / "us", "US").close()
    secret = proven.with_name("proof.secret.json")
    opening = tmp_path / "warren.json"
    run(capsys, "zk", "open", "--secret", str(secret), "--base", "WARREN", "--out", str(opening))
    code, _, err = run(
        capsys, "zk", "verify-opening", "--proof", str(proven), "--opening", str(opening),
        "--found", "deployed_warheads=153", "--record", "-w", str(tmp_path / "us"),
    )  # fmt: skip
    assert code != 0
    assert "raises issues about the other" in err
    assert "Traceback" not in err

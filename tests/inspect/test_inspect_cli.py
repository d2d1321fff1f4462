"""The ``treatyledger inspect`` commands, run through ``treatyledger.cli.main``."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from inspect_world import T0, declared_records

from treatyledger.cli import main
from treatyledger.errors import ExitCode
from treatyledger.inspect.randomness import commitment_of
from treatyledger.ledger.signing import public_key_raw, sign
from treatyledger.model.notifications import Notification, parse_notification

AT = (T0 + timedelta(days=200)).isoformat()

# TEST-ONLY signing keys, derived from fixed labels here; never used outside these tests.
TEST_KEYS = {
    party: Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(f"test key {party}".encode()).digest()
    )
    for party in ("US", "RU")
}


def _key_option(party: str, key: Ed25519PrivateKey) -> list[str]:
    raw = public_key_raw(key.public_key())
    return ["--party-key", f"{party}={base64.b64encode(raw).decode()}"]


PARTY_KEYS = [arg for party, key in TEST_KEYS.items() for arg in _key_option(party, key)]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _randomness(party: str, first_sequence: int, value: bytes, salt: bytes) -> list[dict]:
    common = {"party": party, "effective_time": T0, "issued_time": T0}
    commit = Notification(
        **common,
        sequence=first_sequence,
        kind="randomness_commit",
        payload={"round_id": "r1", "commitment": commitment_of(value, salt)},
    )
    reveal = Notification(
        **common,
        sequence=first_sequence + 1,
        kind="randomness_reveal",
        payload={"round_id": "r1", "value": value.hex(), "salt": salt.hex()},
    )
    return [commit.to_json_dict(), reveal.to_json_dict()]


@pytest.fixture
def notification_file(tmp_path: Path) -> Path:
    us = _randomness("US", 3, b"a" * 32, b"b" * 32)
    ru = _randomness("RU", 1, b"c" * 32, b"d" * 32)
    ordered = [*declared_records(), us[0], ru[0], us[1], ru[1]]
    signed = [sign(parse_notification(r), TEST_KEYS[r["party"]]).to_json_dict() for r in ordered]
    path = tmp_path / "notifications.jsonl"
    path.write_text("".join(json.dumps(r, default=str) + "\n" for r in signed))
    return path


def test_odds_json_gives_exact_detection_probability(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "inspect",
        "odds",
        "--population",
        "100",
        "--noncompliant",
        "10",
        "--sample",
        "20",
        "--format",
        "json",
    )
    assert code == 0
    assert json.loads(out)["detection_probability"] == pytest.approx(0.904884, abs=5e-7)


def test_odds_goal_gives_sample_size_and_iaea_approximation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(
        capsys,
        "inspect",
        "odds",
        "--population",
        "2000",
        "--noncompliant",
        "100",
        "--goal",
        "0.95",
        "--format",
        "json",
    )
    assert code == 0
    result = json.loads(out)
    assert (result["sample_size"], result["iaea_approximation"]) == (58, 60)  # case A01


def test_odds_refuses_both_sample_and_goal(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(
        capsys,
        "inspect",
        "odds",
        "--population",
        "10",
        "--noncompliant",
        "1",
        "--sample",
        "2",
        "--goal",
        "0.9",
    )
    assert code == ExitCode.MALFORMED
    assert "exactly one of --sample and --goal" in err


def _select(
    capsys, notification_file: Path, *extra: str, keys: list[str] = PARTY_KEYS
) -> tuple[int, str, str]:
    return _run(capsys, *_select_argv(notification_file, *extra, keys=keys))


def _select_argv(notification_file: Path, *extra: str, keys: list[str] = PARTY_KEYS) -> list[str]:
    return [
        "inspect",
        "select",
        "--notifications",
        str(notification_file),
        *keys,
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
        *extra,
    ]


def test_select_then_verify_round_trips(
    capsys: pytest.CaptureFixture[str], notification_file: Path, tmp_path: Path
) -> None:
    code, out, _ = _select(capsys, notification_file)
    assert code == 0
    selection = json.loads(out)
    assert selection["site"] in ("BASE-A", "BASE-B")
    claimed = tmp_path / "selection.json"
    claimed.write_text(json.dumps(selection))
    code, out, _ = _select(capsys, notification_file, "--verify", str(claimed))
    assert code == 0
    assert json.loads(out)["status"] == "verified"


def test_verify_refuses_a_tampered_selection(
    capsys: pytest.CaptureFixture[str], notification_file: Path, tmp_path: Path
) -> None:
    _, out, _ = _select(capsys, notification_file)
    selection = json.loads(out)
    selection["items"] = ["US-ICBM-Z9"]
    claimed = tmp_path / "selection.json"
    claimed.write_text(json.dumps(selection))
    code, _, err = _select(capsys, notification_file, "--verify", str(claimed))
    assert code == 1
    assert "recomputation gives" in err


def test_select_names_the_party_that_withheld_its_reveal(
    capsys: pytest.CaptureFixture[str], notification_file: Path
) -> None:
    lines = notification_file.read_text().splitlines()
    notification_file.write_text("\n".join(lines[:-1]) + "\n")  # drop RU's reveal
    code, _, err = _select(capsys, notification_file)
    assert code == 1
    assert "RU: withheld_reveal" in err


def test_select_beyond_quota_is_refused(
    capsys: pytest.CaptureFixture[str], notification_file: Path, tmp_path: Path
) -> None:
    conducted = tmp_path / "findings.jsonl"
    conducted.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"i{n}",
                    "inspection_type": "type-one",
                    "inspected_party": "US",
                    "site": "BASE-A",
                    "time": AT,
                }
            )
            + "\n"
            for n in range(10)
        )
    )
    code, _, err = _select(capsys, notification_file, "--conducted", str(conducted))
    assert code == ExitCode.REJECTED
    assert "quota of 10 per treaty year already used" in err


@pytest.mark.parametrize(
    ("at", "code", "says"),
    [
        ("2011-04-05T23:59:59Z", ExitCode.REJECTED, "before inspections may begin"),
        # accepted: the selection goes on to the declared state (this world starts in 2026)
        ("2011-04-06T00:00:00Z", ExitCode.MALFORMED, "declares no site eligible"),
    ],
    ids=["a second before the 60 days expire", "as they expire"],
)
def test_select_before_inspections_may_begin_is_refused(
    capsys: pytest.CaptureFixture[str], notification_file: Path, at: str, code: int, says: str
) -> None:
    """New START Protocol Part Five, Section I.2: upon expiration of 60 days after entry into
    force (2011-02-05), i.e. from 00:00 GMT of 2011-04-06."""
    argv = [a if a != AT else at for a in _select_argv(notification_file)]
    found, _, err = _run(capsys, *argv)
    assert found == code, err
    assert says in err and "Traceback" not in err
    assert ("Section I, paragraph 2" in err) is (code == ExitCode.REJECTED)


@pytest.mark.parametrize(
    ("time", "code"),
    [("2011-04-05T23:59:59Z", ExitCode.REJECTED), ("2011-04-06T00:00:00Z", ExitCode.VALID)],
    ids=["a second before the 60 days expire", "as they expire"],
)
def test_record_into_a_findings_file_before_inspections_may_begin_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, time: str, code: int
) -> None:
    """New START Protocol Part Five, Section I.2: no finding before 2011-04-06 00:00 GMT, in a
    findings file as in a workspace."""
    finding = tmp_path / "finding.json"
    finding.write_text(
        json.dumps(
            {"id": "early", "inspection_type": "type-one", "inspected_party": "US"}
            | {"site": "BASE-B", "time": time}
        )
    )
    findings = tmp_path / "findings.jsonl"
    found, _, err = _run(capsys, "inspect", "record", str(finding), "--findings", str(findings))
    assert found == code, err
    assert findings.exists() is (code == ExitCode.VALID)
    assert ("before inspections may begin" in err) is (code == ExitCode.REJECTED)


def test_record_on_a_rule_set_without_a_start_accepts_an_early_finding(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """total-stockpile defines inspection types but no [inspections.begin] (nor an entry
    into force): nothing to hold a finding to."""
    finding = tmp_path / "finding.json"
    finding.write_text(
        json.dumps(
            {"id": "early", "inspection_type": "type-one", "inspected_party": "US"}
            | {"site": "BASE-B", "time": "2011-03-01T00:00:00Z"}
        )
    )
    findings = tmp_path / "findings.jsonl"
    argv = ["inspect", "record", str(finding), "--findings", str(findings)]
    found, _, err = _run(capsys, *argv, "--rules", "total-stockpile")
    assert found == ExitCode.VALID, err


def test_record_then_issues_reports_the_missile(
    capsys: pytest.CaptureFixture[str], notification_file: Path, tmp_path: Path
) -> None:
    finding = tmp_path / "finding.json"
    finding.write_text(
        json.dumps(
            {
                "id": "insp-1",
                "inspection_type": "type-one",
                "inspected_party": "US",
                "site": "BASE-B",
                "time": AT,
                "rvs_observed": {"US-ICBM-B2": 2},
            }
        )
    )
    findings = tmp_path / "findings.jsonl"
    code, out, _ = _run(capsys, "inspect", "record", str(finding), "--findings", str(findings))
    assert (code, "recorded insp-1" in out) == (0, True)
    code, out, _ = _run(
        capsys,
        "inspect",
        "issues",
        "--findings",
        str(findings),
        "--notifications",
        str(notification_file),
        *PARTY_KEYS,
        "--format",
        "json",
    )
    assert code == 0
    (issue,) = json.loads(out)
    assert (issue["kind"], issue["item"]) == ("reentry_vehicle_mismatch", "US-ICBM-B2")
    assert issue["evidence"] == {"notifications": ["US#1"], "finding": "insp-1"}


def test_record_refuses_an_unknown_inspection_type(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    finding = tmp_path / "finding.json"
    finding.write_text(
        json.dumps(
            {
                "id": "x",
                "inspection_type": "type-nine",
                "inspected_party": "US",
                "site": "S",
                "time": AT,
            }
        )
    )
    code, _, err = _run(
        capsys, "inspect", "record", str(finding), "--findings", str(tmp_path / "f.jsonl")
    )
    assert code == ExitCode.MALFORMED
    assert "no inspection type 'type-nine'" in err


def test_simulate_writes_plot_and_agrees_with_exact(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plot = tmp_path / "out.png"
    code, out, _ = _run(
        capsys,
        "inspect",
        "simulate",
        "--cheating",
        "5,20",
        "--years",
        "50000",
        "--seed",
        "3",
        "--plot",
        str(plot),
        "--format",
        "json",
    )
    assert code == 0
    assert plot.read_bytes().startswith(b"\x89PNG")
    for row in json.loads(out)["results"]:
        assert row["confidence_low"] <= row["exact"] <= row["confidence_high"]  # fixed seed


@pytest.mark.parametrize("where", [[], ["--findings", "f.jsonl", "--workspace", "ws"]])
def test_record_needs_exactly_one_of_findings_file_and_workspace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, where: list[str]
) -> None:
    finding = tmp_path / "finding.json"
    finding.write_text("{}")
    code, _, err = _run(capsys, "inspect", "record", str(finding), *where)
    assert code == ExitCode.MALFORMED
    assert "either --findings FILE or --workspace" in err


def test_issues_of_a_findings_file_need_notification_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _run(capsys, "inspect", "issues", "--findings", str(tmp_path / "f.jsonl"))
    assert code == ExitCode.MALFORMED
    assert "--findings with --notifications files, or --workspace" in err


def test_select_refuses_notification_files_without_a_key_for_their_party(
    capsys: pytest.CaptureFixture[str], notification_file: Path
) -> None:
    keys = _key_option("US", TEST_KEYS["US"])
    code, _, err = _select(capsys, notification_file, keys=keys)
    assert code == ExitCode.MALFORMED
    assert "no --party-key for RU" in err


def test_select_refuses_a_notification_whose_signature_does_not_verify(
    capsys: pytest.CaptureFixture[str], notification_file: Path
) -> None:
    impostor = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"impostor").digest())
    keys = [*_key_option("US", impostor), *_key_option("RU", TEST_KEYS["RU"])]
    code, _, err = _select(capsys, notification_file, keys=keys)
    assert code == ExitCode.MALFORMED
    assert "signature does not verify with the --party-key of US" in err


def test_a_tampered_notification_in_a_file_is_refused(
    capsys: pytest.CaptureFixture[str], notification_file: Path
) -> None:
    lines = notification_file.read_text().splitlines()
    first = json.loads(lines[0])
    first["effective_time"] = AT  # content changed after signing
    notification_file.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    code, _, err = _select(capsys, notification_file)
    assert code == ExitCode.MALFORMED
    assert "signature does not verify" in err

"""The ``escrow`` commands: files written, exit codes 0 valid / 1 invalid / 2 malformed."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from treatyledger.cli import main
from treatyledger.errors import ExitCode

INVENTORY = Path(__file__).parents[2] / "src/treatyledger/data/inventories/us-2020-hedge.csv"
CATEGORIES = [
    {"name": "stored-warheads", "where": {"kind": ["warhead"], "status": ["stored"]}},
    {
        "name": "deployed-rvs",
        "where": {"kind": ["icbm", "slbm"], "status": ["deployed"]},
        "measure": "warheads",
    },
]


@pytest.fixture()
def committed(tmp_path: Path) -> Path:
    categories = tmp_path / "categories.json"
    categories.write_text(json.dumps(CATEGORIES))
    out = tmp_path / "out"
    code = main(
        [
            "escrow",
            "commit",
            "--inventory",
            str(INVENTORY),
            "--out",
            str(out),
            "--categories",
            str(categories),
            "--exchange",
            "2020-09-01",
        ]
    )
    assert code == 0
    return out


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _open(capsys: pytest.CaptureFixture[str], out: Path, key: str, dest: Path) -> dict[str, Any]:
    code, text, _ = _run(
        capsys, "escrow", "open", "--secret", str(out / "secret.json"), "--uid", key
    )
    assert code == 0
    dest.write_text(text)
    return json.loads(text)


def test_commit_writes_public_commitment_and_owner_only_secret(committed: Path) -> None:
    commitment = json.loads((committed / "commitment.json").read_text())
    assert commitment["count"] == 24 and commitment["party"] == "US"
    assert "salt" not in (committed / "commitment.json").read_text()
    mode = stat.S_IMODE((committed / "secret.json").stat().st_mode)
    assert mode == 0o600


def test_commit_refuses_to_overwrite(committed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(
        capsys, "escrow", "commit", "--inventory", str(INVENTORY), "--out", str(committed)
    )
    assert code == ExitCode.MALFORMED and "exists" in err


def test_open_then_verify_opening_exits_0(
    committed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _open(capsys, committed, "#3", tmp_path / "o.json")
    code, out, _ = _run(
        capsys,
        "escrow",
        "verify-opening",
        "--commitment",
        str(committed / "commitment.json"),
        "--opening",
        str(tmp_path / "o.json"),
    )
    assert code == 0 and out.startswith("valid: #3")


def test_tampered_opening_exits_1_with_the_reason(
    committed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opening = _open(capsys, committed, "#3", tmp_path / "o.json")
    opening["item"]["quantity"] += 1
    (tmp_path / "o.json").write_text(json.dumps(opening))
    code, _, err = _run(
        capsys,
        "escrow",
        "verify-opening",
        "--commitment",
        str(committed / "commitment.json"),
        "--opening",
        str(tmp_path / "o.json"),
    )
    assert code == 1 and "invalid:" in err and "mismatch" in err


@pytest.mark.parametrize("content", ["{", "[]", '{"format": "other"}'])
def test_malformed_opening_exits_2(
    committed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    (tmp_path / "o.json").write_text(content)
    code, _, err = _run(
        capsys,
        "escrow",
        "verify-opening",
        "--commitment",
        str(committed / "commitment.json"),
        "--opening",
        str(tmp_path / "o.json"),
    )
    assert code == 2 and "o.json" in err


def test_prove_total_then_verify_total_exits_0(
    committed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text, _ = _run(
        capsys,
        "escrow",
        "prove-total",
        "--secret",
        str(committed / "secret.json"),
        "--category",
        "stored-warheads",
    )
    assert code == 0
    (tmp_path / "t.json").write_text(text)
    code, out, _ = _run(
        capsys,
        "escrow",
        "verify-total",
        "--commitment",
        str(committed / "commitment.json"),
        "--proof",
        str(tmp_path / "t.json"),
    )
    total = json.loads((committed / "commitment.json").read_text())["totals"]["stored-warheads"]
    assert code == 0 and f"= {total}" in out


def test_verify_total_with_an_opening_removed_exits_1(
    committed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, text, _ = _run(
        capsys,
        "escrow",
        "prove-total",
        "--secret",
        str(committed / "secret.json"),
        "--category",
        "deployed-rvs",
    )
    proof = json.loads(text)
    proof["openings"].pop()
    (tmp_path / "t.json").write_text(json.dumps(proof))
    code, _, err = _run(
        capsys,
        "escrow",
        "verify-total",
        "--commitment",
        str(committed / "commitment.json"),
        "--proof",
        str(tmp_path / "t.json"),
    )
    assert code == 1 and "published total" in err


def test_verify_total_of_an_unknown_category_exits_2(
    committed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.json").write_text(json.dumps({"category": "nope", "openings": []}))
    code, _, _ = _run(
        capsys,
        "escrow",
        "verify-total",
        "--commitment",
        str(committed / "commitment.json"),
        "--proof",
        str(tmp_path / "t.json"),
    )
    assert code == 2


def test_account_reports_a_vanished_item_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "party,kind,status,uid\nUS,warhead,stored,W-1\nUS,warhead,stored,W-2\n"
    (tmp_path / "a.csv").write_text(rows)
    (tmp_path / "b.csv").write_text("party,kind,status,uid\nUS,warhead,stored,W-1\n")
    for name in ("a", "b"):
        assert (
            main(
                [
                    "escrow",
                    "commit",
                    "--inventory",
                    str(tmp_path / f"{name}.csv"),
                    "--out",
                    str(tmp_path / name),
                ]
            )
            == 0
        )
    capsys.readouterr()
    openings = []
    for name, key in (("a", "W-1"), ("a", "W-2"), ("b", "W-1")):
        openings.append(_open(capsys, tmp_path / name, key, tmp_path / "x.json"))
    (tmp_path / "openings.json").write_text(json.dumps(openings))
    code, out, err = _run(
        capsys,
        "escrow",
        "account",
        "--earlier",
        str(tmp_path / "a" / "commitment.json"),
        "--later",
        str(tmp_path / "b" / "commitment.json"),
        "--opening",
        str(tmp_path / "openings.json"),
    )
    assert code == 1 and "vanished: W-2" in err and "carried  W-1" in out


def test_verify_schedule_reports_a_missing_opening(
    committed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commitment = json.loads((committed / "commitment.json").read_text())
    plan = {
        "party": "US",
        "exchange": "2020-09-01",
        "root": commitment["root"],
        "stages": [{"name": "s1", "due": "2021-01-01", "keys": ["#1", "#2"]}],
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    opening = _open(capsys, committed, "#1", tmp_path / "o.json")
    (tmp_path / "d.json").write_text(json.dumps([{"published": "2020-12-01", "opening": opening}]))
    code, out, err = _run(
        capsys,
        "escrow",
        "verify-schedule",
        "--commitment",
        str(committed / "commitment.json"),
        "--plan",
        str(tmp_path / "plan.json"),
        "--disclosures",
        str(tmp_path / "d.json"),
        "--as-of",
        "2021-02-01",
    )
    assert code == 1 and "1 on time" in out and "missing #2" in err


def test_malformed_categories_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "c.json").write_text(json.dumps([{"name": "x", "where": {"colour": ["red"]}}]))
    code, _, err = _run(
        capsys,
        "escrow",
        "commit",
        "--inventory",
        str(INVENTORY),
        "--out",
        str(tmp_path / "out"),
        "--categories",
        str(tmp_path / "c.json"),
    )
    assert code == 2 and "colour" in err
    assert not (tmp_path / "out").exists()


def test_opening_an_unknown_uid_exits_1_naming_it(
    committed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        capsys, "escrow", "open", "--secret", str(committed / "secret.json"), "--uid", "NO-SUCH"
    )
    assert code == ExitCode.MALFORMED and "NO-SUCH" in err

"""The counting commands: `rules list|show`, `count`, `explain` (run through cli.main)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from treatyledger.cli import main
from treatyledger.errors import ExitCode

ROOT = Path(__file__).parents[2]
US_2020 = ROOT / "src" / "treatyledger" / "data" / "inventories" / "us-2020-09-01.csv"
FIXTURES = ROOT / "tests" / "fixtures" / "rules"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_count_json_gives_the_issues_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "count", "--rules", "new-start", "--inventory", str(US_2020), "--format", "json"
    )
    assert code == 0
    assert json.loads(out) == {
        "rule_set": "new-start",
        "as_of": None,
        "parties": {
            "US": {
                "categories": {
                    "deployed_delivery_vehicles": {
                        "total": 675,
                        "limit": 700,
                        "within_limit": True,
                    },
                    "deployed_warheads": {"total": 1457, "limit": 1550, "within_limit": True},
                    "deployed_and_nondeployed_launchers": {
                        "total": 800,
                        "limit": 800,
                        "within_limit": True,
                    },
                }
            }
        },
        "overridden": [],
        "warnings": [],
    }


def test_count_as_of_picks_the_phase_limit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        *("count", "--rules", "start1", "--inventory", str(US_2020)),
        *("--as-of", "1998-06-01", "--format", "json"),
    )
    document = json.loads(out)
    assert code == 0 and document["as_of"] == "1998-06-01"
    assert document["parties"]["US"]["categories"]["delivery_vehicles"]["limit"] == 2100


def test_count_table_lists_every_category(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "count", "--rules", "new-start", "--inventory", str(US_2020))
    assert code == 0
    assert "1,457" in out and "deployed_and_nondeployed_launchers" in out


def test_count_with_user_rule_file_and_catalog(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    inventory = tmp_path / "inv.csv"
    inventory.write_text(
        "party,system_type,kind,status,quantity\nUS,MM III-1,icbm_launcher,deployed,400\n"
    )
    code, out, _ = run(
        capsys,
        *("count", "--rules", str(FIXTURES / "downloaded-start1.toml")),
        *("--inventory", str(inventory), "--catalog", str(FIXTURES / "extra-catalog.toml")),
        *("--format", "json"),
    )
    assert code == 0
    assert json.loads(out)["parties"]["US"]["categories"]["icbm_warheads"]["total"] == 400


def test_explain_lists_rows_clauses_and_the_total(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        *("explain", "--rules", "new-start", "--inventory", str(US_2020)),
        *("--category", "deployed_warheads", "--format", "json"),
    )
    document = json.loads(out)
    rows = document["contributions"]
    assert code == 0
    assert sum(r["amount"] for r in rows) == 1457
    assert {r["clause"] for r in rows} == {"ns.dw.icbm", "ns.dw.slbm", "ns.dw.bomber"}
    # the rows of the category's kinds that add nothing, each with its reason
    left_out = {r["item"]: r["reason"] for r in document["left_out"]}
    assert (
        "no clause of this category selects it" in left_out["US 8 x B-2A heavy_bomber non_deployed"]
    )


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("count", "--rules", "start-9", "--inventory", str(US_2020)), "unknown rule set"),
        (("count", "--rules", "start1", "--inventory", "/nonexistent.csv"), "cannot read"),
        (
            ("count", "--rules", "start1", "--inventory", str(US_2020), "--as-of", "1998-13-01"),
            "expected a date",
        ),
        (("count", "--rules", "start1"), "--inventory"),
        (
            ("explain", "--rules", "start1", "--inventory", str(US_2020), "--category", "x"),
            "unknown category 'x'",
        ),
        (("rules", "show", "nope"), "unknown rule set"),
    ],
)
def test_user_mistake_prints_an_error_and_exits_non_zero(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], words: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code != 0
    assert err.startswith("error:")
    assert words in " ".join(err.split())  # Rich folds long lines at the console width


def test_bad_inventory_cell_reports_file_line_and_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    inventory = tmp_path / "inv.csv"
    inventory.write_text("party,system_type,kind,status,quantity\nUS,MM III,icbm,deployed,-1\n")
    code, out, err = run(capsys, "count", "--rules", "new-start", "--inventory", str(inventory))
    assert code == ExitCode.MALFORMED and out == ""
    # Rich folds a long path at the console width; the message itself is one line
    assert "inv.csv:2 column quantity: expected a number >= 0, found -1" in err.replace("\n", "")


def test_rules_list_names_every_built_in(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "list")
    assert code == 0
    for name in ("start1", "sort-us-2002", "sort-ru-2002", "new-start", "total-stockpile"):
        assert name in out


def test_rules_show_lists_clauses_and_limits(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "show", "start1")
    assert code == 0
    assert "start1.warheads.lrna_bomber" in out and "2001-12-05" in out


def test_installed_command_prints_no_traceback_on_error() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "treatyledger.cli", "count", "--rules", "nope", "--inventory", "x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == ExitCode.MALFORMED
    assert "Traceback" not in completed.stderr and "error:" in completed.stderr


def test_count_warns_of_overlapping_clauses_and_says_where_the_treaty_overrode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "overlap.toml"
    rules.write_text(
        """
[treaty]
id = "overlap"
name = "Overlap"
source = "test"

[[definitions]]
id = "d.test-launcher"
text = "A launcher at a test range is non-deployed."
source = "Art. I"
select = { kind = "icbm_launcher", facility_type = "test_range" }
status = "non_deployed"

[[categories]]
id = "launchers"
name = "Deployed launchers"

[[categories.clauses]]
id = "a"
text = "deployed ICBM launchers"
method = "count"
select = { kind = "icbm_launcher", status = "deployed" }

[[categories.clauses]]
id = "b"
text = "every ICBM launcher"
method = "count"
select = { kind = "icbm_launcher" }
"""
    )
    inventory = tmp_path / "inv.csv"
    inventory.write_text(
        "party,kind,status,system_type,quantity,facility,facility_type\n"
        "US,icbm_launcher,deployed,MM III,4,VANDENBERG,test_range\n"
    )
    code, out, err = run(capsys, "count", "--rules", str(rules), "--inventory", str(inventory))
    assert code == 0
    assert "clauses a and b of category launchers can both select the same icbm_launcher" in (
        " ".join(err.split())
    )
    assert "treaty over declaration: 4 item(s) in 1 row(s) by d.test-launcher" in (
        " ".join(out.split())
    )


def test_count_refuses_an_inventory_of_a_party_the_treaty_does_not_bind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory = tmp_path / "xx.csv"
    inventory.write_text("party,kind,status,system_type,quantity\nXX,icbm,deployed,MM III,1\n")
    code, _, err = run(capsys, "count", "--rules", "new-start", "--inventory", str(inventory))
    assert code != 0
    assert "xx.csv:2 column party: party 'XX' is not a party of the treaty" in " ".join(err.split())
    assert "Traceback" not in err


def test_a_table_piped_is_not_cut_to_80_columns() -> None:
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("treatyledger")
    argv = [exe, "explain", "--rules", "new-start", "--inventory", str(US_2020)]
    done = subprocess.run(
        [*argv, "--category", "deployed_warheads"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert done.returncode == 0, done.stderr
    widest = max(len(line) for line in done.stdout.splitlines())
    assert widest > 80
    assert "…" not in done.stdout  # no cell shortened to fit

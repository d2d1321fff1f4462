"""The README's tour, run as written: the ``sh`` blocks between ``<!-- tour -->`` and
``<!-- /tour -->`` are one shell session (bash -e -u -o pipefail), started at the root of the
repository with ``treatyledger`` on PATH, so a tour that drifts from the code fails here.

``treatyledger`` is answered by the fork server of tests/docs/shell.py (the CLI's own
``main``, imported once). The outcomes checked are the ones the tour's comments promise:
the official New START figures of 2020-09-01 (State Department, in
data/reference/new_start_aggregates.csv), a consistent reconciliation, a verified mirror, a
drawn inspection, valid openings and proofs."""

from __future__ import annotations

import csv
import re
import socket
import subprocess
from pathlib import Path

import pytest

from docs.shell import cli_on_path, sh_blocks

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def tour_script() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start, end = text.index("<!-- tour -->"), text.index("<!-- /tour -->")
    blocks = sh_blocks(text[start:end])
    assert len(blocks) >= 8
    return "\n".join(block.text for block in blocks)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _official_us_2020() -> list[str]:
    path = REPO / "src/treatyledger/data/reference/new_start_aggregates.csv"
    with path.open(encoding="utf-8") as handle:
        row = next(
            r for r in csv.DictReader(handle) if (r["date"], r["party"]) == ("2020-09-01", "US")
        )
    keys = ("deployed_delivery_vehicles", "deployed_warheads", "deployed_and_nondeployed_launchers")
    return [f"{int(row[k]):,}" for k in keys]


def test_readme_tour_runs_top_to_bottom(tmp_path: Path) -> None:
    script = "set -euo pipefail\n" + tour_script()
    with cli_on_path(tmp_path) as env:
        env["PORT"] = str(_free_port())
        env["TMPDIR"] = str(tmp_path)  # the tour's mktemp -d, outside the repository
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
        )
    out = done.stdout
    assert done.returncode == 0, f"exit {done.returncode}\n{out[-4000:]}\n{done.stderr[-4000:]}"
    for figure in _official_us_2020():
        assert figure in out, figure
    assert "consistent" in out
    assert re.search(r"treatyledger\.example/US: size 0 -> \d+, \d+ new notifications", out)
    assert "checkpoint cosigned" in out
    assert "no discrepancy" in out
    assert re.search(r"Inspection selected \(type-one, round R2021-1\)", out)
    # examples/inventory.csv and changes.jsonl by hand: three Minuteman III with one RV each
    # at F. E. Warren, one B-52H deployed and one not: 4 deployed vehicles, 4 warheads, 5
    # launchers (a non-deployed heavy bomber still counts, New START Art. II.1(c))
    assert re.search(r"deployed_delivery_vehicles\s*│ 4 ", out)
    assert re.search(r"deployed_warheads\s*│ 4 ", out)
    assert re.search(r"deployed_and_nondeployed_launchers\s*│ 5 ", out)
    assert "recorded INSP-2021-001 (type-one at F-E-WARREN): 0 compliance issue(s)" in out
    assert "valid: US-ICBM-1 is leaf" in out
    assert "deployed_warheads: within the limit, proven (limit 1,550" in out
    assert "F-E-WARREN deployed_warheads: 3 (opens the commitment)" in out
    # nothing of the tour was left in the repository
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    # top-level entries only: src/treatyledger/escrow/__pycache__ is no tour output
    left = {line[3:].split("/")[0] for line in status.stdout.splitlines()}
    for name in ("us", "ru", "ru-node.token", "escrow", "proof.json", "us-node.log"):
        assert name not in left

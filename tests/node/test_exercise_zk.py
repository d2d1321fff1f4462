"""The demo's exercise publishes a zero-knowledge limit proof per party per data date on which
the limits are in force, and each party's sync checks the other's."""

from __future__ import annotations

import json
import stat
from datetime import date
from pathlib import Path

from treatyledger.exercise import run_exercise
from treatyledger.zk.verifier import parse_limit_proof, verify_limit_proof


def test_each_party_verifies_the_others_limit_proofs(tmp_path: Path) -> None:
    lines: list[str] = []
    result = run_exercise(
        tmp_path / "demo-out", until=date(2018, 9, 1), volume=0.1, say=lines.append
    )
    checked = {
        (check.party, check.as_of, check.valid)
        for verifier, report in result.syncs.items()
        for check in report.limit_proofs
        if check.party != verifier
    }
    # from the day the limits bound (2018-02-05) to the last data date, every data date
    assert checked == {
        (party, day, True)
        for party in ("RU", "US")
        for day in ("2018-02-05", "2018-03-01", "2018-09-01")
    }
    folder = tmp_path / "demo-out" / "us" / "zk"
    proof = parse_limit_proof(json.loads((folder / "limit-proof-2018-09-01.json").read_text()))
    verify_limit_proof(proof, {"deployed_warheads": 1550, "deployed_delivery_vehicles": 700,
                               "deployed_and_nondeployed_launchers": 800})  # fmt: skip
    secret = folder / "limit-proof-2018-09-01.secret.json"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert any("within the limit, proven" in line for line in lines)
    # the cheater of the seed, reported against the statistics, the nodes agreeing
    assert result.cheating is not None and result.cheating.description
    assert result.inspections.disagreements == []
    caught = result.exercise.campaign.caught
    party = result.cheating.party
    assert party is not None
    assert (result.inspections.issues.get(party, 0) > 0) == (caught is not None)
    assert 0.0 <= result.cheating.predicted <= 1.0 and result.ok

"""Transfers of arms get one outcome whichever way they arrive (`treatyledger notify` or the
node over HTTP): both build their ledger policy in store.policy, with the rule set's transfer
rule and its US-UK exception (New START Art. XIII; Trident II SLBMs to the United Kingdom,
notified with UID and location)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from node.harness import served_node
from treatyledger.cli import main


def _notifications() -> list[dict[str, Any]]:
    def envelope(sequence: int, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {
            "party": "US",
            "sequence": sequence,
            "kind": kind,
            "effective_time": f"2011-03-{sequence:02d}T00:00:00Z",
            "issued_time": f"2011-03-{sequence:02d}T12:00:00Z",
            "payload": payload,
        }

    def missile(uid: str, kind: str, system_type: str, **fields: Any) -> dict[str, Any]:
        return {"uid": uid, "party": "US", "kind": kind, "system_type": system_type,
                "status": "non_deployed", **fields}  # fmt: skip

    items = [
        missile("US-D5-1", "slbm", "Trident II", facility="US-KINGS-BAY"),
        missile("US-D5-2", "slbm", "Trident II"),
        missile("US-MM3-1", "icbm", "MM III", facility="US-KINGS-BAY"),
    ]
    base = {"id": "US-KINGS-BAY", "party": "US", "type": "submarine_base"}
    return [
        envelope(1, "declare", {"items": items, "facilities": [base]}),
        envelope(2, "transfer", {"uid": "US-D5-1", "to_party": "UK"}),  # the excepted one
        envelope(3, "transfer", {"uid": "US-D5-2", "to_party": "UK"}),  # no location
        envelope(4, "transfer", {"uid": "US-MM3-1", "to_party": "UK"}),  # not an SLBM
    ]


EXPECTED_FLAGS = [[], [], ["transfer.third_state"], ["transfer.third_state"]]


def test_notify_and_http_judge_transfers_of_arms_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notifications = _notifications()
    by_cli = tmp_path / "cli"
    assert main(["init", str(by_cli), "--party", "US"]) == 0
    lines = tmp_path / "n.jsonl"
    lines.write_text("".join(json.dumps(n) + "\n" for n in notifications))
    capsys.readouterr()
    assert main(["notify", str(by_cli), str(lines)]) == 0
    assert capsys.readouterr().out.strip() == (
        "accepted 4 (late 0, flagged 2), duplicate 0, rejected 0"
    )

    by_http = tmp_path / "http"
    assert main(["init", str(by_http), "--party", "US"]) == 0
    with served_node(by_http) as node:
        response = node.submit(notifications)
    assert response.status_code == 200, response.text
    assert [r["flags"] for r in response.json()["results"]] == EXPECTED_FLAGS

"""Transfers of arms get one outcome whichever way they arrive (`treatyledger notify` or the
node over HTTP): both build their ledger policy in store.policy, with the rule set's transfer
rule and its US-UK exception (New START Art. XIII; Trident II SLBMs to the United Kingdom,
notified with UID and location)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from factory import item, notification_data
from node.harness import served_node
from treatyledger.cli import main


def _notifications() -> list[dict[str, Any]]:
    items = [
        item("US-D5-1", "slbm", "non_deployed", facility="US-KINGS-BAY"),
        item("US-D5-2", "slbm", "non_deployed"),
        item("US-MM3-1", "icbm", "non_deployed", facility="US-KINGS-BAY"),
    ]
    base = {"id": "US-KINGS-BAY", "party": "US", "type": "submarine_base"}
    return [
        notification_data("US", 1, "declare", {"items": items, "facilities": [base]}),
        notification_data("US", 2, "transfer", {"uid": "US-D5-1", "to_party": "UK"}),  # excepted
        notification_data("US", 3, "transfer", {"uid": "US-D5-2", "to_party": "UK"}),  # no place
        notification_data("US", 4, "transfer", {"uid": "US-MM3-1", "to_party": "UK"}),  # an ICBM
    ]


EXPECTED_FLAGS = [[], [], ["transfer.third_state"], ["transfer.third_state"]]


def test_notify_and_http_judge_transfers_of_arms_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notifications = _notifications()
    by_cli = tmp_path / "cli"
    assert main(["init", "-w", str(by_cli), "--party", "US"]) == 0
    lines = tmp_path / "n.jsonl"
    lines.write_text("".join(json.dumps(n) + "\n" for n in notifications))
    capsys.readouterr()
    assert main(["notify", "-w", str(by_cli), str(lines)]) == 0
    assert capsys.readouterr().out.strip() == (
        "accepted 4 (late 0, flagged 2), duplicate 0, rejected 0"
    )

    by_http = tmp_path / "http"
    assert main(["init", "-w", str(by_http), "--party", "US"]) == 0
    with served_node(by_http) as node:
        response = node.submit(notifications)
    assert response.status_code == 200, response.text
    assert [r["flags"] for r in response.json()["results"]] == EXPECTED_FLAGS

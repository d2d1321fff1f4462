"""One policy, whichever way a notification arrives: the same notifications submitted through
``treatyledger notify`` and over HTTP to the node get the same outcomes. The case that once
differed: a transfer to the treaty's other party (registered by ``peer trust``) is no transfer
to a third state on either path, while one to an unregistered party is flagged on both."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from node.harness import served_node
from treatyledger.cli import main
from treatyledger.store.workspace import public_key_b64


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

    warheads = [
        {"uid": uid, "party": "US", "kind": "warhead", "status": "stored"}
        for uid in ("US-W1", "US-W2")
    ]
    return [
        envelope(1, "declare", {"items": warheads}),
        envelope(2, "transfer", {"uid": "US-W1", "to_party": "RU"}),  # the other party
        envelope(3, "transfer", {"uid": "US-W2", "to_party": "FR"}),  # a third state
    ]


def _init_with_peer(path: Path, peer_key: Ed25519PrivateKey) -> None:
    assert main(["init", "-w", str(path), "--party", "US"]) == 0
    assert (
        main(["peer", "trust", "-w", str(path), "RU", public_key_b64(peer_key.public_key())]) == 0
    )


def test_notify_and_http_flag_the_same_transfers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    peer_key = Ed25519PrivateKey.generate()
    notifications = _notifications()

    by_cli = tmp_path / "cli"
    _init_with_peer(by_cli, peer_key)
    lines = tmp_path / "n.jsonl"
    lines.write_text("".join(json.dumps(n) + "\n" for n in notifications))
    capsys.readouterr()
    assert main(["notify", "-w", str(by_cli), str(lines)]) == 0
    cli_summary = capsys.readouterr().out.strip()

    by_http = tmp_path / "http"
    _init_with_peer(by_http, peer_key)
    with served_node(by_http) as node:
        response = node.submit(notifications)
    assert response.status_code == 200, response.text
    results = response.json()["results"]

    assert [r["flags"] for r in results] == [[], [], ["transfer.third_state"]]
    accepted = sum(r["status"] == "accepted" for r in results)
    late = sum(bool(r["late"]) for r in results)
    flagged = sum(bool(set(r["flags"]) - {"deadline.late"}) for r in results)
    assert cli_summary == (
        f"accepted {accepted} (late {late}, flagged {flagged}), duplicate 0, rejected 0"
    )
    assert cli_summary == "accepted 3 (late 0, flagged 1), duplicate 0, rejected 0"

"""Small signed notification streams for node tests and the node benchmark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from treatyledger.ledger import sign
from treatyledger.model.notifications import Notification

START = datetime(2011, 2, 5, tzinfo=UTC)


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def force_declaration(party: str, sequence: int = 1, number: int = 1) -> dict[str, Any]:
    """One deployed silo launcher holding a deployed MM III with one reentry vehicle."""
    launcher = f"{party}-LN-{number}"
    return {
        "party": party,
        "sequence": sequence,
        "kind": "declare",
        "effective_time": _time(START),
        "issued_time": _time(START + timedelta(hours=1)),
        "payload": {
            "items": [
                {
                    "uid": launcher,
                    "party": party,
                    "kind": "icbm_launcher",
                    "system_type": "MM III",
                    "status": "deployed",
                    "facility": f"{party}-BASE",
                },
                {
                    "uid": f"{party}-MS-{number}",
                    "party": party,
                    "kind": "icbm",
                    "system_type": "MM III",
                    "status": "deployed",
                    "warheads": 1,
                    "contained_in": launcher,
                    "facility": f"{party}-BASE",
                },
            ],
            "facilities": [],
        },
    }


def warhead_declaration(party: str, sequence: int) -> dict[str, Any]:
    """A stored warhead entering accountability: one small notification per sequence."""
    moment = START + timedelta(days=1, seconds=sequence)
    return {
        "party": party,
        "sequence": sequence,
        "kind": "declare",
        "effective_time": _time(moment),
        "issued_time": _time(moment + timedelta(hours=1)),
        "payload": {
            "items": [
                {
                    "uid": f"{party}-WH-{sequence}",
                    "party": party,
                    "kind": "warhead",
                    "status": "stored",
                    "facility": f"{party}-STORE",
                }
            ],
            "facilities": [],
        },
    }


def stream(party: str, count: int, first: int = 1) -> list[dict[str, Any]]:
    """``count`` notifications from sequence ``first``: the force, then stored warheads."""
    return [
        force_declaration(party, s) if s == 1 else warhead_declaration(party, s)
        for s in range(first, first + count)
    ]


def signed(records: list[dict[str, Any]], key: Ed25519PrivateKey) -> list[dict[str, Any]]:
    return [sign(Notification.model_validate(r), key).to_json_dict() for r in records]

"""Helpers for the store tests: a workspace per backend and signed notification builders.

Keys are generated per workspace (Workspace.init); no private key is stored in the repo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from treatyledger.ledger import sign
from treatyledger.model.notifications import Notification, parse_notification

T0 = datetime(2011, 2, 5, tzinfo=UTC)

_DEFAULT_TYPES = {
    "icbm": "MM III",
    "icbm_launcher": "MM III",
    "slbm": "Trident II",
    "slbm_launcher": "Trident II",
    "heavy_bomber": "B-52H",
}


def time_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def item(uid: str, kind: str, status: str, party: str = "US", **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"uid": uid, "party": party, "kind": kind, "status": status}
    if kind in _DEFAULT_TYPES:
        record["system_type"] = _DEFAULT_TYPES[kind]
    if kind == "heavy_bomber":
        record["armament"] = "lrna"
    record.update(fields)
    return record


def base_force(party: str = "US") -> list[dict[str, Any]]:
    """Two ICBM launchers, three missiles, three stored warheads, one bomber."""
    return [
        item(f"{party}-L1", "icbm_launcher", "non_deployed", party, facility="BASE"),
        item(f"{party}-L2", "icbm_launcher", "non_deployed", party, facility="BASE"),
        item(f"{party}-M1", "icbm", "non_deployed", party, facility="BASE", warheads=0),
        item(f"{party}-M2", "icbm", "non_deployed", party, facility="BASE", warheads=0),
        item(f"{party}-M3", "icbm", "non_deployed", party, facility="BASE", warheads=0),
        item(f"{party}-W1", "warhead", "stored", party, facility="STORE"),
        item(f"{party}-W2", "warhead", "stored", party, facility="STORE"),
        item(f"{party}-W3", "warhead", "stored", party, facility="STORE"),
        item(f"{party}-B1", "heavy_bomber", "deployed", party, facility="AIR"),
    ]


class Notifier:
    """Builds notifications of one party with consecutive sequences, signed by ``key``."""

    def __init__(self, key: Ed25519PrivateKey, party: str = "US"):
        self.key = key
        self.party = party
        self.sequence = 0

    def data(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        sequence: int | None = None,
        effective: datetime | None = None,
        issued: datetime | None = None,
        **envelope: Any,
    ) -> dict[str, Any]:
        if sequence is None:
            sequence = self.sequence + 1
        self.sequence = max(self.sequence, sequence)
        effective = effective or T0 + timedelta(days=sequence)
        issued = issued or effective + timedelta(days=1)
        return {
            "party": self.party,
            "sequence": sequence,
            "kind": kind,
            "effective_time": time_text(effective),
            "issued_time": time_text(issued),
            "payload": payload,
            **envelope,
        }

    def make(self, kind: str, payload: dict[str, Any], **options: Any) -> Notification:
        """A signed notification."""
        return sign(parse_notification(self.data(kind, payload, **options)), self.key)

    def declare(self, items: list[dict[str, Any]], **options: Any) -> Notification:
        return self.make("declare", {"items": items}, **options)

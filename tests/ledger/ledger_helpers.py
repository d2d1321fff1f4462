"""Helpers for the ledger tests: a catalog, a policy, a TEST signing key, and a ledger that
builds its notifications with the shared test factory (tests/factory.py).

The Ed25519 keys here are TEST KEYS derived from fixed public seeds. Never use them for anything
but tests."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from factory import T0, item, notification_data, time_text
from treatyledger.files import load_catalog
from treatyledger.ledger import LedgerPolicy, LedgerState, sign
from treatyledger.model import Catalog
from treatyledger.model.notifications import Notification, parse_notification

TEST_KEY_US = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))  # TEST KEY
TEST_KEY_OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))  # TEST KEY


@cache
def catalog() -> Catalog:
    return load_catalog()


def policy(**changes: Any) -> LedgerPolicy:
    fields: dict[str, Any] = {"catalog": catalog(), "treaty_parties": frozenset({"US", "RU"})}
    fields.update(changes)
    return LedgerPolicy(**fields)


__all__ = [
    "T0",
    "TEST_KEY_OTHER",
    "TEST_KEY_US",
    "Ledger",
    "catalog",
    "item",
    "policy",
    "time_text",
]


class Ledger:
    """A LedgerState for US with its TEST key registered, and a sequence counter."""

    def __init__(self, **policy_changes: Any):
        self.state = LedgerState(policy(**policy_changes), keys={"US": [TEST_KEY_US.public_key()]})
        self.sequence = 0
        self.day = 0

    def build(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        sequence: int | None = None,
        effective: datetime | None = None,
        issued: datetime | None = None,
        **envelope: Any,
    ) -> Notification:
        if sequence is None:
            sequence = self.sequence + 1
        data = notification_data(
            "US", sequence, kind, payload, effective=effective, issued=issued, **envelope
        )
        return sign(parse_notification(data), TEST_KEY_US)

    def send(self, kind: str, payload: dict[str, Any], **options: Any):  # type: ignore[no-untyped-def]
        """Build, sign and apply the next notification; returns the Outcome."""
        notification = self.build(kind, payload, **options)
        outcome = self.state.apply(notification)
        if outcome.status == "accepted":
            self.sequence = max(self.sequence, notification.sequence)
        return outcome

    def declare(self, *items: dict[str, Any]):  # type: ignore[no-untyped-def]
        return self.send("declare", {"items": list(items)})

    def records(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.state.log("US")]

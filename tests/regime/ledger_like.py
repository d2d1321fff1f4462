"""A signed ledger under a rule set's own policy, for the regime tests (the notifications from
the shared factory, the TEST key of the ledger tests)."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from factory import notification_data
from treatyledger.files import load_catalog
from treatyledger.ledger import LedgerState, Outcome, policy_from_rule_set, sign
from treatyledger.model.notifications import parse_notification
from treatyledger.rules.schema import RuleSet

TEST_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))  # TEST KEY


class PolicyLedger:
    def __init__(self, rule_set: RuleSet, party: str = "US"):
        policy = policy_from_rule_set(rule_set, load_catalog())
        self.party = party
        self.state = LedgerState(policy, keys={party: [TEST_KEY.public_key()]})
        self.sequence = 0

    def send(self, kind: str, payload: dict[str, Any], **options: Any) -> Outcome:
        data = notification_data(self.party, self.sequence + 1, kind, payload, **options)
        outcome = self.state.apply(sign(parse_notification(data), TEST_KEY))
        self.sequence += 1
        return outcome


def ledger_for(rule_set: RuleSet) -> PolicyLedger:
    return PolicyLedger(rule_set)

"""``LedgerPolicy``: what the ledger needs from a treaty, independent of the rule-set file
format. The workspace's policy (its rule set and its registered parties) is built in one
place, ``treatyledger.store.policy.workspace_policy``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from treatyledger.model.catalog import Catalog


@dataclass(frozen=True)
class LedgerPolicy:
    """``deadline_days``: notifications issued later than this after their effective time are
    flagged late (None: never late). ``third_state_transfer_forbidden``: a transfer to a party
    outside ``treaty_parties`` is flagged as a violation (an empty ``treaty_parties`` treats
    every other party as a third state). ``require_signatures``: ``apply`` rejects unsigned
    notifications.
    """

    catalog: Catalog
    deadline_days: int | None = 5
    third_state_transfer_forbidden: bool = True
    treaty_parties: frozenset[str] = frozenset()
    require_signatures: bool = True


def policy_from_rule_set(rule_set: Any, catalog: Catalog, **overrides: Any) -> LedgerPolicy:
    """The ledger policy of a ``treatyledger.rules.RuleSet``: its notification deadline and its
    rule on transfers to third states."""
    notifications = getattr(rule_set, "notifications", None)
    transfers = getattr(rule_set, "transfers", None)
    deadline = getattr(notifications, "deadline_days", None)
    forbidden = bool(getattr(transfers, "third_state_forbidden", False))
    fields: dict[str, Any] = {
        "catalog": catalog,
        "deadline_days": deadline,
        "third_state_transfer_forbidden": forbidden,
    }
    fields.update(overrides)
    return LedgerPolicy(**fields)

"""``LedgerPolicy``: what the ledger needs from a treaty, independent of the rule-set file
format. The workspace's policy (its rule set and its registered parties) is built in one
place, ``treatyledger.store.policy.workspace_policy``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from treatyledger.model.catalog import Catalog

#: how far after the submitter's clock a notification may be dated (clock skew, time zones)
DEFAULT_MAX_FUTURE = timedelta(days=1)


@dataclass(frozen=True)
class TransferExemption:
    """Transfers from ``from_party`` to ``to_party`` of these item kinds are not transfers to
    a third state, if the item's location is known where ``requires_location``."""

    from_party: str
    to_party: str
    kinds: frozenset[str]
    requires_location: bool = True


@dataclass(frozen=True)
class LedgerPolicy:
    """``deadline_days``: a change notification received (``issued_time``) on a date more
    than this many days after the date it takes effect is flagged late (None: never late;
    dates in UTC, as the treaty counts them: New START Protocol Part Four, Section I.2).
    ``reported_in_update``: item kinds whose changes the treaty has reported only in the
    periodic update (New START: warheads), so a notification about only such items is never
    late by ``deadline_days`` (``ledger.calendar`` judges it against the update's deadline).
    ``third_state_transfer_forbidden``: a transfer to a party
    outside ``treaty_parties`` of an item of ``transfer_kinds`` (every kind if None) is
    flagged as a violation unless a ``transfer_exemptions`` entry covers it (an empty
    ``treaty_parties`` treats every other party as a third state). ``require_signatures``:
    ``apply`` rejects unsigned notifications. ``max_future``: a notification submitted
    (``LedgerState.apply_record(..., now=...)``) whose effective or issued time is more than
    this after the submitter's clock is refused before it enters the log (None: no bound);
    a date in 2099 would otherwise stand in the append-only log for good and hold up every
    later notification about its items.
    """

    catalog: Catalog
    deadline_days: int | None = 5
    third_state_transfer_forbidden: bool = True
    treaty_parties: frozenset[str] = frozenset()
    require_signatures: bool = True
    transfer_kinds: frozenset[str] | None = None
    transfer_exemptions: tuple[TransferExemption, ...] = ()
    reported_in_update: frozenset[str] = frozenset()
    max_future: timedelta | None = DEFAULT_MAX_FUTURE

    def future_problem(self, record: Mapping[str, Any], now: datetime) -> str | None:
        """Why a record's times lie too far after ``now``, or None (the one check of it)."""
        if self.max_future is None:
            return None
        bound = now + self.max_future
        for name in ("effective_time", "issued_time"):
            when = datetime.fromisoformat(str(record[name]).replace("Z", "+00:00"))
            if when > bound:
                days = self.max_future.total_seconds() / 86400
                return (
                    f"{name} {record[name]} is more than {days:g} day(s) after now "
                    f"({now.strftime('%Y-%m-%dT%H:%M:%SZ')}): a notification cannot be "
                    "dated ahead"
                )
        return None

    def forbidden_transfer(
        self, from_party: str, to_party: str, kind: str, location: str | None
    ) -> bool:
        """Whether moving an item of ``kind`` from ``from_party`` to ``to_party`` is a
        transfer to a third state the treaty forbids (the one rule the CLI, the node and the
        mirror apply, through the one policy each builds)."""
        if not self.third_state_transfer_forbidden or to_party in self.treaty_parties:
            return False
        if self.transfer_kinds is not None and kind not in self.transfer_kinds:
            return False
        for exemption in self.transfer_exemptions:
            if (
                exemption.from_party == from_party
                and exemption.to_party == to_party
                and kind in exemption.kinds
                and (location is not None or not exemption.requires_location)
            ):
                return False
        return True


def policy_from_rule_set(rule_set: Any, catalog: Catalog, **overrides: Any) -> LedgerPolicy:
    """The ledger policy of a ``treatyledger.rules.RuleSet``: its notification deadline, its
    parties (as treaty parties, with any given in ``overrides``) and its rule on transfers to
    third states, with the kinds it covers and its exceptions."""
    notifications = getattr(rule_set, "notifications", None)
    transfers = getattr(rule_set, "transfers", None)
    deadline = getattr(notifications, "deadline_days", None)
    forbidden = bool(getattr(transfers, "third_state_forbidden", False))
    kinds = getattr(transfers, "kinds", None)
    exemptions = tuple(
        TransferExemption(
            from_party=e.from_party,
            to_party=e.to_party,
            kinds=frozenset(str(k) for k in e.kinds),
            requires_location=e.requires_location,
        )
        for e in getattr(transfers, "exceptions", ())
    )
    treaty = getattr(rule_set, "treaty", None)
    parties = frozenset(getattr(treaty, "parties", ()))
    in_update = frozenset(
        str(kind)
        for category in getattr(notifications, "categories", ())
        if category.reported_in_update
        for kind in category.items
    )
    fields: dict[str, Any] = {
        "catalog": catalog,
        "deadline_days": deadline,
        "third_state_transfer_forbidden": forbidden,
        "transfer_kinds": None if kinds is None else frozenset(str(k) for k in kinds),
        "transfer_exemptions": exemptions,
        "reported_in_update": in_update,
    }
    fields.update(overrides)
    fields["treaty_parties"] = parties | frozenset(overrides.get("treaty_parties", ()))
    return LedgerPolicy(**fields)

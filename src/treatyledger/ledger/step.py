"""``Step``: one notification being applied. It carries the checks every handler shares
(the item exists, is this party's, is not terminal, changes in effective-time order, makes a
legal transition, is empty, has a known capacity) and collects what the notification touched
and flagged. A check that fails raises ``NotificationRejected`` before anything changed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from treatyledger.ledger.errors import NotificationRejected
from treatyledger.ledger.items import ItemIndex
from treatyledger.ledger.outcomes import Rule
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.transitions import TERMINAL, TRANSITIONS

#: What a handler returns after its checks: the changes to make, run only if all passed.
Mutations = list[Callable[[], None]]
Handler = Callable[["Step", Mapping[str, Any]], Mutations]


class Step:
    """The checks shared by the handlers, bound to one notification."""

    __slots__ = (
        "capacities",
        "effective",
        "flags",
        "index",
        "party",
        "policy",
        "sequence",
        "touched",
    )

    def __init__(
        self,
        index: ItemIndex,
        policy: LedgerPolicy,
        capacities: Mapping[str, int],
        party: str,
        sequence: int,
        effective: datetime,
    ):
        self.index = index
        self.policy = policy
        self.capacities = capacities
        self.party = party
        self.sequence = sequence
        self.effective = effective
        self.touched: list[str] = []
        self.flags: list[tuple[str, str]] = []

    def reject(self, message: str, rule: Rule, item: str | None = None) -> NotificationRejected:
        return NotificationRejected(
            message, party=self.party, sequence=self.sequence, rule=rule, item=item
        )

    def own(self, uid: str) -> dict[str, Any]:
        """The item ``uid`` of this party, touched by this notification."""
        record = self.index.records.get(uid)
        if record is None:
            raise self.reject("no such item has been declared", Rule.UID_UNKNOWN, uid)
        if record["party"] != self.party:
            raise self.reject(
                f"the item belongs to {record['party']}, not {self.party}", Rule.UID_FOREIGN, uid
            )
        last = self.index.last_effective.get(uid)
        if last is not None and self.effective < last:
            raise self.reject(
                f"effective time {self.effective.isoformat()} is before {last.isoformat()}, "
                "when an accepted notification already changed this item",
                Rule.EFFECTIVE_ORDER,
                uid,
            )
        self.touched.append(uid)
        return record

    def alive(self, uid: str) -> dict[str, Any]:
        record = self.own(uid)
        if record["status"] in TERMINAL:
            raise self.reject(
                f"the item is {record['status']} and can never come back", Rule.TERMINAL, uid
            )
        return record

    def transition(self, kind: str, uid: str, record: dict[str, Any], to_status: str) -> None:
        allowed = TRANSITIONS[kind].get(record["kind"], frozenset())
        if (record["status"], to_status) not in allowed:
            legal = ", ".join(f"{a}->{b}" for a, b in sorted(allowed)) or "none"
            raise self.reject(
                f"{kind} cannot take a {record['kind']} from {record['status']} to "
                f"{to_status} (legal: {legal})",
                Rule.ILLEGAL_TRANSITION,
                uid,
            )

    def empty(self, uid: str, record: dict[str, Any]) -> None:
        inside = self.index.contents.get(uid)
        if inside or record.get("warheads"):
            what = f"items {', '.join(inside)}" if inside else f"{record['warheads']} warheads"
            raise self.reject(f"the item still carries {what}", Rule.NOT_EMPTY, uid)

    def capacity(self, uid: str, record: Mapping[str, Any]) -> int:
        system_type = record.get("system_type")
        capacity = self.capacities.get(system_type) if system_type else None
        if capacity is None:
            raise self.reject(
                f"system type {system_type!r} is not in the catalog",
                Rule.SYSTEM_TYPE_UNKNOWN,
                uid,
            )
        return capacity

    def within_capacity(self, uid: str, record: Mapping[str, Any], warheads: int) -> None:
        """``warheads`` on the carrier ``uid`` fit its system type."""
        capacity = self.capacity(uid, record)
        if warheads > capacity:
            raise self.reject(
                f"{warheads} warheads on a {record['system_type']}, capacity {capacity}",
                Rule.CAPACITY,
                uid,
            )

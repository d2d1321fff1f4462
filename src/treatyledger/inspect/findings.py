"""Inspection findings and their reconciliation with the declared state.

An inspection record says what inspectors saw at one site at one time: the items examined,
the UIDs read, reentry vehicles observed per missile, armament observed per bomber and items
counted per kind. :func:`reconcile` compares it with the declared inventory replayed to that
moment; every mismatch becomes a :class:`ComplianceIssue` carrying its evidence: the
notifications that made the declared state and the finding that contradicts it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from treatyledger.inspect.selection import site_of
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.records import mentioned_uids
from treatyledger.ledger.replay import state_at
from treatyledger.model.items import UID_PATTERN, Inventory
from treatyledger.model.kinds import TERMINAL_STATUSES, Armament, ItemKind
from treatyledger.model.parties import IDENTIFIER_PATTERN

#: Bounds on hostile input: an inspection examines a site, not a country.
MAX_ITEMS_PER_RECORD = 5_000
MAX_RVS_PER_MISSILE = 64

Uid = Annotated[str, Field(pattern=UID_PATTERN)]
RvCount = Annotated[int, Field(ge=0, le=MAX_RVS_PER_MISSILE)]
ItemCount = Annotated[int, Field(ge=0, le=1_000_000)]


class InspectionRecord(BaseModel):
    """One inspection's findings, as the inspectors recorded them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=IDENTIFIER_PATTERN)
    inspection_type: str = Field(pattern=IDENTIFIER_PATTERN)
    inspected_party: str = Field(pattern=IDENTIFIER_PATTERN)
    site: str = Field(pattern=IDENTIFIER_PATTERN)
    time: AwareDatetime
    items_examined: tuple[Uid, ...] = Field(default=(), max_length=MAX_ITEMS_PER_RECORD)
    uids_read: tuple[Uid, ...] = Field(default=(), max_length=MAX_ITEMS_PER_RECORD)
    rvs_observed: dict[Uid, RvCount] = Field(default_factory=dict, max_length=MAX_ITEMS_PER_RECORD)
    armament_observed: dict[Uid, Armament] = Field(
        default_factory=dict, max_length=MAX_ITEMS_PER_RECORD
    )
    items_counted: dict[ItemKind, ItemCount] = Field(default_factory=dict)
    remarks: str = Field(default="", max_length=2_000)


class IssueKind(StrEnum):
    REENTRY_VEHICLE_MISMATCH = "reentry_vehicle_mismatch"
    UNDECLARED_ITEM = "undeclared_item"
    ITEM_NOT_AT_DECLARED_SITE = "item_not_at_declared_site"
    COUNT_MISMATCH = "count_mismatch"
    ARMAMENT_MISMATCH = "armament_mismatch"
    #: a movement or RV/armament work notified while pre-inspection restrictions held
    MOVEMENT_DURING_RESTRICTIONS = "movement_during_restrictions"
    #: an exhibited item whose declared state contradicts what was exhibited
    EXHIBITION_MISMATCH = "exhibition_mismatch"
    #: inspectors counted another number at a base than the party committed to (zk opening)
    OPENED_VALUE_MISMATCH = "opened_value_mismatch"
    #: raised by a party in the Bilateral Consultative Commission, not found by a procedure
    RAISED = "raised"


#: The rule each kind of finding applies (stored with every issue as its ``rule``).
RULE_OF: dict[IssueKind, str] = {
    IssueKind.REENTRY_VEHICLE_MISMATCH: (
        "New START Art. III (warheads on a deployed ICBM or SLBM: the actual number of "
        "reentry vehicles); Protocol Part Five, Section VI (Type One: confirm the declared "
        "number on a designated deployed missile)"
    ),
    IssueKind.UNDECLARED_ITEM: (
        "New START Protocol Part Two (the database: every ICBM, SLBM and heavy bomber with "
        "its unique identifier)"
    ),
    IssueKind.ITEM_NOT_AT_DECLARED_SITE: (
        "New START Protocol Part Four (change notifications, within 5 days: an item's location)"
    ),
    IssueKind.COUNT_MISMATCH: (
        "New START Protocol Part Five, Section VI (confirm the numbers declared for the site)"
    ),
    IssueKind.ARMAMENT_MISMATCH: (
        "New START Protocol Part Five, Section VI (Type One: the armaments on deployed heavy "
        "bombers); Part Three (conversion to non-nuclear armaments)"
    ),
    IssueKind.MOVEMENT_DURING_RESTRICTIONS: (
        "Annex on Inspection Activities, Part Six, Section I, paragraph 1 (pre-inspection "
        "restrictions: no removal of missiles, launchers or bombers from the site, no RV or "
        "armament work, until the items are designated)"
    ),
    IssueKind.EXHIBITION_MISMATCH: (
        "New START Protocol Part Five (exhibitions of new types and of converted items)"
    ),
    IssueKind.OPENED_VALUE_MISMATCH: (
        "treatyledger zk: an opened commitment of the party's limit proof (the commitment "
        "binds the party to the value it published)"
    ),
    IssueKind.RAISED: (
        "New START Art. XII and Protocol Part Six (Bilateral Consultative Commission)"
    ),
}


class Evidence(BaseModel):
    """The notifications behind the declared state, and the finding that contradicts it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    notifications: tuple[str, ...]
    finding: InspectionRecord


class ComplianceIssue(BaseModel):
    """One discrepancy between declaration and observation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: IssueKind
    party: str
    site: str
    item: str | None
    expected: str
    found: str
    message: str
    evidence: Evidence
    #: the treaty rule the finding applies (``RULE_OF``)
    rule: str = ""


class _Reconciliation:
    """One finding against one declared inventory; each check appends its issues."""

    def __init__(
        self, record: InspectionRecord, declared: Inventory, history: Mapping[str, Sequence[str]]
    ):
        self.record = record
        self.declared = declared
        self.history = history
        self.party = record.inspected_party
        self.by_uid = {i.uid: i for i in declared.items if i.uid is not None}
        self.undeclared: set[str] = set()
        self.issues: list[ComplianceIssue] = []

    def add(
        self,
        kind: IssueKind,
        item: str | None,
        expected: str,
        found: str,
        message: str,
        cited: Sequence[str],
    ) -> None:
        record = self.record
        self.issues.append(
            ComplianceIssue(
                kind=kind,
                party=self.party,
                site=record.site,
                item=item,
                expected=expected,
                found=found,
                message=f"{record.id} at {record.site}: {message}",
                evidence=Evidence(notifications=tuple(cited), finding=record),
                rule=RULE_OF[kind],
            )
        )

    def presence(self) -> None:
        """Every UID the inspectors met is declared by the party, and declared here."""
        record = self.record
        for uid in dict.fromkeys(
            (
                *record.items_examined,
                *record.uids_read,
                *record.rvs_observed,
                *record.armament_observed,
            )
        ):
            item = self.by_uid.get(uid)
            if item is None or item.party != self.party or item.status in TERMINAL_STATUSES:
                self.add(
                    IssueKind.UNDECLARED_ITEM,
                    uid,
                    "no declared item with this UID",
                    f"item {uid} present",
                    f"item {uid} was found but is not declared by {self.party}",
                    (),
                )
                self.undeclared.add(uid)
                continue
            declared_site = site_of(item, self.by_uid)
            if declared_site != record.site:
                self.add(
                    IssueKind.ITEM_NOT_AT_DECLARED_SITE,
                    uid,
                    f"at {declared_site}",
                    f"at {record.site}",
                    f"{item.kind} {uid} is declared at {declared_site}, found at {record.site}",
                    self.history.get(uid, ()),
                )

    def _declared(self, uid: str) -> Any:
        return None if uid in self.undeclared else self.by_uid.get(uid)

    def reentry_vehicles(self) -> None:
        for uid, observed in self.record.rvs_observed.items():
            item = self._declared(uid)
            if item is None or observed == (item.warheads or 0):
                continue
            declared_rvs = item.warheads or 0
            self.add(
                IssueKind.REENTRY_VEHICLE_MISMATCH,
                uid,
                f"{declared_rvs} reentry vehicles",
                f"{observed} reentry vehicles",
                f"{item.kind} {uid} carries {observed} reentry vehicles, declared {declared_rvs}",
                self.history.get(uid, ()),
            )

    def armaments(self) -> None:
        for uid, armament in self.record.armament_observed.items():
            item = self._declared(uid)
            if item is None or item.armament == armament:
                continue
            self.add(
                IssueKind.ARMAMENT_MISMATCH,
                uid,
                f"armament {item.armament}",
                f"armament {armament}",
                f"{item.kind} {uid} is equipped {armament}, declared {item.armament} "
                f"(status {item.status})",
                self.history.get(uid, ()),
            )

    def counts(self) -> None:
        """Items counted per kind at the site against the declared ones there."""
        at_site = [
            i
            for i in self.declared.items
            if i.party == self.party
            and i.status not in TERMINAL_STATUSES
            and site_of(i, self.by_uid) == self.record.site
        ]
        declared_counts = Counter[ItemKind]()
        for i in at_site:
            declared_counts[i.kind] += i.quantity
        for kind, counted in self.record.items_counted.items():
            expected = declared_counts[kind]
            if counted == expected:
                continue
            cited = [
                ref
                for i in at_site
                if i.kind is kind and i.uid
                for ref in self.history.get(i.uid, ())
            ]
            self.add(
                IssueKind.COUNT_MISMATCH,
                None,
                f"{expected} {kind}",
                f"{counted} {kind}",
                f"counted {counted} {kind} items, declared {expected}",
                tuple(dict.fromkeys(cited)),
            )


def reconcile(
    record: InspectionRecord,
    declared: Inventory,
    history: Mapping[str, Sequence[str]] | None = None,
) -> list[ComplianceIssue]:
    """Compare a finding with the declared inventory at the record's time.

    ``history`` maps a UID to the references (``party#sequence``) of the notifications that
    made its declared state; a site-wide count cites the notifications of every item there.
    """
    check = _Reconciliation(record, declared, history or {})
    check.presence()
    check.reentry_vehicles()
    check.armaments()
    check.counts()
    return check.issues


@dataclass(frozen=True)
class DeclaredState:
    """A party's declared inventory at a moment, and per UID the notifications behind it."""

    inventory: Inventory
    history: Mapping[str, tuple[str, ...]]


def declared_state(
    records: Sequence[Mapping[str, Any]],
    policy: LedgerPolicy,
    party: str,
    when: datetime,
) -> DeclaredState:
    """Replay the ledger to ``when`` (``treatyledger.ledger.state_at``) and collect, per item,
    the references of the notifications of ``party`` that named it."""
    state = state_at(records, policy, when)
    history: dict[str, list[str]] = {}
    for record in state.log(party):
        effective = state.effective_record(party, record["sequence"])
        for uid in mentioned_uids(effective["payload"]):
            history.setdefault(uid, []).append(f"{party}#{record['sequence']}")
    inventory = state.inventory(party)
    return DeclaredState(inventory, {uid: tuple(refs) for uid, refs in history.items()})


def reconcile_with_ledger(
    record: InspectionRecord,
    records: Sequence[Mapping[str, Any]],
    policy: LedgerPolicy,
) -> list[ComplianceIssue]:
    """Reconcile a finding with the inspected party's ledger replayed to the inspection time."""
    declared = declared_state(records, policy, record.inspected_party, record.time)
    return reconcile(record, declared.inventory, declared.history)

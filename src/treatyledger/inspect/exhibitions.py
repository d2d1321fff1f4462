"""Exhibitions (New START Protocol Part Five): a party shows a new type, or items it
converted, so the other party confirms the declared characteristics or the conversion's
result. No quota. An exhibition is recorded as an ``InspectionRecord`` whose
``inspection_type`` is ``exhibition.<kind>`` (``exhibition.new_type``,
``exhibition.converted_item``) at the site where the items are shown; it is reconciled like
an inspection's findings, and in addition:

- an exhibited item of a kind the exhibition does not show is a finding;
- at an exhibition of converted items, an item whose declared status is not a converted one
  (``converted``, ``converted_non_nuclear``) is a finding: the party exhibits as converted
  what it still declares accountable, or the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from treatyledger.inspect.findings import (
    RULE_OF,
    ComplianceIssue,
    Evidence,
    InspectionRecord,
    IssueKind,
    declared_state,
    reconcile,
)
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.model.items import Inventory
from treatyledger.model.kinds import Status
from treatyledger.rules.schema import Exhibition, ExhibitionKind, Inspections

PREFIX = "exhibition."
CONVERTED = frozenset({Status.CONVERTED, Status.CONVERTED_NON_NUCLEAR})


def exhibition_type_id(kind: ExhibitionKind) -> str:
    return PREFIX + kind.value


def exhibition_types(inspections: Inspections | None) -> list[str]:
    """The ``inspection_type`` ids of the rule set's exhibitions."""
    return [exhibition_type_id(e.kind) for e in inspections.exhibitions] if inspections else []


def exhibition_of(inspections: Inspections | None, type_id: str) -> Exhibition | None:
    if inspections is None or not type_id.startswith(PREFIX):
        return None
    try:
        kind = ExhibitionKind(type_id.removeprefix(PREFIX))
    except ValueError:
        return None
    return inspections.exhibition(kind)


def exhibition_issues(
    record: InspectionRecord,
    declared: Inventory,
    history: Mapping[str, Sequence[str]],
    exhibition: Exhibition,
) -> list[ComplianceIssue]:
    """The findings particular to an exhibition (see the module docstring)."""
    by_uid = {i.uid: i for i in declared.items if i.uid is not None}
    issues = []
    kinds = {str(k) for k in exhibition.item_kinds}
    for uid in dict.fromkeys((*record.items_examined, *record.armament_observed)):
        item = by_uid.get(uid)
        if item is None or item.party != record.inspected_party:
            continue  # reconcile reports it as undeclared
        problem = None
        if str(item.kind) not in kinds:
            problem = (
                f"a {exhibition.kind.value} exhibition of {', '.join(sorted(kinds))}",
                f"{item.kind} {uid}",
            )
        elif exhibition.kind is ExhibitionKind.CONVERTED_ITEM and item.status not in CONVERTED:
            problem = ("declared converted", f"{item.kind} {uid} declared {item.status}")
        if problem is None:
            continue
        issues.append(
            ComplianceIssue(
                kind=IssueKind.EXHIBITION_MISMATCH,
                party=record.inspected_party,
                site=record.site,
                item=uid,
                expected=problem[0],
                found=problem[1],
                message=f"{record.id} at {record.site}: exhibited {problem[1]}, expected "
                f"{problem[0]}",
                evidence=Evidence(notifications=tuple(history.get(uid, ())), finding=record),
                rule=f"{RULE_OF[IssueKind.EXHIBITION_MISMATCH]}; {exhibition.source}",
            )
        )
    return issues


def reconcile_with_rules(
    record: InspectionRecord,
    records: Sequence[Mapping[str, Any]],
    policy: LedgerPolicy,
    inspections: Inspections | None,
) -> list[ComplianceIssue]:
    """Reconcile findings with the ledger replayed to their time; an exhibition's record
    gains the exhibition's own findings."""
    declared = declared_state(records, policy, record.inspected_party, record.time)
    issues = reconcile(record, declared.inventory, declared.history)
    exhibition = exhibition_of(inspections, record.inspection_type)
    if exhibition is not None:
        issues += exhibition_issues(record, declared.inventory, declared.history, exhibition)
    return issues

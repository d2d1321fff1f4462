"""Inspection findings: an inspector submits a record of what was seen at a site; the node
reconciles it with its party's declared state at that time and stores the record with the
compliance issues found (treatyledger.store.inspection_store). Item-level: the party, the
other party and inspectors read records (issues: routers.issues); observers never. The
Protocol's procedure (notification, designations, findings) is routers.runs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Security
from pydantic import BaseModel, ConfigDict, Field

from treatyledger.inspect.consultation import ComplianceIssueRecord
from treatyledger.inspect.errors import ProcedureError
from treatyledger.inspect.exhibitions import exhibition_types
from treatyledger.inspect.findings import InspectionRecord
from treatyledger.node.auth import Caller, Role
from treatyledger.node.errors import Problem
from treatyledger.node.problems import problem_responses
from treatyledger.node.routers.deps import ITEM_LEVEL, Node, guard, guarded_router
from treatyledger.node.views import treaty
from treatyledger.store.errors import DuplicateInspectionRecord, InspectionRecordError
from treatyledger.store.inspection_store import list_inspections, record_inspection
from treatyledger.store.issue_store import issue_records

router = guarded_router(tags=["inspections"])
Inspector = Annotated[Caller, Security(guard(Role.INSPECTOR))]
ItemLevel = Annotated[Caller, Security(guard(*ITEM_LEVEL))]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InspectionSubmitted(_Model):
    record: str = Field(description="id of the stored inspection record")
    issues: list[ComplianceIssueRecord]


class StoredInspectionResponse(_Model):
    record: InspectionRecord
    submitted_by: str
    submitted_at: datetime
    issues: int = Field(description="compliance issues found in it")


@router.post(
    "/inspections",
    response_model=InspectionSubmitted,
    status_code=201,
    summary="Submit an inspection record (inspectors only)",
    description=(
        "The record is reconciled with this node's party's declared state replayed to the "
        "inspection time; the record, who submitted it and every compliance issue found are "
        "stored in one transaction. A record id may be submitted once. A record dated before "
        "inspection activities may begin (New START Protocol Part Five, Section I.2, where "
        "the rule set says when) is refused (422)."
    ),
    responses=problem_responses(409),
)
def submit_inspection(node: Node, caller: Inspector, body: InspectionRecord) -> InspectionSubmitted:
    current = treaty(node.engine, node.rules)
    inspections = current.rule_set.inspections
    types = [t.id for t in inspections.types] if inspections else []
    try:
        record_inspection(
            node.engine,
            body,
            party=node.party,
            policy=current.policy,
            inspection_types=[*types, *exhibition_types(inspections)],
            submitted_by=caller.name,
            inspections=inspections,
            entry_into_force=current.rule_set.treaty.entry_into_force,
        )
    except DuplicateInspectionRecord as exc:
        raise Problem(409, str(exc), problem="duplicate-inspection-record") from None
    except InspectionRecordError as exc:
        raise Problem(422, str(exc), problem="inspection-record-refused") from None
    except ProcedureError as exc:  # as routers.runs answers a notice before Section I.2 allows
        raise Problem(422, str(exc), problem="inspection-procedure") from None
    return InspectionSubmitted(record=body.id, issues=issue_records(node.engine, record_id=body.id))


@router.get(
    "/inspections",
    response_model=list[StoredInspectionResponse],
    summary="Inspection records submitted to this node",
)
def inspections(node: Node, _caller: ItemLevel) -> list[StoredInspectionResponse]:
    return [
        StoredInspectionResponse(
            record=s.record,
            submitted_by=s.submitted_by,
            submitted_at=s.submitted_at,
            issues=s.issues,
        )
        for s in list_inspections(node.engine, node.party)
    ]

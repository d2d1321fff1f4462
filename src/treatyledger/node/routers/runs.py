"""Inspections as the Protocol runs them (``treatyledger.inspect.procedure``, stored by
``store.run_store``), submitted by the inspecting party's inspectors to the inspected party's
node:

1. ``POST /v1/inspection-runs``: the notification of arrival (quota, notice period);
2. ``POST /v1/inspection-runs/{id}/site``: the designated site, or (where the rule set
   requires the jointly random draw and the notice named a round) the draw of site and items
   from the round's randomness notifications held by this node;
3. ``POST /v1/inspection-runs/{id}/items``: the designated items and reentry-vehicle missiles;
4. ``POST /v1/inspection-runs/{id}/findings``: the findings; answered with the compliance
   issues (raised by the inspecting party).

Item-level roles read them; only inspectors act."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Path, Security
from pydantic import BaseModel, ConfigDict

from treatyledger.errors import TreatyLedgerError
from treatyledger.inspect.consultation import ComplianceIssueRecord
from treatyledger.inspect.errors import (
    IssueError,
    NoEligibleSiteError,
    ProcedureError,
    QuotaExceededError,
    RandomnessError,
)
from treatyledger.inspect.findings import InspectionRecord
from treatyledger.inspect.procedure import (
    ArrivalNotice,
    Inspection,
    ItemDesignation,
    SiteDesignation,
)
from treatyledger.model.parties import IDENTIFIER_PATTERN
from treatyledger.node.auth import Caller, Role
from treatyledger.node.errors import Problem
from treatyledger.node.problems import problem_responses
from treatyledger.node.routers.deps import ITEM_LEVEL, Node, guard, guarded_router
from treatyledger.node.routers.issues import acting_party
from treatyledger.node.views import treaty
from treatyledger.store.errors import (
    DuplicateInspectionRecord,
    DuplicateRun,
    RunConflict,
    RunNotFound,
)
from treatyledger.store.issue_store import issue_records
from treatyledger.store.run_store import (
    designate_run_items,
    designate_run_site,
    get_run,
    list_runs,
    open_run,
    record_run_findings,
)

router = guarded_router(tags=["inspections"])
Inspector = Annotated[Caller, Security(guard(Role.INSPECTOR))]
ItemLevel = Annotated[Caller, Security(guard(*ITEM_LEVEL))]
RunId = Annotated[str, Path(max_length=128, pattern=IDENTIFIER_PATTERN)]

#: What the procedure refuses: the step is not allowed (422); the inspection is missing
#: (404) or another step came first (409).
_REFUSED = (ProcedureError, QuotaExceededError, NoEligibleSiteError, RandomnessError, IssueError)


class RunFindings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inspection: Inspection
    issues: list[ComplianceIssueRecord]


def _problem(exc: TreatyLedgerError) -> Problem:
    if isinstance(exc, RunNotFound):
        return Problem(404, str(exc), problem="unknown-inspection")
    if isinstance(exc, DuplicateRun | DuplicateInspectionRecord):
        return Problem(409, str(exc), problem="duplicate-inspection")
    if isinstance(exc, RunConflict):
        return Problem(409, str(exc), problem="inspection-step-conflict")
    return Problem(422, str(exc), problem="inspection-procedure")


_ERRORS = (*_REFUSED, RunNotFound, DuplicateRun, DuplicateInspectionRecord, RunConflict)


@router.post(
    "/inspection-runs",
    response_model=Inspection,
    status_code=201,
    summary="Notify an inspection: the team's arrival at the point of entry (inspectors)",
    responses=problem_responses(409),
)
def notify_inspection(node: Node, caller: Inspector, body: ArrivalNotice) -> Inspection:
    inspecting = acting_party(node, caller)
    if body.inspecting_party != inspecting:
        raise Problem(
            422,
            f"inspection {body.id}: expected inspecting party {inspecting} (the inspectors' "
            f"party), found {body.inspecting_party}",
            problem="inspection-procedure",
        )
    current = treaty(node.engine, node.rules)
    try:
        return open_run(
            node.engine, body, party=node.party, rule_set=current.rule_set, by=caller.name
        )
    except _ERRORS as exc:
        raise _problem(exc) from None


@router.get(
    "/inspection-runs",
    response_model=list[Inspection],
    summary="Inspections of this node's party, as notified, designated and conducted",
)
def inspection_runs(node: Node, _caller: ItemLevel) -> list[Inspection]:
    return list_runs(node.engine, node.party)


@router.get(
    "/inspection-runs/{run_id}",
    response_model=Inspection,
    summary="One inspection",
    responses=problem_responses(404),
)
def inspection_run(node: Node, _caller: ItemLevel, run_id: RunId) -> Inspection:
    try:
        return get_run(node.engine, run_id)
    except RunNotFound as exc:
        raise _problem(exc) from None


@router.post(
    "/inspection-runs/{run_id}/site",
    response_model=Inspection,
    summary="Designate the site (or, where the rule set requires it, draw site and items)",
    responses=problem_responses(404, 409),
)
def designate_site(
    node: Node, caller: Inspector, run_id: RunId, body: SiteDesignation
) -> Inspection:
    return _run_step(designate_run_site, node, caller, run_id, body)


@router.post(
    "/inspection-runs/{run_id}/items",
    response_model=Inspection,
    summary="Designate the items at the site and the reentry-vehicle missiles",
    responses=problem_responses(404, 409),
)
def designate_items(
    node: Node, caller: Inspector, run_id: RunId, body: ItemDesignation
) -> Inspection:
    return _run_step(designate_run_items, node, caller, run_id, body)


@router.post(
    "/inspection-runs/{run_id}/findings",
    response_model=RunFindings,
    status_code=201,
    summary="Submit the findings: reconciled, restriction breaches added, issues raised",
    responses=problem_responses(404, 409),
)
def submit_findings(
    node: Node, caller: Inspector, run_id: RunId, body: InspectionRecord
) -> RunFindings:
    done, _ = _run_step(record_run_findings, node, caller, run_id, body)
    return RunFindings(inspection=done, issues=issue_records(node.engine, record_id=body.id))


_Step = TypeVar("_Step")


def _run_step(
    step: Callable[..., _Step], node: Node, caller: Caller, run_id: str, body: Any
) -> _Step:
    """One step of an inspection run under the treaty in force, by the calling inspector;
    the procedure's refusals become problems."""
    current = treaty(node.engine, node.rules)
    try:
        return step(
            node.engine,
            run_id,
            body,
            party=node.party,
            rule_set=current.rule_set,
            policy=current.policy,
            by=caller.name,
        )
    except _ERRORS as exc:
        raise _problem(exc) from None

"""Compliance issues and the Bilateral Consultative Commission workflow
(``treatyledger.inspect.consultation``, stored by ``store.issue_store``).

Who acts for which party: the owner for this node's party; the peer and inspectors for the
other party of the treaty. Raise: owner, peer, inspector (about the other party than the
caller's). Answer: owner, peer (the party the issue concerns). Resolve: owner, peer (the
party that raised it). Item-level roles read the issues; every role, observers included,
reads the counts only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Security
from pydantic import BaseModel, ConfigDict, Field

from treatyledger.inspect.consultation import (
    ISSUE_ID_PATTERN,
    MAX_TEXT,
    ComplianceIssueRecord,
    IssueAction,
    IssueEvidence,
    IssueStatus,
    other_party,
)
from treatyledger.inspect.errors import IssueError
from treatyledger.model.parties import IDENTIFIER_PATTERN
from treatyledger.node.auth import Caller, Role
from treatyledger.node.errors import Problem
from treatyledger.node.problems import problem_responses
from treatyledger.node.routers.deps import ITEM_LEVEL, VIEWERS, Node, guard, guarded_router
from treatyledger.node.views import treaty
from treatyledger.store.errors import IssueNotFound
from treatyledger.store.issue_store import (
    add_event,
    get_issue,
    issue_counts,
    issue_records,
    raise_issue,
)

router = guarded_router(tags=["compliance issues"])
ItemLevel = Annotated[Caller, Security(guard(*ITEM_LEVEL))]
Raiser = Annotated[Caller, Security(guard(Role.OWNER, Role.PEER, Role.INSPECTOR))]
Party = Annotated[Caller, Security(guard(Role.OWNER, Role.PEER))]
Viewer = Annotated[Caller, Security(guard(*VIEWERS))]
IssueId = Annotated[str, Path(max_length=128, pattern=ISSUE_ID_PATTERN)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RaiseRequest(_Model):
    """An issue a party raises about the other party."""

    message: str = Field(min_length=1, max_length=MAX_TEXT)
    site: str | None = Field(default=None, pattern=IDENTIFIER_PATTERN)
    item: str | None = Field(default=None, max_length=128)
    expected: str = Field(default="", max_length=MAX_TEXT)
    found: str = Field(default="", max_length=MAX_TEXT)
    rule: str | None = Field(default=None, max_length=MAX_TEXT)
    evidence: IssueEvidence = IssueEvidence()


class EventRequest(_Model):
    text: str = Field(default="", max_length=MAX_TEXT)


class IssueCounts(_Model):
    counts: dict[str, dict[IssueStatus, int]] = Field(
        description="per party concerned, issues per status: no id, item or site"
    )


def acting_party(node: Node, caller: Caller) -> str:
    """The party a caller acts for: this node's for the owner, the other one otherwise."""
    if caller.role is Role.OWNER:
        return node.party
    parties = sorted(treaty(node.engine, node.rules).rule_set.treaty.parties)
    try:
        return other_party(parties, node.party)
    except IssueError as exc:
        raise Problem(422, str(exc), problem="not-bilateral") from None


def _workflow(exc: IssueError | IssueNotFound) -> Problem:
    if isinstance(exc, IssueNotFound):
        return Problem(404, str(exc), problem="unknown-compliance-issue")
    return Problem(409, str(exc), problem="compliance-issue-workflow")


@router.get(
    "/compliance-issues",
    response_model=list[ComplianceIssueRecord],
    summary="Compliance issues held by this node, with evidence, rule and workflow events",
)
def compliance_issues(
    node: Node,
    _caller: ItemLevel,
    record: Annotated[
        str | None,
        Query(max_length=128, pattern=IDENTIFIER_PATTERN, description="one record's issues"),
    ] = None,
    party: Annotated[
        str | None,
        Query(max_length=128, pattern=IDENTIFIER_PATTERN, description="the party concerned"),
    ] = None,
    status: Annotated[IssueStatus | None, Query(description="only issues in this status")] = None,
) -> list[ComplianceIssueRecord]:
    return issue_records(
        node.engine,
        party=party,
        record_id=record,
        status=status.value if status else None,
    )


@router.get(
    "/compliance-issues/counts",
    response_model=IssueCounts,
    summary="How many compliance issues per party and status (every role)",
)
def compliance_issue_counts(node: Node, _caller: Viewer) -> IssueCounts:
    return IssueCounts.model_validate({"counts": issue_counts(node.engine)})


@router.get(
    "/compliance-issues/{issue_id}",
    response_model=ComplianceIssueRecord,
    summary="One compliance issue",
    responses=problem_responses(404),
)
def compliance_issue(node: Node, _caller: ItemLevel, issue_id: IssueId) -> ComplianceIssueRecord:
    try:
        return get_issue(node.engine, issue_id)
    except IssueNotFound as exc:
        raise _workflow(exc) from None


@router.post(
    "/compliance-issues",
    response_model=ComplianceIssueRecord,
    status_code=201,
    summary="Raise a compliance issue about the other party (owner, peer, inspector)",
    responses=problem_responses(409),
)
def raise_compliance_issue(node: Node, caller: Raiser, body: RaiseRequest) -> ComplianceIssueRecord:
    raiser = acting_party(node, caller)
    parties = sorted(treaty(node.engine, node.rules).rule_set.treaty.parties)
    try:
        concerned = other_party(parties, raiser)
        return raise_issue(
            node.engine,
            origin=node.party,
            party=concerned,
            raised_by=raiser,
            by=caller.name,
            message=body.message,
            site=body.site,
            item=body.item,
            expected=body.expected,
            found=body.found,
            rule=body.rule,
            evidence=body.evidence,
        )
    except IssueError as exc:
        raise _workflow(exc) from None


def _event(
    node: Node, caller: Caller, issue_id: str, action: IssueAction, body: EventRequest
) -> ComplianceIssueRecord:
    try:
        return add_event(
            node.engine,
            issue_id,
            action,
            origin=node.party,
            party=acting_party(node, caller),
            by=caller.name,
            text=body.text,
        )
    except (IssueError, IssueNotFound) as exc:
        raise _workflow(exc) from None


@router.post(
    "/compliance-issues/{issue_id}/answer",
    response_model=ComplianceIssueRecord,
    summary="Answer an issue (the party it concerns: owner or peer)",
    responses=problem_responses(404, 409),
)
def answer_compliance_issue(
    node: Node, caller: Party, issue_id: IssueId, body: EventRequest
) -> ComplianceIssueRecord:
    return _event(node, caller, issue_id, IssueAction.ANSWER, body)


@router.post(
    "/compliance-issues/{issue_id}/resolve",
    response_model=ComplianceIssueRecord,
    summary="Resolve an issue (the party that raised it: owner or peer)",
    responses=problem_responses(404, 409),
)
def resolve_compliance_issue(
    node: Node, caller: Party, issue_id: IssueId, body: EventRequest
) -> ComplianceIssueRecord:
    return _event(node, caller, issue_id, IssueAction.RESOLVE, body)

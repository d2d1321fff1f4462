"""Compliance issues and a minimal Bilateral Consultative Commission workflow.

Every discrepancy a procedure finds (an inspection's findings, a pre-inspection restriction
breached, an opened commitment contradicted) becomes a :class:`ComplianceIssueRecord` with the
notifications, the inspection and the rule that produced it; a party may also raise one
itself. The issue then lives through events, each saying which party acted, who and when:

- ``raise``: by either party, about the other (the first event, exactly once);
- ``answer``: by the party the issue concerns (the other party than the one that raised it),
  any number of times until it is resolved;
- ``resolve``: by the party that raised it (satisfied by the answer, or withdrawing it);
  nothing follows.

Status is a fold of the events (``open``, ``answered``, ``resolved``), so two nodes that hold
the same events agree on it whatever order they learnt them in. An event is named by the node
that recorded it (``origin``, that node's party) and its number there, so the events of one
issue recorded on two nodes merge without collision (:func:`merge`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, computed_field, model_validator

from treatyledger.inspect.errors import IssueError
from treatyledger.inspect.findings import RULE_OF, ComplianceIssue, IssueKind
from treatyledger.model.parties import IDENTIFIER_PATTERN

#: An issue's id: the recording node's party, a dash, its number there (``US-12``).
ISSUE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$"
MAX_TEXT = 4_000
MAX_EVENTS = 1_000


class IssueAction(StrEnum):
    RAISE = "raise"
    ANSWER = "answer"
    RESOLVE = "resolve"


class IssueStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    RESOLVED = "resolved"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IssueEvent(_Frozen):
    """One step of an issue: which party acted, who (a principal or user name), when."""

    action: IssueAction
    party: str = Field(pattern=IDENTIFIER_PATTERN)
    by: str = Field(min_length=1, max_length=128)
    at: AwareDatetime
    text: str = Field(default="", max_length=MAX_TEXT)
    origin: str = Field(pattern=IDENTIFIER_PATTERN, description="party of the recording node")
    number: int = Field(ge=1, description="the event's number on its origin node")

    @property
    def key(self) -> tuple[str, int]:
        return (self.origin, self.number)


class CheckpointRef(_Frozen):
    """The log checkpoint a limit proof is bound to (C2SP checkpoint body: origin, size,
    base64 root)."""

    origin: str = Field(max_length=256)
    size: int = Field(ge=0)
    root: str = Field(max_length=64)


class LimitProofRef(_Frozen):
    """The limit proof that published an opened commitment."""

    party: str = Field(pattern=IDENTIFIER_PATTERN)
    rule_set: str = Field(max_length=128)
    as_of: str = Field(max_length=32)
    checkpoint: CheckpointRef | None = None


class IssueEvidence(_Frozen):
    """What produced the issue: the notifications behind the declared state, the inspection
    (its id) whose findings contradict it, and for an opening, the commitment (hex) and the
    limit proof that published it."""

    notifications: tuple[str, ...] = Field(default=(), max_length=10_000)
    inspection: str | None = Field(default=None, pattern=IDENTIFIER_PATTERN)
    commitment: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    limit_proof: LimitProofRef | None = None


class ComplianceIssueRecord(_Frozen):
    """A compliance issue: what it is about, the rule, the evidence, and its events."""

    id: str = Field(pattern=ISSUE_ID_PATTERN)
    kind: IssueKind
    party: str = Field(pattern=IDENTIFIER_PATTERN, description="the party the issue concerns")
    raised_by: str = Field(pattern=IDENTIFIER_PATTERN, description="the party that raised it")
    site: str | None = Field(default=None, max_length=128)
    item: str | None = Field(default=None, max_length=128)
    expected: str = Field(default="", max_length=MAX_TEXT)
    found: str = Field(default="", max_length=MAX_TEXT)
    message: str = Field(max_length=MAX_TEXT)
    rule: str = Field(default="", max_length=MAX_TEXT)
    evidence: IssueEvidence = IssueEvidence()
    events: tuple[IssueEvent, ...] = Field(default=(), max_length=MAX_EVENTS)

    @model_validator(mode="before")
    @classmethod
    def _status_is_derived(cls, value: Any) -> Any:
        # a copy read back carries the status it was shown with; it is the fold of the events
        if isinstance(value, dict) and "status" in value:
            value = {k: v for k, v in value.items() if k != "status"}
        return value

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> IssueStatus:
        """The fold of the events: ``open``, ``answered`` or ``resolved``."""
        return status_of(self)

    def same_issue(self, other: ComplianceIssueRecord) -> bool:
        """Same id and same content (events aside)."""
        ignored = {"events", "status"}
        return self.model_dump(exclude=ignored) == other.model_dump(exclude=ignored)


def other_party(parties: Sequence[str], party: str) -> str:
    """The one other party of a bilateral treaty."""
    others = [p for p in parties if p != party]
    if len(others) != 1:
        raise IssueError(
            f"expected a bilateral treaty with {party} and one other party, found parties "
            f"{', '.join(parties) or 'none'}"
        )
    return others[0]


def ordered(events: Iterable[IssueEvent]) -> tuple[IssueEvent, ...]:
    """Events in the order they happened (ties by origin and number)."""
    return tuple(sorted(events, key=lambda e: (e.at, e.origin, e.number)))


def status_of(issue: ComplianceIssueRecord) -> IssueStatus:
    status = IssueStatus.OPEN
    for event in ordered(issue.events):
        if event.action is IssueAction.RESOLVE and event.party == issue.raised_by:
            return IssueStatus.RESOLVED
        if event.action is IssueAction.ANSWER and event.party == issue.party:
            status = IssueStatus.ANSWERED
    return status


def check_event(issue: ComplianceIssueRecord, event: IssueEvent) -> None:
    """Refuse an event the workflow does not allow, saying why."""
    name = f"compliance issue {issue.id}"
    if issue.events and event.action is IssueAction.RAISE:
        raise IssueError(f"{name} was already raised")
    if not issue.events and event.action is not IssueAction.RAISE:
        raise IssueError(f"{name}: the first event must raise it, found {event.action}")
    if status_of(issue) is IssueStatus.RESOLVED:
        raise IssueError(f"{name} is resolved: nothing follows")
    if event.action is IssueAction.RAISE and event.party != issue.raised_by:
        raise IssueError(f"{name}: raised by {issue.raised_by}, the event says {event.party}")
    if event.action is IssueAction.ANSWER and event.party != issue.party:
        raise IssueError(
            f"{name}: answered by the party it concerns ({issue.party}), not by {event.party}"
        )
    if event.action is IssueAction.RESOLVE and event.party != issue.raised_by:
        raise IssueError(
            f"{name}: resolved by the party that raised it ({issue.raised_by}), not by "
            f"{event.party}"
        )


def apply_event(issue: ComplianceIssueRecord, event: IssueEvent) -> ComplianceIssueRecord:
    check_event(issue, event)
    return issue.model_copy(update={"events": (*issue.events, event)})


def new_issue(
    issue_id: str,
    *,
    kind: IssueKind,
    party: str,
    raised_by: str,
    message: str,
    raise_event: IssueEvent,
    site: str | None = None,
    item: str | None = None,
    expected: str = "",
    found: str = "",
    rule: str | None = None,
    evidence: IssueEvidence | None = None,
) -> ComplianceIssueRecord:
    """An issue with its raise event; ``rule`` defaults to the rule of its kind."""
    if party == raised_by:
        raise IssueError(f"compliance issue {issue_id}: a party raises issues about the other")
    issue = ComplianceIssueRecord(
        id=issue_id,
        kind=kind,
        party=party,
        raised_by=raised_by,
        site=site,
        item=item,
        expected=expected,
        found=found,
        message=message,
        rule=RULE_OF[kind] if rule is None else rule,
        evidence=evidence or IssueEvidence(),
    )
    return apply_event(issue, raise_event)


def from_finding(
    issue_id: str, finding: ComplianceIssue, raised_by: str, raise_event: IssueEvent
) -> ComplianceIssueRecord:
    """The issue of one finding of an inspection: the finding's record id is the
    inspection."""
    return new_issue(
        issue_id,
        kind=finding.kind,
        party=finding.party,
        raised_by=raised_by,
        message=finding.message,
        raise_event=raise_event,
        site=finding.site,
        item=finding.item,
        expected=finding.expected,
        found=finding.found,
        rule=finding.rule or RULE_OF[finding.kind],
        evidence=IssueEvidence(
            notifications=finding.evidence.notifications, inspection=finding.evidence.finding.id
        ),
    )


def merge(local: ComplianceIssueRecord, remote: ComplianceIssueRecord) -> ComplianceIssueRecord:
    """The union of two copies' events (by origin and number); the content must agree."""
    if not local.same_issue(remote):
        raise IssueError(f"compliance issue {local.id}: two copies disagree on its content")
    events = {e.key: e for e in local.events}
    for event in remote.events:
        held = events.get(event.key)
        if held is not None and held != event:
            raise IssueError(
                f"compliance issue {local.id}: event {event.origin}#{event.number} differs "
                "between the two copies"
            )
        events[event.key] = event
    return local.model_copy(update={"events": ordered(events.values())})


def event_at(
    action: IssueAction,
    *,
    party: str,
    by: str,
    at: datetime,
    origin: str,
    number: int,
    text: str = "",
) -> IssueEvent:
    return IssueEvent(
        action=action, party=party, by=by, at=at, text=text, origin=origin, number=number
    )

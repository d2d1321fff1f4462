"""Store of compliance issues and their Bilateral Consultative Commission workflow
(``treatyledger.inspect.consultation``): issues found by a procedure or raised by a party,
their events (raise, answer, resolve: which party, who, when), and the merge of a peer node's
copies. Both backends.

An issue's id is ``<origin>-<n>``: the party of the node that recorded it and its number
there, so ids never collide between the two parties' nodes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from treatyledger.inspect.consultation import (
    ComplianceIssueRecord,
    IssueAction,
    IssueEvent,
    IssueEvidence,
    apply_event,
    event_at,
    from_finding,
    merge,
    new_issue,
    ordered,
    status_of,
)
from treatyledger.inspect.errors import IssueError
from treatyledger.inspect.findings import ComplianceIssue, IssueKind
from treatyledger.store.errors import IssueNotFound
from treatyledger.store.inspection_tables import ComplianceIssueEventRow, ComplianceIssueRow

MAX_LISTED = 10_000
_RETRIES = 5


# --- writing ------------------------------------------------------------------------------


def _next_id(conn: Connection, origin: str) -> str:
    query = select(func.count()).select_from(ComplianceIssueRow)
    n = conn.execute(query.where(ComplianceIssueRow.origin == origin)).scalar_one()
    return f"{origin}-{n + 1}"


def _next_event_number(conn: Connection, uid: str, origin: str) -> int:
    query = select(func.max(ComplianceIssueEventRow.number)).where(
        ComplianceIssueEventRow.issue_uid == uid, ComplianceIssueEventRow.origin == origin
    )
    return int(conn.execute(query).scalar() or 0) + 1


def _insert_events(conn: Connection, uid: str, events: Iterable[IssueEvent]) -> None:
    rows = [
        {
            "issue_uid": uid,
            "origin": e.origin,
            "number": e.number,
            "action": e.action.value,
            "party": e.party,
            "actor": e.by,
            "at": e.at,
            "text": e.text,
        }
        for e in events
    ]
    if rows:
        conn.execute(insert(ComplianceIssueEventRow), rows)


def insert_issue(
    conn: Connection,
    issue: ComplianceIssueRecord,
    *,
    origin: str,
    record_id: str | None = None,
    position: int = 0,
) -> None:
    """One issue row and its events, in the caller's transaction."""
    conn.execute(
        insert(ComplianceIssueRow).values(
            uid=issue.id,
            origin=origin,
            record_id=record_id,
            position=position,
            kind=issue.kind.value,
            party=issue.party,
            raised_by=issue.raised_by,
            site=issue.site or "",
            item=issue.item,
            expected=issue.expected,
            found=issue.found,
            message=issue.message,
            rule=issue.rule,
            notifications=json.dumps(list(issue.evidence.notifications)),
            evidence=issue.evidence.model_dump_json(),
            status=status_of(issue).value,
        )
    )
    _insert_events(conn, issue.id, issue.events)


def store_findings(
    conn: Connection,
    findings: Sequence[ComplianceIssue],
    *,
    origin: str,
    raised_by: str,
    by: str,
    at: datetime,
    record_id: str,
) -> list[ComplianceIssueRecord]:
    """The issues of one inspection's findings, raised by the inspecting party, in the
    caller's transaction."""
    stored = []
    first = int(_next_id(conn, origin).rsplit("-", 1)[1])
    for position, finding in enumerate(findings):
        event = event_at(IssueAction.RAISE, party=raised_by, by=by, at=at, origin=origin, number=1)
        issue = from_finding(f"{origin}-{first + position}", finding, raised_by, event)
        insert_issue(conn, issue, origin=origin, record_id=record_id, position=position)
        stored.append(issue)
    return stored


def raise_issue(
    engine: Engine,
    *,
    origin: str,
    party: str,
    raised_by: str,
    by: str,
    message: str,
    kind: IssueKind = IssueKind.RAISED,
    site: str | None = None,
    item: str | None = None,
    expected: str = "",
    found: str = "",
    rule: str | None = None,
    evidence: IssueEvidence | None = None,
    text: str = "",
    at: datetime | None = None,
) -> ComplianceIssueRecord:
    """Raise an issue (``raised_by`` about ``party``) and store it under the next id of
    ``origin``."""
    moment = at or datetime.now(UTC)
    for attempt in range(_RETRIES):
        try:
            with engine.begin() as conn:
                event = event_at(
                    IssueAction.RAISE,
                    party=raised_by,
                    by=by,
                    at=moment,
                    origin=origin,
                    number=1,
                    text=text,
                )
                issue = new_issue(
                    _next_id(conn, origin),
                    kind=kind,
                    party=party,
                    raised_by=raised_by,
                    message=message,
                    raise_event=event,
                    site=site,
                    item=item,
                    expected=expected,
                    found=found,
                    rule=rule,
                    evidence=evidence,
                )
                insert_issue(conn, issue, origin=origin)
                return issue
        except IntegrityError:  # a concurrent raise took the id: number again
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def add_event(
    engine: Engine,
    uid: str,
    action: IssueAction,
    *,
    origin: str,
    party: str,
    by: str,
    text: str = "",
    at: datetime | None = None,
) -> ComplianceIssueRecord:
    """Answer or resolve an issue (``IssueError`` if the workflow does not allow it)."""
    moment = at or datetime.now(UTC)
    for attempt in range(_RETRIES):
        try:
            with engine.begin() as conn:
                issue = _load_one(conn, uid)
                event = event_at(
                    action,
                    party=party,
                    by=by,
                    at=moment,
                    origin=origin,
                    number=_next_event_number(conn, uid, origin),
                    text=text,
                )
                changed = apply_event(issue, event)
                _insert_events(conn, uid, [event])
                _set_status(conn, changed)
                return changed
        except IntegrityError:  # a concurrent event took the number
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _set_status(conn: Connection, issue: ComplianceIssueRecord) -> None:
    conn.execute(
        update(ComplianceIssueRow)
        .where(ComplianceIssueRow.uid == issue.id)
        .values(status=status_of(issue).value)
    )


def merge_issues(engine: Engine, records: Iterable[ComplianceIssueRecord]) -> int:
    """Take a peer node's copies: new issues are stored, known ones gain the events they
    lack. Returns how many issues or events were added; a copy that disagrees on an issue's
    content is an ``IssueError``, and nothing is stored then."""
    added = 0
    with engine.begin() as conn:
        for remote in records:
            local = _load_many(conn, [remote.id]).get(remote.id)
            if local is None:
                origin = remote.id.rsplit("-", 1)[0]
                insert_issue(conn, remote, origin=origin)
                added += 1 + len(remote.events)
                continue
            merged = merge(local, remote)
            known = {e.key for e in local.events}
            new = [e for e in merged.events if e.key not in known]
            _insert_events(conn, remote.id, new)
            _set_status(conn, merged)
            added += len(new)
    return added


# --- reading ------------------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _record(row: Any, events: Sequence[IssueEvent]) -> ComplianceIssueRecord:
    evidence = json.loads(row.evidence or "{}")
    if not evidence:  # issues stored before 0014: the notifications and the finding
        evidence = {"notifications": json.loads(row.notifications), "inspection": row.record_id}
    return ComplianceIssueRecord(
        id=row.uid,
        kind=IssueKind(row.kind),
        party=row.party,
        raised_by=row.raised_by or "unknown",
        site=row.site or None,
        item=row.item,
        expected=row.expected,
        found=row.found,
        message=row.message,
        rule=row.rule,
        evidence=IssueEvidence.model_validate(evidence),
        events=ordered(events),
    )


def _events(conn: Connection, uids: Sequence[str]) -> dict[str, list[IssueEvent]]:
    found: dict[str, list[IssueEvent]] = {uid: [] for uid in uids}
    if not uids:
        return found
    rows = conn.execute(
        select(ComplianceIssueEventRow).where(ComplianceIssueEventRow.issue_uid.in_(uids))
    )
    for row in rows:
        found[row.issue_uid].append(
            IssueEvent(
                action=IssueAction(row.action),
                party=row.party,
                by=row.actor,
                at=_aware(row.at),
                text=row.text,
                origin=row.origin,
                number=row.number,
            )
        )
    return found


def _load_many(conn: Connection, uids: Sequence[str]) -> dict[str, ComplianceIssueRecord]:
    rows = conn.execute(select(ComplianceIssueRow).where(ComplianceIssueRow.uid.in_(uids))).all()
    events = _events(conn, [r.uid for r in rows])
    return {r.uid: _record(r, events[r.uid]) for r in rows}


def _load_one(conn: Connection, uid: str) -> ComplianceIssueRecord:
    found = _load_many(conn, [uid]).get(uid)
    if found is None:
        raise IssueNotFound(f"compliance issue {uid} is not stored here")
    return found


def get_issue(engine: Engine, uid: str) -> ComplianceIssueRecord:
    with engine.connect() as conn:
        return _load_one(conn, uid)


def issue_records(
    engine: Engine,
    *,
    party: str | None = None,
    record_id: str | None = None,
    status: str | None = None,
    limit: int = MAX_LISTED,
) -> list[ComplianceIssueRecord]:
    """Stored issues (about ``party``, of one inspection record, in one status), in the order
    they were stored."""
    query = select(ComplianceIssueRow).order_by(ComplianceIssueRow.id).limit(limit)
    if party is not None:
        query = query.where(ComplianceIssueRow.party == party)
    if record_id is not None:
        query = query.where(ComplianceIssueRow.record_id == record_id)
    if status is not None:
        query = query.where(ComplianceIssueRow.status == status)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        events = _events(conn, [r.uid for r in rows])
    return [_record(r, events[r.uid]) for r in rows]


def issue_counts(engine: Engine) -> dict[str, dict[str, int]]:
    """Issues per party concerned and status: counts only, no id, item or site."""
    query = select(ComplianceIssueRow.party, ComplianceIssueRow.status, func.count()).group_by(
        ComplianceIssueRow.party, ComplianceIssueRow.status
    )
    counts: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for party, status, n in sorted(conn.execute(query).all()):
            counts.setdefault(party, {})[status] = int(n)
    return counts


__all__ = [
    "IssueError",
    "add_event",
    "get_issue",
    "insert_issue",
    "issue_counts",
    "issue_records",
    "merge_issues",
    "raise_issue",
    "store_findings",
]

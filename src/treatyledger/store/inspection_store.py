"""Store of inspection findings: record a finding (validated with the inspect model,
reconciled against the declared state replayed to the inspection time, record and issues in
one transaction) and list the records and compliance issues stored."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from treatyledger.inspect.consultation import other_party
from treatyledger.inspect.exhibitions import exhibition_issues, exhibition_of
from treatyledger.inspect.findings import ComplianceIssue, InspectionRecord, declared_state
from treatyledger.inspect.procedure import check_record_begun
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.rules.schema import Inspections
from treatyledger.store.declared_cache import reconcile_inspection
from treatyledger.store.errors import DuplicateInspectionRecord, InspectionRecordError
from treatyledger.store.inspection_tables import ComplianceIssueRow, InspectionRecordRow
from treatyledger.store.issue_store import store_findings
from treatyledger.store.ledger_reads import load_records

OPEN = "open"
RESOLVED = "resolved"


@dataclass(frozen=True)
class StoredInspection:
    record: InspectionRecord
    submitted_by: str
    submitted_at: datetime
    issues: int


@dataclass(frozen=True)
class StoredIssue:
    """A compliance issue as stored: the finding is cited by id, not repeated."""

    id: int
    record_id: str
    kind: str
    party: str
    site: str
    item: str | None
    expected: str
    found: str
    message: str
    notifications: tuple[str, ...]
    status: str
    uid: str = ""
    raised_by: str = ""
    rule: str = ""

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "raised_by": self.raised_by,
            "rule": self.rule,
            "kind": self.kind,
            "party": self.party,
            "site": self.site,
            "item": self.item,
            "expected": self.expected,
            "found": self.found,
            "message": self.message,
            "status": self.status,
            "evidence": {"notifications": list(self.notifications), "finding": self.record_id},
        }


def record_inspection(
    engine: Engine,
    record: InspectionRecord,
    *,
    party: str,
    policy: LedgerPolicy,
    inspection_types: Collection[str],
    submitted_by: str,
    submitted_at: datetime | None = None,
    raised_by: str | None = None,
    inspections: Inspections | None = None,
    entry_into_force: date | None = None,
) -> list[ComplianceIssue]:
    """Reconcile ``record`` with ``party``'s notifications replayed to its time and store the
    record with the issues found, in one transaction. Returns the issues. The issues are
    raised by ``raised_by`` (default: the treaty's other party, the inspecting one) and named
    ``<party>-n`` (this store's party recorded them). With the rule set's ``inspections``, a
    record of an exhibition (``exhibition.<kind>``) gains the exhibition's own findings, and
    with its ``entry_into_force`` too a record dated before inspection activities may begin
    is refused (``ProcedureError``, as an inspection's notice is: Part Five, Section I.2)."""
    if record.inspected_party != party:
        raise InspectionRecordError(
            f"inspection record {record.id}: expected inspected party {party} (this store's "
            f"declarations), found {record.inspected_party}"
        )
    if record.inspection_type not in inspection_types:
        raise InspectionRecordError(
            f"inspection record {record.id}: expected an inspection type of the rule set "
            f"({', '.join(sorted(inspection_types)) or 'none'}), found {record.inspection_type!r}"
        )
    check_record_begun(record, inspections, entry_into_force)
    issues = reconcile_inspection(engine, record, party, policy)
    exhibition = exhibition_of(inspections, record.inspection_type)
    if exhibition is not None:  # rare: a fresh replay is fine
        declared = declared_state(load_records(engine, party), policy, party, record.time)
        issues += exhibition_issues(record, declared.inventory, declared.history, exhibition)
    store_record(
        engine,
        record,
        issues,
        party=party,
        raised_by=raised_by or other_party(sorted(policy.treaty_parties), party),
        submitted_by=submitted_by,
        submitted_at=submitted_at,
    )
    return issues


def store_record(
    engine: Engine,
    record: InspectionRecord,
    issues: Sequence[ComplianceIssue],
    *,
    party: str,
    raised_by: str,
    submitted_by: str,
    submitted_at: datetime | None = None,
    then: Callable[[Connection], None] | None = None,
) -> None:
    """Store a record as submitted and its issues in one transaction (``then`` runs in it
    last: an inspection's phase moves with its findings)."""
    moment = submitted_at or datetime.now(UTC)
    try:
        with engine.begin() as conn:
            if _stored(conn, record.id):
                raise DuplicateInspectionRecord(f"inspection record {record.id} is already stored")
            conn.execute(
                insert(InspectionRecordRow).values(
                    id=record.id,
                    inspected_party=record.inspected_party,
                    inspection_type=record.inspection_type,
                    site=record.site,
                    time=record.time,
                    body=json.dumps(record.model_dump(mode="json"), sort_keys=True),
                    submitted_by=submitted_by,
                    submitted_at=moment,
                )
            )
            store_findings(
                conn,
                issues,
                origin=party,
                raised_by=raised_by,
                by=submitted_by,
                at=moment,
                record_id=record.id,
            )
            if then is not None:
                then(conn)
    except IntegrityError:
        if _stored(engine, record.id):  # a concurrent submission of the same id won the race
            raise DuplicateInspectionRecord(
                f"inspection record {record.id} is already stored"
            ) from None
        raise


def list_inspections(engine: Engine, party: str | None = None) -> list[StoredInspection]:
    """Stored records (of inspected ``party``) by inspection time, then id."""
    query = select(InspectionRecordRow).order_by(InspectionRecordRow.time, InspectionRecordRow.id)
    if party is not None:
        query = query.where(InspectionRecordRow.inspected_party == party)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        counts = _issue_counts(conn)
    return [
        StoredInspection(
            record=InspectionRecord.model_validate_json(row.body),
            submitted_by=row.submitted_by,
            submitted_at=_aware(row.submitted_at),
            issues=counts.get(row.id, 0),
        )
        for row in rows
    ]


def list_issues(
    engine: Engine, party: str | None = None, record_id: str | None = None
) -> list[StoredIssue]:
    """Stored compliance issues in the order their records were inspected, then found."""
    query = (
        select(ComplianceIssueRow)
        .join(InspectionRecordRow, InspectionRecordRow.id == ComplianceIssueRow.record_id)
        .order_by(
            InspectionRecordRow.time, ComplianceIssueRow.record_id, ComplianceIssueRow.position
        )
    )
    if party is not None:
        query = query.where(ComplianceIssueRow.party == party)
    if record_id is not None:
        query = query.where(ComplianceIssueRow.record_id == record_id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        StoredIssue(
            id=row.id,
            record_id=row.record_id,
            kind=row.kind,
            party=row.party,
            site=row.site,
            item=row.item,
            expected=row.expected,
            found=row.found,
            message=row.message,
            notifications=tuple(json.loads(row.notifications)),
            status=row.status,
            uid=row.uid,
            raised_by=row.raised_by,
            rule=row.rule,
        )
        for row in rows
    ]


def open_issue_counts(engine: Engine, party: str) -> dict[str, int]:
    """Unresolved (open or answered) compliance issues of ``party`` per issue kind: counts
    only, no item."""
    query = (
        select(ComplianceIssueRow.kind, func.count())
        .where(ComplianceIssueRow.party == party, ComplianceIssueRow.status != RESOLVED)
        .group_by(ComplianceIssueRow.kind)
    )
    with engine.connect() as conn:
        return {kind: int(n) for kind, n in sorted(conn.execute(query).all())}


def _issue_counts(conn: Connection) -> dict[str, int]:
    query = (
        select(ComplianceIssueRow.record_id, func.count())
        .where(ComplianceIssueRow.record_id.is_not(None))
        .group_by(ComplianceIssueRow.record_id)
    )
    return {str(record_id): int(n) for record_id, n in conn.execute(query)}


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _stored(connectable: Engine | Connection, record_id: str) -> bool:
    query = select(InspectionRecordRow.id).where(InspectionRecordRow.id == record_id)
    if isinstance(connectable, Engine):
        with connectable.connect() as conn:
            return conn.execute(query).first() is not None
    return connectable.execute(query).first() is not None

"""Store of inspections as the Protocol runs them (``treatyledger.inspect.procedure``): each
step is checked by the pure core against this store's party's declared state at the step's
time and saved only if the inspection is still in the phase the step started from, so two
concurrent steps cannot both succeed. The findings are stored with the record and its issues
in one transaction (``inspection_store.store_record``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, false, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from treatyledger.inspect.consultation import other_party
from treatyledger.inspect.errors import ProcedureError
from treatyledger.inspect.findings import ComplianceIssue, InspectionRecord, declared_state
from treatyledger.inspect.procedure import (
    ArrivalNotice,
    Inspection,
    ItemDesignation,
    SiteDesignation,
    conduct,
    designate_items,
    designate_site,
    draw_selection,
    open_inspection,
)
from treatyledger.inspect.randomness import evaluate_round
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.model.items import Inventory
from treatyledger.rules.schema import Inspections, RuleSet
from treatyledger.store.errors import DuplicateRun, RunConflict, RunNotFound
from treatyledger.store.inspection_store import list_inspections, store_record
from treatyledger.store.inspection_tables import InspectionRunRow
from treatyledger.store.ledger_reads import load_records, notifications_in_acceptance_order


def _inspections(rule_set: RuleSet) -> Inspections:
    if rule_set.inspections is None:
        raise ProcedureError(f"rule set {rule_set.treaty.id} provides no inspections")
    return rule_set.inspections


def _declared(engine: Engine, policy: LedgerPolicy, party: str, when: datetime) -> Inventory:
    return declared_state(load_records(engine, party), policy, party, when).inventory


def _row(conn: Connection, run_id: str) -> Any:
    return conn.execute(select(InspectionRunRow).where(InspectionRunRow.id == run_id)).first()


def get_run(engine: Engine, run_id: str) -> Inspection:
    with engine.connect() as conn:
        row = _row(conn, run_id)
    if row is None:
        raise RunNotFound(f"inspection {run_id} is not stored here")
    return Inspection.model_validate_json(row.body)


def list_runs(engine: Engine, party: str | None = None) -> list[Inspection]:
    """Stored inspections (of inspected ``party``) by arrival, then id."""
    query = select(InspectionRunRow.body).order_by(InspectionRunRow.arrival, InspectionRunRow.id)
    if party is not None:
        query = query.where(InspectionRunRow.inspected_party == party)
    with engine.connect() as conn:
        return [Inspection.model_validate_json(body) for (body,) in conn.execute(query)]


def _save(conn: Connection, before: Inspection, after: Inspection, by: str) -> None:
    result = conn.execute(
        update(InspectionRunRow)
        .where(InspectionRunRow.id == after.id, InspectionRunRow.phase == before.phase.value)
        .values(
            phase=after.phase.value,
            body=after.model_dump_json(),
            updated_by=by,
            updated_at=datetime.now(UTC),
        )
    )
    if result.rowcount != 1:
        raise RunConflict(f"inspection {after.id}: another step was saved first")


def _step(
    engine: Engine, run_id: str, by: str, change: Callable[[Inspection], Inspection]
) -> Inspection:
    before = get_run(engine, run_id)
    after = change(before)
    with engine.begin() as conn:
        _save(conn, before, after, by)
    return after


def _serialise_openings(conn: Connection, party: str) -> None:
    """Make openings of inspections of ``party`` one at a time until the transaction ends, so
    two cannot both pass the quota and concurrency checks: a transaction-scoped advisory lock
    on PostgreSQL; on SQLite a write (touching no row) takes the database's write lock."""
    if conn.dialect.name == "postgresql":
        digest = hashlib.sha256(f"treatyledger inspection runs {party}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
    else:
        conn.execute(update(InspectionRunRow).where(false()).values(phase=InspectionRunRow.phase))


def _runs(conn: Connection, party: str) -> list[Inspection]:
    query = (
        select(InspectionRunRow.body)
        .where(InspectionRunRow.inspected_party == party)
        .order_by(InspectionRunRow.arrival, InspectionRunRow.id)
    )
    return [Inspection.model_validate_json(body) for (body,) in conn.execute(query)]


def open_run(
    engine: Engine, notice: ArrivalNotice, *, party: str, rule_set: RuleSet, by: str
) -> Inspection:
    """Store a notification of arrival: an inspection of this store's party, no earlier than
    inspections may begin, within the type's quota for the treaty year (this party's stored
    inspections and inspection records of the type count) and with no other inspection of
    the same inspecting Party in the country meanwhile (``inspect.procedure``), checked and
    stored in one transaction."""
    if notice.inspected_party != party:
        raise ProcedureError(
            f"inspection {notice.id}: expected inspected party {party} (this store's "
            f"declarations), found {notice.inspected_party}"
        )
    entry_into_force = rule_set.treaty.entry_into_force
    if entry_into_force is None:
        raise ProcedureError(f"rule set {rule_set.treaty.id} has no entry into force for quotas")
    recorded = list_inspections(engine, party)
    try:
        with engine.begin() as conn:
            _serialise_openings(conn, party)
            runs = _runs(conn, party)
            ids = {r.id for r in runs}
            already = [(r.notice.inspection_type, r.notice.arrival.date()) for r in runs]
            already += [
                (s.record.inspection_type, s.record.time.date())
                for s in recorded
                if s.record.id not in ids
            ]
            inspection = open_inspection(
                notice, _inspections(rule_set), entry_into_force, already, runs
            )
            if _row(conn, notice.id) is not None:
                raise DuplicateRun(f"inspection {notice.id} is already stored")
            conn.execute(
                insert(InspectionRunRow).values(
                    id=notice.id,
                    inspected_party=notice.inspected_party,
                    inspecting_party=notice.inspecting_party,
                    inspection_type=notice.inspection_type,
                    arrival=notice.arrival,
                    phase=inspection.phase.value,
                    body=inspection.model_dump_json(),
                    updated_by=by,
                    updated_at=datetime.now(UTC),
                )
            )
    except IntegrityError:
        raise DuplicateRun(f"inspection {notice.id} is already stored") from None
    return inspection


def designate_run_site(
    engine: Engine,
    run_id: str,
    designation: SiteDesignation,
    *,
    party: str,
    rule_set: RuleSet,
    policy: LedgerPolicy,
    by: str,
) -> Inspection:
    """The site designated by the inspecting Party, or drawn from the joint round where the
    rule set requires it (then the items are drawn too)."""
    inspections = _inspections(rule_set)
    declared = _declared(engine, policy, party, designation.designated_at)

    def change(inspection: Inspection) -> Inspection:
        if inspection.notice.round_id is None or designation.site is not None:
            return designate_site(inspection, designation, declared, inspections)
        seed = evaluate_round(
            inspection.notice.round_id,
            sorted({inspection.notice.inspecting_party, inspection.notice.inspected_party}),
            notifications_in_acceptance_order(engine),
        ).require_seed()
        return draw_selection(inspection, seed, declared, inspections, designation.designated_at)

    return _step(engine, run_id, by, change)


def designate_run_items(
    engine: Engine,
    run_id: str,
    designation: ItemDesignation,
    *,
    party: str,
    rule_set: RuleSet,
    policy: LedgerPolicy,
    by: str,
) -> Inspection:
    inspections = _inspections(rule_set)
    declared = _declared(engine, policy, party, designation.designated_at)
    return _step(
        engine,
        run_id,
        by,
        lambda inspection: designate_items(inspection, designation, declared, inspections),
    )


def record_run_findings(
    engine: Engine,
    run_id: str,
    record: InspectionRecord,
    *,
    party: str,
    rule_set: RuleSet,
    policy: LedgerPolicy,
    by: str,
) -> tuple[Inspection, list[ComplianceIssue]]:
    """The findings of an inspection whose items are designated (or drawn): checked against
    the designation, reconciled, restriction breaches added; stored with the issues (raised
    by the inspecting party) and the inspection completed, in one transaction."""
    inspections = _inspections(rule_set)
    before = get_run(engine, run_id)
    records = load_records(engine, party)
    assert before.site_designated_at is not None or before.phase.value == "notified"
    at_site = (
        declared_state(records, policy, party, before.site_designated_at).inventory
        if before.site_designated_at is not None
        else Inventory()
    )
    after, issues = conduct(before, record, records, policy, inspections, at_site)
    raised_by = before.notice.inspecting_party or other_party(sorted(policy.treaty_parties), party)
    store_record(
        engine,
        record,
        issues,
        party=party,
        raised_by=raised_by,
        submitted_by=by,
        then=lambda conn: _save(conn, before, after, by),
    )
    return after, issues


__all__ = [
    "designate_run_items",
    "designate_run_site",
    "get_run",
    "list_runs",
    "open_run",
    "record_run_findings",
]

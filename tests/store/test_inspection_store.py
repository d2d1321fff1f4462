"""Inspection store: a finding is reconciled with the workspace party's declared state at its
time and stored with its compliance issues in one transaction. Runs on both backends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from factory import T0, Notifier, item
from treatyledger.inspect.findings import InspectionRecord, IssueKind
from treatyledger.store.errors import DuplicateInspectionRecord, InspectionRecordError
from treatyledger.store.inspection_store import list_inspections, list_issues, record_inspection
from treatyledger.store.inspection_tables import ComplianceIssueRow, InspectionRecordRow
from treatyledger.store.ledger_store import LedgerStore
from treatyledger.store.policy import workspace_policy
from treatyledger.store.workspace import Workspace

TYPES = ("type-one", "type-two")


@pytest.fixture
def declared(ledger_store: LedgerStore, us: Notifier) -> LedgerStore:
    """US-M1 declared with one RV at BASE (US#1), loaded with one more (US#2)."""
    missile = item("US-M1", "icbm", "deployed", facility="BASE", warheads=1)
    other = item("US-M2", "icbm", "deployed", facility="BASE", warheads=1)
    acks = ledger_store.submit(
        [
            us.declare([missile, other]),
            us.make("load", {"container": "US-M1", "warheads": 1}),
        ]
    )
    assert [a.status for a in acks] == ["accepted", "accepted"]
    return ledger_store


def finding(**fields: Any) -> InspectionRecord:
    value: dict[str, Any] = {
        "id": "INSP-1",
        "inspection_type": "type-one",
        "inspected_party": "US",
        "site": "BASE",
        "time": (T0 + timedelta(days=10)).isoformat(),
        "rvs_observed": {"US-M1": 3, "US-M2": 1},
    }
    return InspectionRecord.model_validate(value | fields)


def record(workspace: Workspace, entry: InspectionRecord, **options: Any) -> list[Any]:
    return record_inspection(
        workspace.engine,
        entry,
        party="US",
        policy=workspace_policy(workspace.engine, workspace.rules),
        inspection_types=TYPES,
        submitted_by="inspector-1",
        **options,
    )


def test_more_rvs_than_declared_is_an_issue_citing_the_notifications(
    workspace: Workspace, declared: LedgerStore
) -> None:
    issues = record(workspace, finding())
    assert [(i.kind, i.item) for i in issues] == [(IssueKind.REENTRY_VEHICLE_MISMATCH, "US-M1")]
    assert issues[0].expected == "2 reentry vehicles"
    assert issues[0].found == "3 reentry vehicles"
    assert issues[0].evidence.notifications == ("US#1", "US#2")


def test_stored_issues_read_back_with_their_evidence(
    workspace: Workspace, declared: LedgerStore
) -> None:
    record(workspace, finding())
    [stored] = list_issues(workspace.engine)
    assert stored.record_id == "INSP-1"
    assert stored.item == "US-M1"
    assert stored.notifications == ("US#1", "US#2")
    assert stored.status == "open"
    assert stored.to_json_dict()["evidence"] == {
        "notifications": ["US#1", "US#2"],
        "finding": "INSP-1",
    }


def test_the_record_is_stored_as_submitted_with_who_and_when(
    workspace: Workspace, declared: LedgerStore
) -> None:
    entry = finding()
    moment = T0 + timedelta(days=11)
    record(workspace, entry, submitted_at=moment)
    [stored] = list_inspections(workspace.engine)
    assert stored.record == entry
    assert stored.submitted_by == "inspector-1"
    assert stored.submitted_at == moment
    assert stored.issues == 1


def test_the_declared_state_is_the_one_at_the_inspection_time(
    workspace: Workspace, declared: LedgerStore
) -> None:
    """Before the load (US#2, day 2) US-M1 was declared with one RV: three is 2 too many."""
    issues = record(workspace, finding(time=(T0 + timedelta(days=1, hours=12)).isoformat()))
    assert issues[0].expected == "1 reentry vehicles"
    assert issues[0].evidence.notifications == ("US#1",)


def test_a_duplicate_record_id_is_refused_and_stores_nothing_more(
    workspace: Workspace, declared: LedgerStore
) -> None:
    record(workspace, finding())
    with pytest.raises(DuplicateInspectionRecord, match="INSP-1"):
        record(workspace, finding(rvs_observed={"US-M2": 4}))
    with workspace.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ComplianceIssueRow)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(InspectionRecordRow)).scalar() == 1


def test_a_finding_about_another_party_is_refused(
    workspace: Workspace, declared: LedgerStore
) -> None:
    with pytest.raises(InspectionRecordError, match=r"expected inspected party US .*found RU"):
        record(workspace, finding(inspected_party="RU"))
    assert list_inspections(workspace.engine) == []


def test_an_inspection_type_outside_the_rule_set_is_refused(
    workspace: Workspace, declared: LedgerStore
) -> None:
    with pytest.raises(InspectionRecordError, match="found 'type-nine'"):
        record(workspace, finding(inspection_type="type-nine"))
    assert list_inspections(workspace.engine) == []


def test_a_finding_matching_the_declaration_stores_the_record_and_no_issue(
    workspace: Workspace, declared: LedgerStore
) -> None:
    assert record(workspace, finding(rvs_observed={"US-M1": 2})) == []
    assert [s.issues for s in list_inspections(workspace.engine)] == [0]
    assert list_issues(workspace.engine) == []


def test_a_failed_issue_insert_leaves_no_record(
    workspace: Workspace, declared: LedgerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Record and issues are one transaction: an issue that cannot be stored takes the
    record with it."""
    from types import SimpleNamespace

    from treatyledger.store import issue_store

    # a status of None violates NOT NULL on the issue row
    monkeypatch.setattr(issue_store, "status_of", lambda _issue: SimpleNamespace(value=None))
    with pytest.raises(IntegrityError):
        record(workspace, finding())
    assert list_inspections(workspace.engine) == []


def test_inspections_in_time_order_see_what_a_full_replay_sees(
    workspace: Workspace, declared: LedgerStore, us: Notifier
) -> None:
    """The store keeps the declared state between inspections (store.declared_cache): with
    notifications stored between the inspections, and an inspection earlier than the last,
    every answer is the full replay's."""
    from treatyledger.inspect.findings import reconcile_with_ledger
    from treatyledger.store.ledger_reads import load_records

    policy = workspace_policy(workspace.engine, workspace.rules)
    day = timedelta(days=1)

    def same_as_full_replay(entry: InspectionRecord) -> list[Any]:
        expected = reconcile_with_ledger(entry, load_records(workspace.engine, "US"), policy)
        assert record(workspace, entry) == expected
        return expected

    assert same_as_full_replay(finding(id="A", time=(T0 + 10 * day).isoformat()))
    unload = us.make("unload", {"container": "US-M1", "warheads": 2}, effective=T0 + 20 * day)
    assert [a.status for a in declared.submit([unload])] == ["accepted"]
    later = same_as_full_replay(
        finding(id="B", time=(T0 + 30 * day).isoformat(), rvs_observed={"US-M1": 0})
    )
    assert later == []  # the unload stored after the first inspection is seen
    earlier = same_as_full_replay(finding(id="C", time=(T0 + 15 * day).isoformat()))
    assert earlier[0].expected == "2 reentry vehicles"

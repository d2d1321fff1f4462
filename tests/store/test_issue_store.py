"""Compliance issues and their Commission workflow in the store, on both backends: issues from
findings (raised by the inspecting party, with the rule and the inspection), issues a party
raises, answers by the party concerned, resolution by the raiser, the merge of a peer node's
copies, counts without items, and issues stored before revision 0014."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import insert

from factory import T0, Notifier, item
from treatyledger.files.builtin import load_rule_set
from treatyledger.inspect.consultation import IssueAction, IssueStatus
from treatyledger.inspect.errors import IssueError
from treatyledger.inspect.findings import InspectionRecord, IssueKind
from treatyledger.store.base import make_engine
from treatyledger.store.errors import IssueNotFound
from treatyledger.store.inspection_store import record_inspection
from treatyledger.store.inspection_tables import ComplianceIssueRow, InspectionRecordRow
from treatyledger.store.issue_store import (
    add_event,
    get_issue,
    issue_counts,
    issue_records,
    merge_issues,
    raise_issue,
)
from treatyledger.store.ledger_store import LedgerStore
from treatyledger.store.migrate import alembic_config, upgrade
from treatyledger.store.policy import workspace_policy
from treatyledger.store.workspace import Workspace

AT = datetime(2011, 4, 1, tzinfo=UTC)


@pytest.fixture
def declared(ledger_store: LedgerStore, us: Notifier) -> LedgerStore:
    missile = item("US-M1", "icbm", "deployed", facility="BASE", warheads=1)
    acks = ledger_store.submit([us.declare([missile])])
    assert [a.status for a in acks] == ["accepted"]
    return ledger_store


def finding(**fields: Any) -> InspectionRecord:
    value: dict[str, Any] = {
        "id": "RU-INSP-1",
        "inspection_type": "type-one",
        "inspected_party": "US",
        "site": "BASE",
        "time": (T0 + timedelta(days=10)).isoformat(),
        "rvs_observed": {"US-M1": 2},
    }
    return InspectionRecord.model_validate(value | fields)


def raised(workspace: Workspace, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "origin": "US",
        "party": "US",
        "raised_by": "RU",
        "by": "ru-peer",
        "message": "telemetry of the 2011-03 launch not provided",
        "at": AT,
    }
    return raise_issue(workspace.engine, **(values | fields))


def test_an_inspections_findings_are_issues_raised_by_the_inspecting_party(
    workspace: Workspace, declared: LedgerStore
) -> None:
    policy = workspace_policy(workspace.engine, load_rule_set("new-start"))
    record_inspection(
        workspace.engine,
        finding(),
        party="US",
        policy=policy,
        inspection_types=("type-one",),
        submitted_by="ru-inspector",
    )
    [issue] = issue_records(workspace.engine)
    assert issue.id == "US-1"
    assert (issue.kind, issue.party, issue.raised_by) == (
        IssueKind.REENTRY_VEHICLE_MISMATCH,
        "US",
        "RU",
    )
    assert issue.evidence.inspection == "RU-INSP-1"
    assert issue.evidence.notifications == ("US#1",)
    assert "Part Five, Section VI" in issue.rule
    [event] = issue.events
    assert (event.action, event.party, event.by) == (IssueAction.RAISE, "RU", "ru-inspector")
    assert issue.status is IssueStatus.OPEN


def test_raise_answer_resolve_records_who_did_what_and_when(workspace: Workspace) -> None:
    issue = raised(workspace)
    answered = add_event(
        workspace.engine,
        issue.id,
        IssueAction.ANSWER,
        origin="US",
        party="US",
        by="us-owner",
        text="provided on 2011-04-02",
        at=AT + timedelta(days=1),
    )
    assert answered.status is IssueStatus.ANSWERED
    resolved = add_event(
        workspace.engine,
        issue.id,
        IssueAction.RESOLVE,
        origin="US",
        party="RU",
        by="ru-peer",
        at=AT + timedelta(days=2),
    )
    stored = get_issue(workspace.engine, issue.id)
    assert stored == resolved
    assert stored.status is IssueStatus.RESOLVED
    assert [(e.action, e.party, e.by, e.at) for e in stored.events] == [
        (IssueAction.RAISE, "RU", "ru-peer", AT),
        (IssueAction.ANSWER, "US", "us-owner", AT + timedelta(days=1)),
        (IssueAction.RESOLVE, "RU", "ru-peer", AT + timedelta(days=2)),
    ]
    assert stored.events[1].text == "provided on 2011-04-02"


@pytest.mark.parametrize(
    ("action", "party", "message"),
    [
        (IssueAction.ANSWER, "RU", "answered by the party it concerns"),
        (IssueAction.RESOLVE, "US", "resolved by the party that raised it"),
        (IssueAction.RAISE, "RU", "already raised"),
    ],
)
def test_steps_the_workflow_does_not_allow_are_refused_and_change_nothing(
    workspace: Workspace, action: IssueAction, party: str, message: str
) -> None:
    issue = raised(workspace)
    with pytest.raises(IssueError, match=message):
        add_event(workspace.engine, issue.id, action, origin="US", party=party, by="x")
    assert get_issue(workspace.engine, issue.id) == issue


def test_nothing_follows_a_resolution(workspace: Workspace) -> None:
    issue = raised(workspace)
    add_event(workspace.engine, issue.id, IssueAction.RESOLVE, origin="US", party="RU", by="x")
    with pytest.raises(IssueError, match="is resolved"):
        add_event(workspace.engine, issue.id, IssueAction.ANSWER, origin="US", party="US", by="y")


def test_a_party_does_not_raise_an_issue_about_itself(workspace: Workspace) -> None:
    with pytest.raises(IssueError, match="about the other"):
        raised(workspace, raised_by="US")
    assert issue_records(workspace.engine) == []


def test_an_unknown_issue_is_not_found(workspace: Workspace) -> None:
    with pytest.raises(IssueNotFound, match="US-9"):
        add_event(workspace.engine, "US-9", IssueAction.ANSWER, origin="US", party="US", by="x")


def test_ids_number_per_recording_node(workspace: Workspace) -> None:
    assert [raised(workspace).id for _ in range(3)] == ["US-1", "US-2", "US-3"]
    assert raised(workspace, origin="RU").id == "RU-1"


def test_two_nodes_converge_on_the_events_of_an_issue(workspace: Workspace, tmp_path: Path) -> None:
    """US records the issue and answers it; RU, holding a copy, resolves it on its own node;
    after each takes the other's copy both hold the same three events and status."""
    issue = raised(workspace)
    with Workspace.init(tmp_path / "ru", "RU") as ru:
        assert merge_issues(ru.engine, [issue]) == 2  # the issue and its raise event
        add_event(workspace.engine, issue.id, IssueAction.ANSWER, origin="US", party="US", by="a")
        add_event(ru.engine, issue.id, IssueAction.RESOLVE, origin="RU", party="RU", by="b")
        assert merge_issues(ru.engine, issue_records(workspace.engine)) == 1
        assert merge_issues(workspace.engine, issue_records(ru.engine)) == 1
        here, there = get_issue(workspace.engine, issue.id), get_issue(ru.engine, issue.id)
        assert here == there
        assert here.status is IssueStatus.RESOLVED
        assert merge_issues(ru.engine, issue_records(workspace.engine)) == 0  # idempotent


def test_a_copy_that_disagrees_on_content_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    issue = raised(workspace)
    forged = issue.model_copy(update={"message": "something else"})
    with Workspace.init(tmp_path / "ru", "RU") as ru:
        merge_issues(ru.engine, [issue])
        with pytest.raises(IssueError, match="disagree"):
            merge_issues(ru.engine, [forged])


def test_counts_name_parties_and_statuses_only(workspace: Workspace) -> None:
    first = raised(workspace)
    raised(workspace)
    add_event(workspace.engine, first.id, IssueAction.ANSWER, origin="US", party="US", by="x")
    assert issue_counts(workspace.engine) == {"US": {"answered": 1, "open": 1}}


def test_issues_stored_before_revision_0014_keep_their_evidence(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0005_inspect")
    with engine.begin() as conn:
        conn.execute(
            insert(InspectionRecordRow.__table__).values(
                id="OLD-1",
                inspected_party="US",
                inspection_type="type-one",
                site="BASE",
                time=AT,
                body="{}",
                submitted_by="someone",
                submitted_at=AT,
            )
        )
        conn.execute(
            insert(ComplianceIssueRow.__table__).values(
                record_id="OLD-1",
                position=0,
                kind="count_mismatch",
                party="US",
                site="BASE",
                item=None,
                expected="2 icbm",
                found="3 icbm",
                message="counted 3",
                notifications='["US#1"]',
                status="open",
            )
        )
    upgrade(engine)
    [issue] = issue_records(engine)
    assert issue.id == "legacy-1"
    assert issue.evidence.notifications == ("US#1",)
    assert issue.evidence.inspection == "OLD-1"
    assert issue.status is IssueStatus.OPEN
    engine.dispose()

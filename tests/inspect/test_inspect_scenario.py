"""Scenario: a party uploads extra reentry vehicles without notification; a jointly drawn Type
One inspection examines a missile, and the finding becomes a compliance issue naming it."""

from __future__ import annotations

from datetime import timedelta

from inspect_world import T0, declared_records, missile_uids, policy, type_one

from treatyledger.inspect import randomness
from treatyledger.inspect.findings import (
    InspectionRecord,
    IssueKind,
    declared_state,
    reconcile_with_ledger,
)
from treatyledger.inspect.randomness import RandomnessRound
from treatyledger.inspect.selection import select_inspection, verify_selection

INSPECTION_TIME = T0 + timedelta(days=200)


def _joint_seed() -> bytes:
    state = RandomnessRound("2026-type-one-1", ("US", "RU"))
    secrets = {"US": (b"u" * 32, b"s" * 32), "RU": (b"r" * 32, b"t" * 32)}
    for party, (value, salt) in secrets.items():
        state.commit(party, randomness.commitment_of(value, salt))
    for party, (value, salt) in secrets.items():
        state.reveal(party, value, salt)
    return state.outcome().require_seed()


def test_unnotified_upload_found_by_type_one_inspection_names_the_missile() -> None:
    records = declared_records()
    declared = declared_state(records, policy(), "US", INSPECTION_TIME)
    seed = _joint_seed()
    selection = select_inspection(seed, declared.inventory, type_one(), "US", items_to_examine=1)
    verify_selection(selection, seed, declared.inventory, type_one(), 1)
    (missile,) = selection.items
    # In reality US uploaded one more RV on every deployed missile and notified none of it.
    declared_rvs = {i.uid: i.warheads for i in declared.inventory.items}
    finding = InspectionRecord(
        id="insp-2026-01",
        inspection_type="type-one",
        inspected_party="US",
        site=selection.site,
        time=INSPECTION_TIME,
        items_examined=(missile,),
        uids_read=(missile,),
        rvs_observed={missile: (declared_rvs[missile] or 0) + 1},
    )
    issues = reconcile_with_ledger(finding, records, policy())
    assert len(issues) == 1
    (issue,) = issues
    assert issue.kind is IssueKind.REENTRY_VEHICLE_MISMATCH
    assert issue.item == missile
    assert missile in issue.message
    assert issue.expected == f"{declared_rvs[missile]} reentry vehicles"
    assert "US#1" in issue.evidence.notifications  # the declaration the finding contradicts
    assert issue.evidence.finding == finding


def test_notified_load_is_part_of_the_declared_state_and_its_evidence() -> None:
    records = declared_records()
    finding = InspectionRecord(
        id="insp-2026-02",
        inspection_type="type-one",
        inspected_party="US",
        site="BASE-A",
        time=INSPECTION_TIME,
        rvs_observed={"US-ICBM-A1": 3},
    )
    (issue,) = reconcile_with_ledger(finding, records, policy())
    assert issue.expected == "2 reentry vehicles"  # 1 declared + 1 notified load
    assert issue.evidence.notifications == ("US#1", "US#2")


def test_finding_that_matches_the_declaration_raises_no_issue() -> None:
    records = declared_records()
    uids = missile_uids("BASE-B")
    finding = InspectionRecord(
        id="insp-2026-03",
        inspection_type="type-one",
        inspected_party="US",
        site="BASE-B",
        time=INSPECTION_TIME,
        uids_read=tuple(uids),
        rvs_observed={uids[0]: 1},
        items_counted={"icbm": 3},
    )
    assert reconcile_with_ledger(finding, records, policy()) == []


def test_declared_state_is_replayed_to_the_inspection_time() -> None:
    before_load = declared_state(declared_records(), policy(), "US", T0 + timedelta(days=1))
    rvs = {i.uid: i.warheads for i in before_load.inventory.items}
    assert rvs["US-ICBM-A1"] == 1

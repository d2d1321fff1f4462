"""Reconciliation of findings with a declared Inventory of items with UIDs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from treatyledger.inspect.findings import InspectionRecord, IssueKind, reconcile
from treatyledger.model.items import inventory_of, make_item
from treatyledger.model.parties import Facility

WHEN = datetime(2026, 6, 1, tzinfo=UTC)


def _declared():
    facilities = [
        Facility(id="AB-1", party="US", type="air_base"),
        Facility(id="AB-2", party="US", type="air_base"),
    ]
    items = [
        make_item(
            {
                "uid": "B-1",
                "party": "US",
                "kind": "heavy_bomber",
                "system_type": "B-52H",
                "status": "converted_non_nuclear",
                "armament": "non_nuclear",
                "facility": "AB-1",
            }
        ),
        make_item(
            {
                "uid": "B-2",
                "party": "US",
                "kind": "heavy_bomber",
                "system_type": "B-52H",
                "status": "deployed",
                "armament": "lrna",
                "facility": "AB-1",
            }
        ),
        make_item(
            {
                "uid": "B-3",
                "party": "US",
                "kind": "heavy_bomber",
                "system_type": "B-52H",
                "status": "deployed",
                "armament": "lrna",
                "facility": "AB-2",
            }
        ),
    ]
    return inventory_of(items, facilities)


def _record(**fields) -> InspectionRecord:
    base = {
        "id": "i1",
        "inspection_type": "type-two",
        "inspected_party": "US",
        "site": "AB-1",
        "time": WHEN,
    }
    return InspectionRecord(**{**base, **fields})


def test_reconverted_bomber_is_an_armament_mismatch() -> None:
    (issue,) = reconcile(_record(armament_observed={"B-1": "lrna"}), _declared(), {"B-1": ["US#4"]})
    assert (issue.kind, issue.item) == (IssueKind.ARMAMENT_MISMATCH, "B-1")
    assert issue.evidence.notifications == ("US#4",)


def test_uid_read_that_nobody_declared_is_an_undeclared_item() -> None:
    (issue,) = reconcile(_record(uids_read=("B-9",)), _declared())
    assert (issue.kind, issue.item) == (IssueKind.UNDECLARED_ITEM, "B-9")


def test_item_found_away_from_its_declared_site_reports_both_sites() -> None:
    (issue,) = reconcile(_record(uids_read=("B-3",)), _declared())
    assert issue.kind is IssueKind.ITEM_NOT_AT_DECLARED_SITE
    assert (issue.expected, issue.found) == ("at AB-2", "at AB-1")


def test_count_below_declaration_is_a_count_mismatch() -> None:
    (issue,) = reconcile(_record(items_counted={"heavy_bomber": 1}), _declared())
    assert issue.kind is IssueKind.COUNT_MISMATCH
    assert (issue.expected, issue.found) == ("2 heavy_bomber", "1 heavy_bomber")


def test_record_refuses_an_absurd_rv_count() -> None:
    with pytest.raises(ValidationError, match="less than or equal to 64"):
        _record(rvs_observed={"M-1": 1000})


def test_record_refuses_a_malformed_uid() -> None:
    with pytest.raises(ValidationError, match="should match pattern"):
        _record(uids_read=("bad uid with spaces",))

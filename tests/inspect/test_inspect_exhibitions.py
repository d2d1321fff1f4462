"""Exhibitions (New START Protocol Part Five): of converted items and of new types, recorded
as inspection records of type ``exhibition.<kind>`` and reconciled with the declared state,
plus the exhibition's own findings. First treaty year: a one-time B-1B exhibition (converted
to non-nuclear armaments) and an RS-24 exhibition (State release of 2012-02-03)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from factory import T0, item, notification_data
from treatyledger.files.builtin import load_catalog, load_rule_set
from treatyledger.inspect.exhibitions import exhibition_types, reconcile_with_rules
from treatyledger.inspect.findings import InspectionRecord, IssueKind
from treatyledger.ledger.policy import policy_from_rule_set

RULES = load_rule_set("new-start")
WHEN = datetime(2011, 6, 1, tzinfo=UTC)


def records() -> list[dict[str, Any]]:
    """US declares a B-1B converted to non-nuclear armaments, a B-52H still nuclear and a
    deployed Minuteman III in its silo, all at the air base or the ICBM base."""
    facilities = [
        {"id": "US-AIR", "party": "US", "type": "air_base", "name": "air base"},
        {"id": "US-ICBM", "party": "US", "type": "icbm_base", "name": "ICBM base"},
    ]
    items = [
        item(
            "US-B1-1",
            "heavy_bomber",
            "converted_non_nuclear",
            system_type="B-1B",
            armament="non_nuclear",
            facility="US-AIR",
        ),
        item("US-B52-7", "heavy_bomber", "deployed", facility="US-AIR"),
        item("US-LN-1", "icbm_launcher", "deployed", facility="US-ICBM"),
        item("US-MM-1", "icbm", "deployed", warheads=1, contained_in="US-LN-1", facility="US-ICBM"),
    ]
    return [
        notification_data(
            "US", 1, "declare", {"items": items, "facilities": facilities}, effective=T0
        )
    ]


def exhibition(kind: str, **fields: Any) -> InspectionRecord:
    values: dict[str, Any] = {
        "id": f"EXH-{kind}",
        "inspection_type": f"exhibition.{kind}",
        "inspected_party": "US",
        "site": "US-AIR",
        "time": WHEN,
    }
    return InspectionRecord.model_validate(values | fields)


def issues_of(record: InspectionRecord) -> list[Any]:
    policy = policy_from_rule_set(RULES, load_catalog(), require_signatures=False)
    return reconcile_with_rules(record, records(), policy, RULES.inspections)


def test_the_rule_set_names_both_exhibitions() -> None:
    assert exhibition_types(RULES.inspections) == [
        "exhibition.new_type",
        "exhibition.converted_item",
    ]


def test_a_converted_bomber_shown_converted_is_clean() -> None:
    shown = exhibition(
        "converted_item",
        items_examined=["US-B1-1"],
        armament_observed={"US-B1-1": "non_nuclear"},
    )
    assert issues_of(shown) == []


def test_a_bomber_shown_as_converted_but_declared_deployed_is_an_exhibition_finding() -> None:
    shown = exhibition("converted_item", items_examined=["US-B52-7"])
    [issue] = issues_of(shown)
    assert (issue.kind, issue.item, issue.expected) == (
        IssueKind.EXHIBITION_MISMATCH,
        "US-B52-7",
        "declared converted",
    )
    assert issue.evidence.notifications == ("US#1",)
    assert "B-1B exhibition" in issue.rule


def test_a_converted_bomber_showing_nuclear_equipment_is_an_armament_finding() -> None:
    shown = exhibition(
        "converted_item", items_examined=["US-B1-1"], armament_observed={"US-B1-1": "lrna"}
    )
    assert [i.kind for i in issues_of(shown)] == [IssueKind.ARMAMENT_MISMATCH]


def test_an_item_of_a_kind_the_exhibition_does_not_show_is_a_finding() -> None:
    shown = exhibition("converted_item", site="US-ICBM", items_examined=["US-MM-1"])
    [issue] = issues_of(shown)
    assert issue.kind is IssueKind.EXHIBITION_MISMATCH
    assert issue.found == "icbm US-MM-1"


def test_a_new_type_exhibition_of_a_declared_missile_is_clean() -> None:
    shown = exhibition("new_type", site="US-ICBM", items_examined=["US-MM-1", "US-LN-1"])
    assert issues_of(shown) == []


def test_an_ordinary_inspection_record_has_no_exhibition_findings() -> None:
    record = exhibition("converted_item", items_examined=["US-B52-7"]).model_copy(
        update={"inspection_type": "type-one"}
    )
    assert issues_of(record) == []

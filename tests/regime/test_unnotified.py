"""A change that an update shows and no notification reported is a missing notification.

New START Protocol Part Four (acq.osd.mil/tc/nst/protocol/NSTprotocolPartFour.htm):
Section II, paragraph 3 asks for a notification "no later than five days after it occurs, of
each change in data", except changes in data on warheads, given "only in accordance with
paragraph 2" (the six-month update); Section I.2 counts by the date of receipt. The day of an
unnotified change is unknown, only that it is on or before the update's data date, so the due
day is the data date plus five days. The fixture is tests/fixtures/regime/new_start_year_one
.jsonl (see tests/regime/test_year_of_operations.py); the US update with data as of 2012-03-01
(US#10) is altered here to show changes the US never notified.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from treatyledger.files import load_catalog, load_rule_set
from treatyledger.ledger import policy_from_rule_set
from treatyledger.ledger.calendar import calendar
from treatyledger.rules.regime import regime_status

FIXTURE = Path(__file__).parents[1] / "fixtures" / "regime" / "new_start_year_one.jsonl"
RULES = load_rule_set("new-start")
POLICY = policy_from_rule_set(RULES, load_catalog(), require_signatures=False)
REGIME = regime_status(RULES)
AFTER_A_YEAR = date(2012, 4, 15)


def fixture() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text().splitlines()]


def with_update(change: Any, issued: str = "2012-03-15T00:00:00Z") -> list[dict[str, Any]]:
    """The fixture, the US update of 2012-03-01 (US#10) altered by ``change(items)``."""
    records = fixture()
    update = next(r for r in records if r["party"] == "US" and r["sequence"] == 10)
    assert update["kind"] == "database" and update["payload"]["as_of"].startswith("2012-03-01")
    change(update["payload"]["items"])
    update["issued_time"] = issued
    return records


def item(items: list[dict[str, Any]], uid: str) -> dict[str, Any]:
    return next(i for i in items if i["uid"] == uid)


def missing(records: list[dict[str, Any]], as_of: date = AFTER_A_YEAR) -> list[Any]:
    cal = calendar(RULES, REGIME, records, as_of, ["US", "RU"], policy=POLICY)
    return [f for f in cal.findings if f.kind == "missing" and "never notified" in f.obligation]


def test_the_fixture_updates_show_no_unnotified_change() -> None:
    # the fixture's updates agree with its notifications: the policy adds nothing, and the
    # one missing finding is Russia's overdue update of 2012-03-01
    without = calendar(RULES, REGIME, fixture(), AFTER_A_YEAR, ["US", "RU"])
    with_policy = calendar(RULES, REGIME, fixture(), AFTER_A_YEAR, ["US", "RU"], policy=POLICY)
    assert with_policy == without
    assert [(f.kind, f.party, str(f.due)) for f in with_policy.findings if f.kind == "missing"] == [
        ("missing", "RU", "2012-03-30")
    ]


def test_a_move_never_notified_is_a_missing_change_in_data() -> None:
    def moved(items: list[dict[str, Any]]) -> None:
        item(items, "US-B1")["facility"] = "US-WHITEMAN"

    found = missing(with_update(moved))
    assert [(f.party, f.category, str(f.anchor), str(f.due)) for f in found] == [
        ("US", "changes-in-data", "2012-03-01", "2012-03-06")  # II.3: 5 days
    ]
    assert found[0].source.endswith("Section II, paragraph 3")
    assert "US-B1" in found[0].obligation and "US-WHITEMAN" in found[0].obligation
    assert "US#10" in found[0].note


def test_an_item_never_declared_and_one_gone_without_notice() -> None:
    def changed(items: list[dict[str, Any]]) -> None:
        extra = copy.deepcopy(item(items, "US-L1"))
        extra.update(uid="US-L9", status="non_deployed")
        extra.pop("contained_in", None)
        items.append(extra)
        items.remove(item(items, "US-B1"))

    found = missing(with_update(changed))
    assert sorted((f.category, f.obligation.split(" of ")[0]) for f in found) == [
        ("changes-in-data", "declare"),  # US-L9: in the update, never declared
        ("conversion-elimination", "eliminate"),  # US-B1: held by the ledger, not listed
    ]
    assert {str(f.due) for f in found} == {"2012-03-06"}


def test_warhead_numbers_are_reported_in_the_update_not_missing() -> None:
    def uploaded(items: list[dict[str, Any]]) -> None:
        missile = item(items, "US-M1")
        missile["warheads"] = (missile.get("warheads") or 0) + 1

    # II.3: warhead data "only in accordance with paragraph 2": the update is the notice
    assert missing(with_update(uploaded)) == []


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        (date(2012, 3, 5), "due"),
        (date(2012, 3, 6), "due"),  # "no later than five days after": the 6th is on time
        (date(2012, 3, 7), "overdue"),
    ],
)
def test_the_due_day_is_the_data_date_plus_five(as_of: date, status: str) -> None:
    def moved(items: list[dict[str, Any]]) -> None:
        item(items, "US-B1")["facility"] = "US-WHITEMAN"

    # the update received on its data date, so the change is known before its due day
    records = with_update(moved, issued="2012-03-01T12:00:00Z")
    cal = calendar(RULES, REGIME, records, as_of, ["US"], policy=POLICY)
    unnotified = [e for e in cal.entries if e.party == "US" and "never notified" in e.obligation]
    assert [(e.status, str(e.due)) for e in unnotified] == [(status, "2012-03-06")]
    assert cal.counts["US"][status] >= 1
    assert bool(missing(records, as_of)) is (status == "overdue")


def test_not_known_before_the_update_is_received() -> None:
    def moved(items: list[dict[str, Any]]) -> None:
        item(items, "US-B1")["facility"] = "US-WHITEMAN"

    # received 2012-03-15: the calendar of 2012-03-10 cannot know of the change
    assert missing(with_update(moved), date(2012, 3, 10)) == []
    assert len(missing(with_update(moved), date(2012, 3, 15))) == 1


def test_a_change_notified_late_is_late_not_missing() -> None:
    def moved(items: list[dict[str, Any]]) -> None:
        item(items, "US-B1")["facility"] = "US-WHITEMAN"

    records = with_update(moved)
    records.append(
        {
            "party": "US",
            "sequence": 11,
            "kind": "move",
            "effective_time": "2012-02-20T00:00:00Z",
            "issued_time": "2012-03-20T00:00:00Z",
            "payload": {"uid": "US-B1", "to_facility": "US-WHITEMAN"},
        }
    )
    assert missing(records) == []
    cal = calendar(RULES, REGIME, records, AFTER_A_YEAR, ["US"], policy=POLICY)
    late = [e for e in cal.entries_with("late") if e.notification and e.notification.sequence == 11]
    assert [(str(e.due), str(e.issued)) for e in late] == [("2012-02-25", "2012-03-20")]


def test_the_calendar_command_lists_a_change_never_notified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a workspace whose US update with data as of 2011-09-01 has the bomber at another base
    # than the one declared, with no move notified: `calendar` (CLI, through the store's
    # workspace_calendar and the workspace's policy) lists it as overdue and as a missing
    # finding, due 2011-09-06 (II.3)
    from suspension import Log, _submit, at

    from factory import item as factory_item
    from treatyledger.cli import main
    from treatyledger.store.workspace import Workspace

    log = Log("US")
    bomber = factory_item("US-B1", "heavy_bomber", "deployed", "US", facility="US-MINOT")
    log.add("declare", {"items": [bomber]}, at(date(2011, 2, 5)), at(date(2011, 2, 5), 6))
    log.databases([date(2011, 2, 5)], [bomber])
    log.databases([date(2011, 9, 1)], [{**bomber, "facility": "US-BARKSDALE"}])
    with Workspace.init(tmp_path / "us", "US") as ws:
        _submit(ws, log.records, ws.signing_key)
    argv = ["calendar", "-w", str(tmp_path / "us"), "--as-of", "2011-10-01", "--format", "json"]
    assert main(argv) == 0
    answer = json.loads(capsys.readouterr().out)
    found = [f for f in answer["findings"] if "never notified" in f["obligation"]]
    assert [(f["kind"], f["category"], f["anchor"], f["due"]) for f in found] == [
        ("missing", "changes-in-data", "2011-09-01", "2011-09-06")
    ]
    assert "US#3" in found[0]["note"]
    assert answer["counts"]["US"]["overdue"] == 1

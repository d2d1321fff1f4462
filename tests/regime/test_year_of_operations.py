"""A year of New START operations replayed from tests/fixtures/regime/new_start_year_one.jsonl
gives the due, late and overdue lists the treaty text gives.

The expected lists are derived here by hand, notification by notification, from Protocol Part
Four (acq.osd.mil/tc/nst/protocol/NSTprotocolPartFour.htm):
- I.2: "The date of provision of notification shall be the date of receipt" (a deadline is a
  date; ``issued_time`` is the receipt);
- II.1: the initial database "no later than 45 days after entry into force" (2011-02-05 + 45
  days = 2011-03-22), with data as of 2011-02-05;
- II.2: updates "no later than 30 days after the expiration of each six-month period", the
  first period beginning 2011-03-01 ("the first day of the calendar month following the
  month in which the Treaty enters into force"): periods end 2011-08-31 (due 2011-09-30),
  2012-02-29 (due 2012-03-30), 2012-08-31 (due 2012-09-30); data as of the next day;
- II.3: each change in data "no later than five days after it occurs", except changes in data
  on warheads, given "only in accordance with paragraph 2" (in the update of their period).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from treatyledger.files import load_catalog, load_rule_set
from treatyledger.ledger import policy_from_rule_set, replay
from treatyledger.ledger.calendar import calendar
from treatyledger.rules.regime import regime_status

FIXTURE = Path(__file__).parents[1] / "fixtures" / "regime" / "new_start_year_one.jsonl"
RULES = load_rule_set("new-start")


def records() -> list[dict]:
    return [json.loads(line) for line in FIXTURE.read_text().splitlines()]


def listing(cal, status):  # type: ignore[no-untyped-def]
    return sorted(
        (e.party, e.notification.sequence if e.notification else None, str(e.due))
        for e in cal.entries_with(status)
    )


@pytest.fixture(scope="module")
def after_a_year():  # type: ignore[no-untyped-def]
    return calendar(RULES, regime_status(RULES), records(), date(2012, 4, 15), ["US", "RU"])


def test_the_fixture_is_a_valid_ledger() -> None:
    policy = policy_from_rule_set(RULES, load_catalog(), require_signatures=False)
    state = replay(records(), policy)
    assert state.next_sequence("US") == 11 and state.next_sequence("RU") == 5
    # the ledger's own five-day flag: US#4 (2011-05-01 -> 05-07), US#6 (07-01 -> 07-10),
    # RU#3 (05-10 -> 05-20); not US#5 or US#8, which move warheads only (II.3)
    assert sorted(state.late) == [("RU", 3), ("US", 4), ("US", 6)]


def test_late(after_a_year) -> None:  # type: ignore[no-untyped-def]
    assert listing(after_a_year, "late") == [
        ("RU", 2, "2011-03-22"),  # initial database received 2011-03-25, 3 days after II.1's
        ("RU", 3, "2011-05-15"),  # missile loaded 2011-05-10, notified 05-20 (II.3: 5 days)
        ("US", 4, "2011-05-06"),  # bomber moved 2011-05-01, notified 05-07
        ("US", 6, "2011-07-06"),  # conversion begun 2011-07-01, notified 07-10
    ]


def test_overdue(after_a_year) -> None:  # type: ignore[no-untyped-def]
    # Russia gave no update with data as of 2012-03-01; due 2012-03-30, and it is 2012-04-15
    assert listing(after_a_year, "overdue") == [("RU", None, "2012-03-30")]


def test_due(after_a_year) -> None:  # type: ignore[no-untyped-def]
    # the period 2012-03-01..2012-08-31 is running: its update is due by 2012-09-30
    assert listing(after_a_year, "due") == [("RU", None, "2012-09-30"), ("US", None, "2012-09-30")]


def test_premature(after_a_year) -> None:  # type: ignore[no-untyped-def]
    assert listing(after_a_year, "premature") == [
        ("RU", 4, "2011-09-30"),  # data "as of 2011-09-01" received 2011-08-30
        ("US", 9, "2011-11-15"),  # a move effective 2011-11-10 notified 2011-11-08
    ]


def test_on_time_including_warhead_data_weeks_later(after_a_year) -> None:  # type: ignore[no-untyped-def]
    # US: declaration (same day), initial database (03-20 <= 03-22), move 04-10 notified
    # 04-15 (the fifth day), RVs loaded 06-10 notified 06-25 (due with the update: 09-30),
    # update 09-01 (09-28), RVs unloaded 09-20 notified 10-05 (due 2012-03-30), update
    # 03-01 (03-15): 7. RU: its declaration (the next day): 1.
    assert after_a_year.counts["US"]["provided"] == 7
    assert after_a_year.counts["RU"]["provided"] == 1
    assert after_a_year.unjudged == 0


def test_every_finding_names_its_deadline_and_source(after_a_year) -> None:  # type: ignore[no-untyped-def]
    kinds = sorted((f.party, f.kind, f.category) for f in after_a_year.findings)
    assert kinds == [
        ("RU", "late", "changes-in-data"),
        ("RU", "late", "initial-database"),
        ("RU", "missing", "six-month-update"),
        ("RU", "premature", "six-month-update"),
        ("US", "late", "changes-in-data"),
        ("US", "late", "conversion-elimination"),
        ("US", "premature", "changes-in-data"),
    ]
    initial = next(f for f in after_a_year.findings if f.category == "initial-database")
    assert (initial.due, initial.days_late) == (date(2011, 3, 22), 3)
    assert initial.source == "New START Protocol Part Four, Section II, paragraph 1"


def test_before_the_deadline_the_missing_update_is_only_due() -> None:
    before = calendar(RULES, regime_status(RULES), records(), date(2012, 3, 25), ["RU"])
    assert listing(before, "overdue") == []
    # the update as of 2012-03-01 (due 03-30), and the next one, its period begun on 03-01
    assert listing(before, "due") == [("RU", None, "2012-03-30"), ("RU", None, "2012-09-30")]


def test_a_past_calendar_knows_only_what_was_received_by_then() -> None:
    # on 2011-03-19 neither initial database had been received (US: 03-20, RU: 03-25)
    early = calendar(RULES, regime_status(RULES), records(), date(2011, 3, 19), ["US", "RU"])
    assert listing(early, "due") == [
        ("RU", None, "2011-03-22"),
        ("RU", None, "2011-09-30"),
        ("US", None, "2011-03-22"),
        ("US", None, "2011-09-30"),
    ]

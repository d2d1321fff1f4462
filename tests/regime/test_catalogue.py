"""The notification catalogue: each New START category and deadline against the Protocol
text (Part Four, Sections I and II, acq.osd.mil/tc/nst/protocol/NSTprotocolPartFour.htm), START
I's against its Notification Protocol (Section I), SORT's near-absence of notifications, the
schema's refusals, the classification of change notifications and the ledger's change
deadline that no longer applies to warhead data."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from ledger_like import ledger_for

from factory import T0, item
from treatyledger.files import load_rule_set
from treatyledger.model.notifications import NotificationKind
from treatyledger.rules.catalogue import Anchor, Schedule, classify, period_end_for
from treatyledger.rules.errors import RuleSetError
from treatyledger.rules.schema import RuleSet

NEW_START = load_rule_set("new-start")
CATALOGUE = NEW_START.notifications
assert CATALOGUE is not None


def category(category_id: str) -> Any:
    assert CATALOGUE is not None
    return CATALOGUE.category(category_id)


def test_initial_database_45_days_after_entry_into_force() -> None:
    # Part Four II.1: "no later than 45 days after entry into force ... data current as of
    # the date of entry into force"
    initial = category("initial-database")
    assert initial.source.endswith("Section II, paragraph 1")
    assert (initial.schedule, initial.kinds) == (Schedule.ONCE, (NotificationKind.DATABASE,))
    assert (initial.deadline.days, initial.deadline.counted_from) == (45, Anchor.ENTRY_INTO_FORCE)
    assert initial.deadline.due_day(date(2011, 2, 5)) == date(2011, 3, 22)


def test_six_month_update_30_days_after_each_period() -> None:
    # Part Four II.2: "no later than 30 days after the expiration of each six-month period";
    # the first period begins "the first day of the calendar month following the month in
    # which the Treaty enters into force" (2011-03-01), so it expires on 2011-08-31
    update = category("six-month-update")
    assert update.source.endswith("Section II, paragraph 2")
    assert (update.deadline.days, update.deadline.counted_from) == (30, Anchor.PERIOD_END)
    assert update.periods_begin.value == "month_after_entry_into_force"
    assert update.deadline.due_day(date(2011, 8, 31)) == date(2011, 9, 30)
    assert NEW_START.data_exchange is not None
    assert NEW_START.data_exchange.as_of == ("03-01", "09-01")


def test_changes_in_data_within_five_days() -> None:
    # Part Four II.3: "no later than five days after it occurs, of each change in data"
    changes = category("changes-in-data")
    assert changes.source.endswith("Section II, paragraph 3")
    assert (changes.deadline.days, changes.deadline.counted_from) == (5, Anchor.EVENT)
    assert CATALOGUE.deadline_days == 5


def test_warhead_changes_only_in_the_six_month_update() -> None:
    # Part Four II.3: "Notification of each change in data on warheads shall be provided only
    # in accordance with paragraph 2 of this Section"
    warheads = category("warhead-data")
    assert "only in accordance with paragraph 2" in warheads.source
    assert warheads.items == ("warhead",)
    assert (warheads.deadline.days, warheads.deadline.counted_from) == (30, Anchor.PERIOD_END)
    assert warheads.reported_in_update
    # a change on 2011-06-10 belongs to the period ending 2011-08-31: due 2011-09-30
    dates = [date(2011, 9, 1), date(2012, 3, 1)]
    assert period_end_for(date(2011, 6, 10), dates) == date(2011, 8, 31)
    assert period_end_for(date(2011, 9, 1), dates) == date(2012, 2, 29)


def test_conversion_and_elimination_within_five_days_confirmed_by_inspection() -> None:
    # Part Four II.3(a) lists conversion among the changes in data
    conversion = category("conversion-elimination")
    assert "paragraph 3(a)" in conversion.source and "Part Three" in conversion.source
    assert set(conversion.kinds) == {NotificationKind.CONVERT, NotificationKind.ELIMINATE}
    assert conversion.deadline.days == 5
    assert "Type Two" in conversion.confirmed_by


@pytest.mark.parametrize(
    "category_id",
    [
        "heavy-bomber-outside-territory",
        "mobile-icbm-movement",
        "new-type-new-facility",
        "exhibitions",
        "inspection-notifications",
    ],
)
def test_categories_without_a_ledger_kind_say_where_they_are_recorded(category_id: str) -> None:
    listed = category(category_id)
    assert not listed.modelled and listed.source and listed.notes


def test_every_notification_kind_has_a_category_or_is_outside_the_catalogue() -> None:
    for name in ("new-start", "start1", "sort-us-2002", "sort-ru-2002"):
        notifications = load_rule_set(name).notifications
        assert notifications is not None, name
        covered = {k for c in notifications.categories for k in c.kinds}
        assert covered | set(notifications.outside) == set(NotificationKind), name


def test_start1_30_days_for_the_initial_data_and_each_update_5_for_changes() -> None:
    # START Protocol on Notifications, Section I(1)-(3)
    start1 = load_rule_set("start1").notifications
    assert start1 is not None
    initial = start1.category("initial-data")
    update = start1.category("six-month-update")
    changes = start1.category("changes-in-data")
    assert (initial.deadline.days, update.deadline.days, changes.deadline.days) == (30, 30, 5)
    assert [c.source[-4:] for c in (initial, update, changes)] == ["I(1)", "I(2)", "I(3)"]
    exchange = load_rule_set("start1").data_exchange
    assert exchange is not None and exchange.as_of == ("01-01", "07-01")


def test_sort_has_almost_no_notifications() -> None:
    sort = load_rule_set("sort-us-2002").notifications
    assert sort is not None
    assert sort.deadline_days is None
    assert [c.id for c in sort.categories] == ["withdrawal-notice"]
    assert sort.categories[0].source == "SORT Art. IV.2" and not sort.categories[0].modelled


def _rules(**notifications: Any) -> dict[str, Any]:
    return {
        "treaty": {"id": "t", "name": "T", "source": "s"},
        "categories": [
            {
                "id": "c",
                "name": "C",
                "clauses": [
                    {"id": "x", "text": "t", "method": "count", "select": {"kind": "icbm"}}
                ],
            }
        ],
        "notifications": notifications,
    }


@pytest.mark.parametrize(
    ("categories", "message"),
    [
        ([{"id": "a", "name": "A", "source": "s", "schedule": "weekly"}], "schedule"),
        (
            [
                {
                    "id": "a",
                    "name": "A",
                    "source": "s",
                    "schedule": "periodic",
                    "kinds": ["database"],
                    "deadline": {"days": 30, "from": "period_end"},
                    "periods_begin": "entry_into_force",
                }
            ],
            "needs a \\[data_exchange\\]",
        ),
        (
            [
                {
                    "id": "a",
                    "name": "A",
                    "source": "s",
                    "schedule": "once",
                    "kinds": ["database"],
                    "deadline": {"days": 30, "from": "event"},
                }
            ],
            "counted from entry_into_force",
        ),
        (
            [
                {
                    "id": "a",
                    "name": "A",
                    "source": "s",
                    "schedule": "per_event",
                    "kinds": ["database"],
                }
            ],
            "once or periodic",
        ),
        (
            [
                {"id": "a", "name": "A", "source": "s", "schedule": "per_event"},
                {"id": "a", "name": "B", "source": "s", "schedule": "per_event"},
            ],
            "duplicate notification category",
        ),
        (
            [
                {
                    "id": "a",
                    "name": "A",
                    "source": "s",
                    "schedule": "per_event",
                    "deadline": {"days": 5},
                }
            ],
            "from",
        ),
    ],
)
def test_the_schema_refuses_a_malformed_catalogue(
    categories: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(RuleSetError, match=message):
        RuleSet.from_mapping(_rules(categories=categories))


def test_a_kind_cannot_be_both_covered_and_outside() -> None:
    categories = [
        {"id": "a", "name": "A", "source": "s", "schedule": "per_event", "kinds": ["move"]}
    ]
    with pytest.raises(RuleSetError, match="both in a category and outside"):
        RuleSet.from_mapping(_rules(categories=categories, outside=["move"]))


def _record(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "payload": payload}


KINDS = {"M1": "icbm", "L1": "icbm_launcher", "W1": "warhead", "B1": "heavy_bomber"}


@pytest.mark.parametrize(
    ("kind", "payload", "expected"),
    [
        ("load", {"container": "M1", "warheads": 2}, "warhead-data"),
        ("load", {"container": "M1", "items": ["W1"]}, "warhead-data"),
        ("load", {"container": "L1", "items": ["M1"]}, "changes-in-data"),
        ("move", {"uid": "B1", "to_facility": "F"}, "changes-in-data"),
        ("retire", {"uid": "W1"}, "warhead-data"),
        ("convert", {"uid": "L1", "to_status": "in_conversion"}, "conversion-elimination"),
        ("eliminate", {"uid": "B1"}, "conversion-elimination"),
        ("declare", {"items": [item("W9", "warhead", "stored")]}, "warhead-data"),
        (
            "declare",
            {"items": [item("W9", "warhead", "stored"), item("M9", "icbm", "deployed")]},
            "changes-other",
        ),
        ("move", {"uid": "NOBODY", "to_facility": "F"}, "changes-other"),
    ],
)
def test_change_notifications_are_classified_by_what_they_are_about(
    kind: str, payload: dict[str, Any], expected: str
) -> None:
    assert CATALOGUE is not None
    found = classify(CATALOGUE.categories, _record(kind, payload), KINDS.get)
    assert found is not None and found.id == expected


def test_loading_reentry_vehicles_is_not_late_by_the_five_day_rule() -> None:
    ledger = ledger_for(NEW_START)
    launcher = item("L1", "icbm_launcher", "deployed", facility="BASE")
    missile = item("M1", "icbm", "deployed", facility="BASE", warheads=1, contained_in="L1")
    ledger.send("declare", {"items": [launcher, missile]}, effective=T0)
    effective = T0 + timedelta(days=30)
    weeks_later = effective + timedelta(days=20)
    rv = ledger.send(
        "load", {"container": "M1", "warheads": 1}, effective=effective, issued=weeks_later
    )
    assert rv.status == "accepted" and not rv.late
    # the missile itself leaving its launcher is a change in data: five days
    ledger.send(
        "unload", {"container": "M1", "warheads": 2}, effective=effective + timedelta(days=1)
    )
    out = ledger.send(
        "unload",
        {"container": "L1", "items": ["M1"]},
        effective=effective + timedelta(days=2),
        issued=weeks_later + timedelta(days=5),
    )
    assert out.status == "accepted" and out.late

"""Regime events in the ledger: the ``regime_status`` notification (schema, neutrality), and
the regime status it gives a treaty: entry into force, extension, suspension and resumption,
expiry and supersession, and START I and SORT both counted on one ledger in 2003-2009.

Dates are the treaties' own: START I in force 1994-12-05, expired 2009-12-05 (START Art.
XVII, 15 years); SORT in force 2003-06-01 and terminated as of New START's entry into force
on 2011-02-05 (New START Art. XIV.4); New START in force 2011-02-05, extended on 2021-02-03
to 2026-02-05 (Art. XIV.2: up to five years); Russia's suspension of 2023-02-28 (Federal Law
No. 38-FZ) (shared/reference/treaties.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import jsonschema
import pytest

from factory import notification_data
from treatyledger.files import load_catalog, load_rule_set
from treatyledger.ledger import LedgerState, policy_from_rule_set, replay
from treatyledger.ledger.regime import ledger_regime, regime_events
from treatyledger.model.errors import NotificationSchemaError
from treatyledger.model.notifications import (
    LEDGER_NEUTRAL_KINDS,
    NotificationKind,
    notification_json_schema,
    parse_notification,
)
from treatyledger.rules import count
from treatyledger.rules.regime import regime_status


def event(by: str, sequence: int, day: date, /, **payload: Any) -> dict[str, Any]:
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return notification_data(by, sequence, "regime_status", payload, effective=moment)


def test_regime_status_is_ledger_neutral_and_exported() -> None:
    assert NotificationKind.REGIME_STATUS in LEDGER_NEUTRAL_KINDS
    data = event("RU", 1, date(2023, 2, 28), treaty="new-start", event="suspension", party="RU")
    notification = parse_notification(data)
    jsonschema.validate(notification.to_json_dict(), notification_json_schema("regime_status"))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"treaty": "new-start", "event": "suspension"}, "party is required"),
        ({"treaty": "new-start", "event": "expiry", "party": "RU"}, "party is required"),
        ({"treaty": "new-start", "event": "extension"}, "until is required"),
        ({"treaty": "sort", "event": "supersession"}, "superseded_by is required"),
        ({"treaty": "sort", "event": "supersession", "superseded_by": "sort"}, "itself"),
        ({"treaty": "New START", "event": "expiry"}, "pattern"),
        ({"treaty": "new-start", "event": "withdrawal_rumour"}, "Input should be"),
    ],
)
def test_a_malformed_regime_event_is_refused(payload: dict[str, Any], field: str) -> None:
    with pytest.raises(NotificationSchemaError, match=field):
        parse_notification(event("US", 1, date(2020, 1, 1), **payload))


def test_a_regime_event_changes_no_item() -> None:
    rule_set = load_rule_set("new-start")
    policy = policy_from_rule_set(rule_set, load_catalog(), require_signatures=False)
    records = [
        event("US", 1, date(2011, 2, 5), treaty="new-start", event="entry_into_force"),
    ]
    state = LedgerState(policy)
    state.replay_records(records)
    assert state.snapshot() == {**LedgerState(policy).snapshot(), "next": {"US": 2}}
    assert replay(records, policy).inventory().items == ()


def test_without_events_the_treaty_text_dates_stand() -> None:
    status = regime_status(load_rule_set("new-start"))
    assert (status.entry_into_force, status.last_day_in_force) == (
        date(2011, 2, 5),
        date(2026, 2, 5),
    )
    assert not status.in_force(date(2011, 2, 4))
    assert status.in_force(date(2011, 2, 5)) and status.in_force(date(2026, 2, 5))
    assert status.no_limit_reason(date(2026, 2, 6)) == (
        "new-start expired on 2026-02-05: no limit is in force"
    )


def test_an_extension_moves_the_expiry() -> None:
    # New START as first in force: ten years (Art. XIV.2), extended in 2021 by five
    ten_years = load_rule_set("new-start")
    ten_years = ten_years.model_copy(
        update={"treaty": ten_years.treaty.model_copy(update={"expires": date(2021, 2, 5)})}
    )
    records = [
        event(
            "US",
            1,
            date(2021, 2, 3),
            treaty="new-start",
            event="extension",
            until="2026-02-05",
            reference="exchange of diplomatic notes, 2021-02-03",
        )
    ]
    assert regime_status(ten_years).phase(date(2022, 1, 1)) == "expired"
    assert ledger_regime(records, ten_years).phase(date(2022, 1, 1)) == "in_force"
    assert ledger_regime(records, ten_years).phase(date(2026, 2, 6)) == "expired"


def test_a_suspension_holds_until_the_resumption() -> None:
    records = [
        event("RU", 1, date(2023, 2, 28), treaty="new-start", event="suspension", party="RU"),
        # the US records the note it received: the same suspension, not a second one
        event("US", 1, date(2023, 3, 1), treaty="new-start", event="suspension", party="RU"),
        event("RU", 2, date(2024, 6, 1), treaty="new-start", event="resumption", party="RU"),
    ]
    status = ledger_regime(records, load_rule_set("new-start"))
    assert [(s.party, s.start, s.end) for s in status.suspensions] == [
        ("RU", date(2023, 2, 28), date(2024, 6, 1))
    ]
    assert status.suspension("RU", date(2023, 2, 27)) is None
    assert status.suspension("RU", date(2023, 2, 28)) is not None
    assert status.suspension("RU", date(2024, 5, 31)) is not None
    assert status.suspension("RU", date(2024, 6, 1)) is None
    assert status.suspension("US", date(2023, 6, 1)) is None
    # a suspension is not an end of the treaty: its limits stay in force for the other party
    assert status.in_force(date(2023, 6, 1))


def test_events_about_another_treaty_do_not_apply() -> None:
    records = [event("US", 1, date(2009, 12, 5), treaty="start1", event="expiry")]
    assert ledger_regime(records, load_rule_set("new-start")).events == ()


def test_sort_is_superseded_by_new_start_for_both_readings() -> None:
    records = [
        event(
            "US",
            1,
            date(2011, 2, 5),
            treaty="sort",
            event="supersession",
            superseded_by="new-start",
            reference="New START Art. XIV.4",
        )
    ]
    for name in ("sort-us-2002", "sort-ru-2002"):
        status = ledger_regime(records, load_rule_set(name))
        assert status.in_force(date(2011, 2, 4)) and not status.in_force(date(2011, 2, 5))
        assert status.no_limit_reason(date(2012, 12, 31)) == (
            "sort was superseded by new-start on 2011-02-05: no limit is in force"
        )


def _us_force() -> Any:
    from treatyledger.model.items import Inventory, Item

    return Inventory(
        items=(
            Item(party="US", kind="warhead", status="deployed", quantity=3000),
            Item(party="US", kind="icbm", system_type="MM III", status="deployed", quantity=500),
            Item(
                party="US",
                kind="icbm_launcher",
                system_type="MM III",
                status="deployed",
                quantity=500,
            ),
        )
    )


def test_start1_and_sort_are_both_countable_on_one_ledger_in_2003_2009() -> None:
    records = [
        event("US", 1, date(1994, 12, 5), treaty="start1", event="entry_into_force"),
        event("US", 2, date(2003, 6, 1), treaty="sort", event="entry_into_force"),
        event("US", 3, date(2009, 12, 5), treaty="start1", event="expiry"),
        event(
            "US",
            4,
            date(2011, 2, 5),
            treaty="sort",
            event="supersession",
            superseded_by="new-start",
        ),
    ]
    events = regime_events(records)
    start1 = regime_status(load_rule_set("start1"), events)
    sort = regime_status(load_rule_set("sort-us-2002"), events)
    for day in (date(2003, 6, 1), date(2006, 1, 1), date(2009, 12, 5)):
        assert start1.in_force(day) and sort.in_force(day), day
    assert not start1.in_force(date(2009, 12, 6)) and sort.in_force(date(2009, 12, 6))
    catalog = load_catalog()
    # START I's central limits bind in 2006 (Art. II, 84 months after 1994-12-05); the
    # ledger's regime lifts them after its expiry, and SORT's after its supersession
    applied = start1.applied(load_rule_set("start1"))
    in_2006 = count(_us_force(), applied, catalog, as_of=date(2006, 1, 1)).parties["US"]
    assert in_2006.categories["delivery_vehicles"].limit == 1600
    in_2010 = count(_us_force(), applied, catalog, as_of=date(2010, 1, 1)).parties["US"]
    assert all(c.limit is None for c in in_2010.categories.values())
    sort_applied = sort.applied(load_rule_set("sort-us-2002"))
    result = count(_us_force(), sort_applied, catalog, as_of=date(2012, 12, 31)).parties["US"]
    assert result.categories["operationally_deployed_warheads"].limit is None
    unsuperseded = count(
        _us_force(), load_rule_set("sort-us-2002"), catalog, as_of=date(2012, 12, 31)
    )
    assert unsuperseded.parties["US"].categories["operationally_deployed_warheads"].limit == 2200

"""The decade streams (treatyledger.ledger.decade): both parties' New START forces at item
level from the 2011-02-05 baseline to the treaty's end.

Oracles: the official aggregates bundled as treatyledger/data/reference/new_start_aggregates.csv
(copied from shared/reference/new_start_aggregates.csv; State Department fact sheets and the
Russian MFA, sources per row), replayed through the ledger and counted by the New START rule
set; the treaty's dates (New START Art. XIV: entry into force 2011-02-05, extended to
2026-02-05) and Russia's suspension (February 2023; no data after that of 2022-09-01); the
ledger's own state machine, which must accept every notification as signed and on time.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from treatyledger.files import load_catalog, load_rule_set
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger import LedgerState, policy_from_rule_set, sign, time_series
from treatyledger.ledger.calendar import calendar, update_dates
from treatyledger.ledger.decade import (
    DecadeStream,
    PartyCalendar,
    Provenance,
    Reservation,
    decade_stream,
    split,
    treaty_calendars,
)
from treatyledger.ledger.reconcile import reconcile
from treatyledger.ledger.records import mentioned_uids
from treatyledger.ledger.regime import ledger_regime
from treatyledger.ledger.replay import state_at
from treatyledger.model.notifications import parse_notification
from treatyledger.rules.regime import regime_status

TEST_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(7, 39)))  # TEST KEY, tests only
RULES = load_rule_set("new-start")
CATALOG = load_catalog()
POLICY = policy_from_rule_set(RULES, CATALOG)
OFFICIAL = read_new_start_aggregates()
EXPIRES = date(2026, 2, 5)


#: the databases the treaty asks for (ledger.calendar's rule): the initial one, then updates
DATABASES = [date(2011, 2, 5), *update_dates(RULES, regime_status(RULES), EXPIRES)]


def _calendars() -> dict[str, PartyCalendar]:
    dates = RULES.data_dates(date(2011, 2, 5), EXPIRES)
    return treaty_calendars(OFFICIAL, dates, EXPIRES)


@pytest.fixture(scope="module")
def streams() -> dict[str, DecadeStream]:
    return {
        party: decade_stream(
            calendar, CATALOG, random.Random(f"test:{party}"), database_dates=DATABASES
        )
        for party, calendar in _calendars().items()
    }


def _numbers(point: object) -> tuple[int, int, int]:
    return (
        point.deployed_delivery_vehicles,  # type: ignore[attr-defined]
        point.deployed_warheads,  # type: ignore[attr-defined]
        point.deployed_and_nondeployed_launchers,  # type: ignore[attr-defined]
    )


def test_split_keeps_every_sum() -> None:
    assert split(10, [1, 1, 1]) == [4, 3, 3]
    assert split(7, [8, 6]) == [4, 3]
    for total in range(0, 60):
        assert sum(split(total, [0.51, 0.28, 0.15, 0.06])) == total


def test_calendars_take_every_official_row_and_label_the_rest() -> None:
    calendars = _calendars()
    us, ru = calendars["US"], calendars["RU"]
    # the treaty's data dates: the baseline, then every 1 March and 1 September to 2025-09-01
    assert us.points[0].date == date(2011, 2, 5) and us.points[-1].date == date(2025, 9, 1)
    assert us.stops == EXPIRES
    # Russia provided no data after 2022-09-01 and suspended in February 2023
    assert ru.points[-1].date == date(2022, 9, 1) and ru.stops == date(2023, 2, 28)
    official = {(p.party, p.date): _numbers(p) for p in OFFICIAL}
    assert len(official) == 42
    planned = {
        (c.party, p.date): p for c in calendars.values() for p in c.points
    }  # every official row is planned as official, with its numbers
    for key, numbers in official.items():
        assert planned[key].provenance is Provenance.OFFICIAL
        assert _numbers(planned[key].point) == numbers
    # a date between rows is halfway (2012-09-01: US 812 -> 792 deployed vehicles)
    between = planned[("US", date(2012, 9, 1))]
    assert between.provenance is Provenance.INTERPOLATED
    assert between.point.deployed_delivery_vehicles == 802
    # after the last US row (2023-03-01: 662 / 1,419 / 800) the numbers are held
    held = planned[("US", date(2025, 3, 1))]
    assert held.provenance is Provenance.HELD and _numbers(held.point) == (662, 1419, 800)


def test_replay_reproduces_every_planned_point(streams: dict[str, DecadeStream]) -> None:
    """All 42 official rows (and every generated date) come back from the item-level replay
    counted under the New START rule set."""
    matched = 0
    for party, stream in streams.items():
        points = stream.calendar.points
        series = time_series(stream.records, POLICY, RULES, [p.date for p in points])
        for planned, counted in zip(points, series, strict=True):
            totals = counted.totals[party]
            got = (
                totals["deployed_delivery_vehicles"],
                totals["deployed_warheads"],
                totals["deployed_and_nondeployed_launchers"],
            )
            assert got == _numbers(planned.point), (party, planned.date)
            matched += planned.provenance is Provenance.OFFICIAL
    assert matched == 42


def test_volume_is_that_of_a_real_treaty(streams: dict[str, DecadeStream]) -> None:
    """About 2,000 notifications a year across both parties (roughly 20,000 in all)."""
    us, ru = streams["US"], streams["RU"]
    total = len(us.records) + len(ru.records)
    assert 18_000 <= total <= 26_000
    years = {"US": 15.0, "RU": 12.06}
    for party, stream in streams.items():
        assert 600 <= len(stream.records) / years[party] <= 1_100
    kinds = Counter(r["kind"] for r in us.records)
    assert {"declare", "move", "load", "unload", "status_change", "convert", "eliminate",
            "retire", "dismantle", "regime_status"} <= set(kinds)  # fmt: skip
    assert Counter(us.categories)["exit"] > 100  # bomber exits to the forward airfield


def test_the_databases_fall_on_the_treaty_dates() -> None:
    """New START Protocol Part Four, Section II: the initial database as of entry into force,
    then updates as of 1 March and 1 September, the first (the period beginning 2011-03-01)
    as of 2011-09-01, the last one whose period ends in force as of 2025-09-01."""
    assert DATABASES[:3] == [date(2011, 2, 5), date(2011, 9, 1), date(2012, 3, 1)]
    assert DATABASES[-1] == date(2025, 9, 1) and len(DATABASES) == 1 + 2 * 14 + 1


def test_an_honest_calendar_is_clean_and_every_database_reconciles(
    streams: dict[str, DecadeStream],
) -> None:
    """The data-exchange calendar finds nothing of the US (every database on time, every
    change within its deadline); of Russia only the updates owed after its suspension,
    marked so. Each database lists what the notifications before it replay to."""
    records = [r for s in streams.values() for r in s.records]
    found = calendar(RULES, ledger_regime(records, RULES), records, EXPIRES, ["US", "RU"])
    assert found.counts["US"]["overdue"] == found.counts["US"]["late"] == 0
    assert found.counts["US"]["provided"] > 4_000
    assert {(f.party, f.kind) for f in found.findings} == {("RU", "missing")}
    missing = [e.data_as_of for e in found.entries if e.status == "overdue"]
    assert missing == [d for d in DATABASES if d >= date(2023, 3, 1)]
    assert all(e.suspended for e in found.entries if e.status == "overdue")
    for party, stream in streams.items():
        databases = [r for r in stream.records if r["kind"] == "database"]
        assert len(databases) == {"US": 30, "RU": 24}[party]
        for database in databases:
            assert database["issued_time"] > database["payload"]["as_of"]
            result = reconcile(stream.records, POLICY, party, database["sequence"])
            assert result.discrepancies == (), (party, database["payload"]["as_of"])


def test_streams_end_with_the_regime(streams: dict[str, DecadeStream]) -> None:
    ru = streams["RU"].records
    assert ru[-1]["kind"] == "regime_status"
    assert ru[-1]["payload"]["event"] == "suspension" and ru[-1]["payload"]["party"] == "RU"
    assert ru[-1]["effective_time"] == "2023-02-28T00:00:00Z"
    assert max(r["effective_time"] for r in ru) == "2023-02-28T00:00:00Z"
    us = streams["US"].records
    notes = [(r["effective_time"][:10], r["payload"]["event"]) for r in us
             if r["kind"] == "regime_status"]  # fmt: skip
    assert notes == [("2023-02-28", "suspension"), ("2026-02-05", "expiry")]
    assert us[-1]["kind"] == "regime_status"


def test_effective_order_is_sequence_order(streams: dict[str, DecadeStream]) -> None:
    for stream in streams.values():
        times = [r["effective_time"] for r in stream.records]
        assert times == sorted(times)
        assert [r["sequence"] for r in stream.records] == list(range(1, len(times) + 1))
        assert all(r["issued_time"] > r["effective_time"] for r in stream.records)


def test_every_notification_is_signed_accepted_and_on_time() -> None:
    """Two years of the US stream through the ledger's full checks (schema, signature,
    transitions, containment, capacity, deadlines)."""
    calendar = _calendars()["US"]
    short = PartyCalendar(
        "US", tuple(p for p in calendar.points if p.date <= date(2013, 3, 1)), date(2013, 3, 1)
    )
    stream = decade_stream(short, CATALOG, random.Random(3), database_dates=DATABASES)
    assert sum(r["kind"] == "database" for r in stream.records) == 5  # 2011-02-05 .. 2013-03-01
    state = LedgerState(POLICY, keys={"US": [TEST_KEY.public_key()]})
    outcomes = [state.apply(sign(parse_notification(r), TEST_KEY)) for r in stream.records]
    assert all(o.status == "accepted" and not o.late for o in outcomes)


def test_items_have_uids_bases_and_containment(streams: dict[str, DecadeStream]) -> None:
    stream = streams["US"]
    inventory = state_at(stream.records, POLICY, date(2016, 9, 1)).inventory("US")
    by_uid = {i.uid: i for i in inventory.items}
    assert all(i.uid for i in inventory.items)
    deployed = [i for i in inventory.items if i.kind == "icbm" and i.contained_in]
    assert deployed and all(by_uid[i.contained_in].kind == "icbm_launcher" for i in deployed)
    assert all(i.facility == by_uid[i.contained_in].facility for i in deployed)
    icbm_bases = Counter(i.facility for i in inventory.items if i.kind == "icbm_launcher")
    assert set(icbm_bases) == {"US-MALMSTROM", "US-MINOT-MW", "US-WARREN"}
    assert max(icbm_bases.values()) - min(icbm_bases.values()) <= 1  # equal shares


def test_reserved_items_are_left_alone() -> None:
    """What the exercise's cheater holds back: no notification names a reserved item while
    it is reserved."""
    calendar = _calendars()["RU"]
    reservations = [
        Reservation("rv", "deployed_missile", 4, date(2012, 5, 1), date(2013, 8, 1)),
        Reservation("move", "spare_missile", 1, date(2012, 5, 1), date(2013, 8, 1)),
    ]
    stream = decade_stream(calendar, CATALOG, random.Random(9), reservations=reservations)
    held = {uid for uids in stream.reserved.values() for uid in uids}
    assert len(stream.reserved["rv"]) == 4 and len(held) == 5
    begin, end = "2012-03-02", "2013-09-01"  # the periods holding start and end
    for record in stream.records:
        if begin <= record["effective_time"] < end:
            assert not held & set(mentioned_uids(record["payload"])), record
    # and the numbers still come out (the others carry the changes)
    series = time_series(stream.records, POLICY, RULES, [date(2013, 3, 1)])
    assert series[0].totals["RU"]["deployed_warheads"] == 1480


def test_seeds_change_the_items_not_the_numbers() -> None:
    calendar = _calendars()["US"]
    short = PartyCalendar(
        "US", tuple(p for p in calendar.points if p.date <= date(2012, 3, 1)), date(2012, 3, 1)
    )
    one = decade_stream(short, CATALOG, random.Random(1))
    two = decade_stream(short, CATALOG, random.Random(2))
    assert one.records != two.records
    when = [datetime.fromisoformat("2012-03-01T23:59:59+00:00")]
    assert (
        time_series(one.records, POLICY, RULES, when)[0].totals
        == time_series(two.records, POLICY, RULES, when)[0].totals
    )

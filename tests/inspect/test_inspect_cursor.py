"""The incremental declared state (inspect.cursor.DeclaredCursor) against the full replay
(inspect.findings.declared_state / reconcile_with_ledger, ledger.replay.state_at): same
inventory, same history, same compliance issues, at every moment asked for in order."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from treatyledger.files import load_catalog, load_rule_set
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.inspect.cursor import DeclaredCursor
from treatyledger.inspect.errors import CursorInvalidated
from treatyledger.inspect.findings import InspectionRecord, declared_state, reconcile_with_ledger
from treatyledger.ledger import policy_from_rule_set
from treatyledger.ledger.decade import PartyCalendar, decade_stream, treaty_calendars

RULES = load_rule_set("new-start")
CATALOG = load_catalog()
POLICY = policy_from_rule_set(RULES, CATALOG)


@pytest.fixture(scope="module")
def records() -> list[dict]:  # type: ignore[type-arg]
    dates = RULES.data_dates(date(2011, 2, 5), date(2012, 9, 1))
    calendar = treaty_calendars(read_new_start_aggregates(), dates, date(2026, 2, 5))["RU"]
    short = PartyCalendar("RU", calendar.points, date(2012, 9, 1))
    return decade_stream(short, CATALOG, random.Random(5)).records


def _finding(when: datetime, inventory_items: list, rng: random.Random) -> InspectionRecord:  # type: ignore[type-arg]
    """A finding at a random base that reads some declared missiles with one RV too many,
    and one UID nobody declared: issues with cited notifications."""
    missiles = [i for i in inventory_items if i.kind == "icbm" and i.contained_in]
    chosen = rng.sample(missiles, 3)
    site = chosen[0].facility
    return InspectionRecord(
        id=f"R-{when:%Y%m%d%H%M}",
        inspection_type="type-one",
        inspected_party="RU",
        site=site,
        time=when,
        rvs_observed={m.uid: (m.warheads or 0) + 1 for m in chosen if m.facility == site},
        uids_read=("RU-XX-999999",),
        items_counted={"icbm_launcher": 1},
    )


def test_the_cursor_answers_what_the_full_replay_answers(records: list[dict]) -> None:  # type: ignore[type-arg]
    rng = random.Random(11)
    start = datetime(2011, 2, 6, tzinfo=UTC)
    moments = sorted(start + timedelta(seconds=rng.randrange(570 * 86_400)) for _ in range(6))
    cursor = DeclaredCursor(POLICY, "RU", records)
    for when in moments:
        full = declared_state(records, POLICY, "RU", when)
        cursor.advance(when)
        assert cursor.inventory() == full.inventory
        assert {u: tuple(r) for u, r in cursor.history.items()} == dict(full.history)
        finding = _finding(when, list(full.inventory.items), rng)
        issues = cursor.reconcile(finding)
        assert issues and issues == reconcile_with_ledger(finding, records, POLICY)


def test_records_arriving_later_are_merged_in_order(records: list[dict]) -> None:  # type: ignore[type-arg]
    when = datetime(2011, 9, 1, tzinfo=UTC)
    half = [r for r in records if r["effective_time"] < "2011-10-01"]
    cursor = DeclaredCursor(POLICY, "RU", half)
    cursor.advance(when)
    cursor.extend(records)  # the rest: all effective after the cursor's moment
    later = datetime(2012, 6, 1, tzinfo=UTC)
    cursor.advance(later)
    assert cursor.inventory() == declared_state(records, POLICY, "RU", later).inventory


def test_what_would_rewrite_the_past_invalidates_the_cursor(records: list[dict]) -> None:  # type: ignore[type-arg]
    cursor = DeclaredCursor(POLICY, "RU", records[:10])
    cursor.advance(datetime(2012, 1, 1, tzinfo=UTC))
    with pytest.raises(CursorInvalidated):
        cursor.advance(datetime(2011, 12, 1, tzinfo=UTC))
    early = dict(records[10], effective_time="2011-06-01T00:00:00Z")
    with pytest.raises(CursorInvalidated):
        cursor.extend([early])
    correction = dict(records[11], kind="correction")
    with pytest.raises(CursorInvalidated):
        DeclaredCursor(POLICY, "RU", [correction])

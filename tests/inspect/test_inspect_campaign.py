"""The decade exercise's inspections (inspect.campaign): quotas per treaty year (New START
Protocol Part Five, Section VI: ten Type One and eight Type Two a year), the Protocol's steps
(inspect.procedure) for every inspection, and an inspected party that notifies nothing while
inspectors are at its sites."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from treatyledger.exercise.plan import Exercise, inspections_begin, play
from treatyledger.files import load_rule_set
from treatyledger.inspect.campaign import QUIET_HOURS, plan_inspections, quiet_windows
from treatyledger.inspect.procedure import Phase
from treatyledger.inspect.selection import treaty_year

RULES = load_rule_set("new-start")
ENTRY = date(2011, 2, 5)
#: Protocol Part Five, Section I.2: upon expiration of 60 days after entry into force
BEGIN = date(2011, 4, 6)


def test_the_exercise_begins_inspections_when_the_protocol_allows() -> None:
    assert inspections_begin(RULES) == BEGIN


@pytest.fixture(scope="module")
def exercise() -> Exercise:
    return play("new-start", 7, until=date(2013, 2, 5), volume=0.1, cheater=False)


def test_every_quota_is_used_and_none_exceeded() -> None:
    assert RULES.inspections is not None
    plans = plan_inspections(
        RULES.inspections, ENTRY, [("US", "RU"), ("RU", "US")], random.Random(1),
        begin=inspections_begin(RULES), end=date(2016, 2, 4),
    )  # fmt: skip
    per_year = Counter(
        (p.inspecting, treaty_year(ENTRY, p.arrival.date()), p.inspection_type) for p in plans
    )
    for inspecting in ("US", "RU"):
        for year in range(1, 6):  # five full treaty years
            assert per_year[(inspecting, year, "type-one")] == 10
            assert per_year[(inspecting, year, "type-two")] == 8
    assert min(p.arrival.date() for p in plans) >= BEGIN
    assert max(p.arrival.date() for p in plans) <= date(2016, 2, 4)
    for inspecting in ("US", "RU"):  # one team in the country at a time
        days = sorted(p.arrival.date() for p in plans if p.inspecting == inspecting)
        assert all((b - a).days >= 3 for a, b in itertools.pairwise(days))


def test_inspections_stop_at_the_pause() -> None:
    assert RULES.inspections is not None
    plans = plan_inspections(
        RULES.inspections, ENTRY, [("US", "RU")], random.Random(2),
        begin=inspections_begin(RULES), end=date(2020, 3, 31),
    )  # fmt: skip
    assert max(p.arrival.date() for p in plans) <= date(2020, 3, 31)
    assert len([p for p in plans if p.arrival.date() >= date(2020, 2, 5)]) < 18


def test_every_inspection_follows_the_procedure(exercise: Exercise) -> None:
    for outcome in exercise.campaign.outcomes:
        inspection, record = outcome.inspection, outcome.record
        assert inspection.phase is Phase.COMPLETED and inspection.completed_at == record.time
        assert inspection.notice.arrival >= datetime(2011, 4, 6, tzinfo=UTC)
        assert record.site == inspection.site and record.site in inspection.eligible_sites
        assert set(record.items_examined) <= set(inspection.items)
        assert set(record.rvs_observed) == set(inspection.reentry_vehicle_missiles)
        itype = RULES.inspections.type(outcome.planned.inspection_type)  # type: ignore[union-attr]
        assert itype is not None
        assert itype.max_items is None or len(inspection.items) <= itype.max_items
    kinds = Counter(o.planned.inspection_type for o in exercise.campaign.outcomes)
    assert kinds == {"type-one": 40, "type-two": 32}  # two treaty years, two inspecting parties
    rv_counted = [o for o in exercise.campaign.outcomes if o.record.rvs_observed]
    assert rv_counted  # Type One at missile bases counts the reentry vehicles of one missile


def test_the_inspected_party_keeps_quiet(exercise: Exercise) -> None:
    for party, stream in exercise.streams.items():
        windows = quiet_windows(exercise.plans, party)
        assert windows and all((end - start).total_seconds() == QUIET_HOURS * 3600
                               for start, end in windows)  # fmt: skip
        times = [r["effective_time"] for r in stream.records]
        for start, end in windows:
            low = start.strftime("%Y-%m-%dT%H:%M:%SZ")
            high = end.strftime("%Y-%m-%dT%H:%M:%SZ")
            assert not [t for t in times if low <= t < high]

"""A treaty's worth of inspections: each inspecting party uses its annual quotas (New START:
ten Type One and eight Type Two a treaty year), every inspection follows the Protocol's steps
(``inspect.procedure``: notification of arrival, designated site, pre-inspection
restrictions, designated items, findings), the inspectors see the world as it is
(``inspect.observe``: the declared state, changed by a cheater where one is active) and the
findings are reconciled with the declared state at their time (``inspect.cursor``).

For an active cheat, each inspection's chance of missing it is exact
(``simulation.exact_detection_probability`` of the inspection's pool of sites, each site as
the procedure examines it, one visit chosen uniformly), so the exercise can set the regime's
actual catch against the probability the statistics predict. Pure: records, rule set and the
random source in, outcomes out.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from treatyledger.inspect.cheating import Cheat, CheatPlan, carry_out
from treatyledger.inspect.cursor import DeclaredCursor
from treatyledger.inspect.findings import ComplianceIssue, InspectionRecord
from treatyledger.inspect.observe import Site, items_by_site
from treatyledger.inspect.procedure import (
    ArrivalNotice,
    Inspection,
    ItemDesignation,
    SiteDesignation,
    check_findings,
    completed,
    designate_items,
    designate_site,
    eligible_sites,
    open_inspection,
    restriction_breaches,
)
from treatyledger.inspect.selection import treaty_year
from treatyledger.inspect.simulation import InspectionPool, Scenario, exact_detection_probability
from treatyledger.ledger.decade import DecadeStream
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.rules.schema import Inspections

#: Hours after the arrival: the site designated, the items designated, the findings; the
#: inspected party notifies nothing from the arrival until ``QUIET_HOURS`` after it.
SITE_AT, ITEMS_AT, FINDINGS_AT, QUIET_HOURS = 2, 6, 11, 12
NOTICE_HOURS = 48


@dataclass(frozen=True)
class PlannedInspection:
    id: str
    inspecting: str
    inspected: str
    inspection_type: str
    arrival: datetime

    def at(self, hours: float) -> datetime:
        return self.arrival + timedelta(hours=hours)


def plan_inspections(
    inspections: Inspections,
    entry_into_force: date,
    pairs: Sequence[tuple[str, str]],
    rng: random.Random,
    *,
    begin: date,
    end: date,
) -> list[PlannedInspection]:
    """Every inspection of every (inspecting, inspected) pair from ``begin`` to ``end``: the
    full quota of each type in each treaty year, on days drawn at random (one team in the
    country at a time: at least three days apart), those after ``end`` dropped."""
    plans: list[PlannedInspection] = []
    for inspecting, inspected in pairs:
        taken: list[date] = []
        year = 0
        while (first := _anniversary(entry_into_force, year)) <= end:
            last = _anniversary(entry_into_force, year + 1) - timedelta(days=1)
            low, span = max(first, begin), (last - max(first, begin)).days
            for itype in inspections.types:
                for _ in range(itype.annual_quota if span > 0 else 0):
                    day = _free_day(rng, low, span, taken)
                    taken.append(day)
                    if day > end:
                        continue
                    moment = datetime.combine(day, time(6 + rng.randrange(8)), tzinfo=UTC)
                    number = sum(p.inspecting == inspecting for p in plans) + 1
                    plans.append(
                        PlannedInspection(
                            f"{inspecting}-{inspected}-{number:03d}",
                            inspecting,
                            inspected,
                            itype.id,
                            moment,
                        )
                    )
            year += 1
    return sorted(plans, key=lambda p: (p.arrival, p.id))


def _anniversary(entry_into_force: date, years: int) -> date:
    return entry_into_force.replace(year=entry_into_force.year + years)


def _free_day(rng: random.Random, low: date, span: int, taken: list[date]) -> date:
    def free(day: date) -> bool:
        return all(abs((day - other).days) >= 3 for other in taken)

    for _ in range(100):
        day = low + timedelta(days=rng.randrange(span))
        if free(day):
            return day
    # a crowded year: any free day (the procedure refuses two teams in the country at once)
    days = [d for n in range(span) if free(d := low + timedelta(days=n))]
    return rng.choice(days) if days else low + timedelta(days=rng.randrange(span))


def quiet_windows(
    plans: Sequence[PlannedInspection], inspected: str
) -> list[tuple[datetime, datetime]]:
    """When ``inspected`` notifies nothing: from each arrival to ``QUIET_HOURS`` after."""
    return [(p.arrival, p.at(QUIET_HOURS)) for p in plans if p.inspected == inspected]


@dataclass(frozen=True)
class InspectionOutcome:
    planned: PlannedInspection
    inspection: Inspection
    record: InspectionRecord
    issues: tuple[ComplianceIssue, ...]
    #: probability that this inspection missed the active cheat of its inspected party
    #: (1.0 where none is active)
    miss: float
    cheat_active: bool

    @property
    def clean(self) -> bool:
        return not self.issues


@dataclass
class CampaignResult:
    outcomes: list[InspectionOutcome] = field(default_factory=list)
    cheat: Cheat | None = None

    def of_cheater(self) -> list[InspectionOutcome]:
        if self.cheat is None:
            return []
        party = self.cheat.party
        return [o for o in self.outcomes if o.planned.inspected == party and o.cheat_active]

    @property
    def caught(self) -> InspectionOutcome | None:
        """The first inspection that found the cheat."""
        return next((o for o in self.of_cheater() if o.issues), None)

    @property
    def predicted(self) -> float:
        """Probability the inspections of the cheat's span find it (exact, per inspection)."""
        missed = 1.0
        for outcome in self.of_cheater():
            missed *= outcome.miss
        return 1.0 - missed

    def curve(self) -> list[tuple[date, float]]:
        """Predicted probability of having caught the cheat by each inspection's date."""
        points, missed = [], 1.0
        for outcome in self.of_cheater():
            missed *= outcome.miss
            points.append((outcome.planned.arrival.date(), 1.0 - missed))
        return points


class _Party:
    """One inspected party: its records in effective order and the declared-state cursor."""

    def __init__(self, stream: DecadeStream, policy: LedgerPolicy):
        self.stream = stream
        self.records = stream.records
        self.times = [r["effective_time"] for r in stream.records]
        self.cursor = DeclaredCursor(policy, stream.party, stream.records)

    def between(self, start: datetime, end: datetime) -> Sequence[Mapping[str, Any]]:
        low = bisect.bisect_left(self.times, _text(start))
        high = bisect.bisect_right(self.times, _text(end))
        return self.records[low:high]


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def run_campaign(
    plans: Sequence[PlannedInspection],
    streams: Mapping[str, DecadeStream],
    policy: LedgerPolicy,
    inspections: Inspections,
    entry_into_force: date,
    rng: random.Random,
    cheat_plan: CheatPlan | None = None,
) -> CampaignResult:
    """Conduct every planned inspection in time order against ``streams`` (the declared
    states), with ``cheat_plan`` carried out by its party from its start."""
    parties = {p: _Party(s, policy) for p, s in streams.items()}
    result = CampaignResult()
    done: dict[str, list[tuple[str, date]]] = {}
    conducted: dict[str, list[Inspection]] = {}
    for planned in plans:
        if (
            cheat_plan is not None
            and result.cheat is None
            and planned.arrival.date() >= cheat_plan.start
        ):
            result.cheat = _carry_out(cheat_plan, parties[cheat_plan.party], rng)
        party = parties[planned.inspected]
        already = done.setdefault(planned.inspecting, [])
        earlier = conducted.setdefault(planned.inspecting, [])
        outcome = _conduct(
            planned, party, inspections, entry_into_force, (already, earlier), rng, result.cheat
        )
        already.append((planned.inspection_type, planned.arrival.date()))
        earlier.append(outcome.inspection)
        result.outcomes.append(outcome)
    if cheat_plan is not None and result.cheat is None:
        result.cheat = _carry_out(cheat_plan, parties[cheat_plan.party], rng)
    return result


def _carry_out(plan: CheatPlan, party: _Party, rng: random.Random) -> Cheat:
    start = datetime.combine(plan.start, time(), tzinfo=UTC)
    cursor = party.cursor
    if start < cursor.time:  # the plan began before the cursor's moment: replay to its start
        cursor = DeclaredCursor(cursor.state.policy, party.stream.party, party.records)
    cursor.advance(max(start, cursor.time))
    return carry_out(plan, party.stream, cursor.inventory(), rng)


def _conduct(
    planned: PlannedInspection,
    party: _Party,
    inspections: Inspections,
    entry_into_force: date,
    earlier: tuple[list[tuple[str, date]], list[Inspection]],
    rng: random.Random,
    cheat: Cheat | None,
) -> InspectionOutcome:
    notice = ArrivalNotice(
        id=planned.id,
        inspection_type=planned.inspection_type,
        inspecting_party=planned.inspecting,
        inspected_party=planned.inspected,
        arrival=planned.arrival,
        notified_at=planned.at(-NOTICE_HOURS),
    )
    inspection = open_inspection(notice, inspections, entry_into_force, *earlier)
    itype = inspections.type(planned.inspection_type)
    assert itype is not None
    designated_at = planned.at(SITE_AT)
    party.cursor.advance(designated_at)
    declared = party.cursor.inventory()
    sites = eligible_sites(declared, itype, planned.inspected)
    names = sorted(sites)
    name = names[rng.randrange(len(names))]
    inspection = designate_site(inspection, SiteDesignation(site=name, designated_at=designated_at),
                                declared, inspections)  # fmt: skip
    by_uid, here = items_by_site(declared)
    day = designated_at.date()
    site_views = {
        n: Site(n, str(declared.facilities[n].type), here.get(n, []), by_uid, cheat, day)
        for n in names
    }
    seen = site_views[name].observe(itype, sites[name], rng)
    inspection = designate_items(
        inspection,
        ItemDesignation(
            items=tuple(seen.designated),
            reentry_vehicle_missiles=tuple(seen.rv_missiles),
            designated_at=planned.at(ITEMS_AT),
        ),
        declared,
        inspections,
    )
    record = InspectionRecord(
        id=planned.id,
        inspection_type=planned.inspection_type,
        inspected_party=planned.inspected,
        site=name,
        time=planned.at(FINDINGS_AT),
        **seen.record_fields(),
    )
    check_findings(inspection, record, inspections)
    inspection = completed(inspection, record)
    issues = party.cursor.reconcile(record)
    window = party.between(planned.at(0), planned.at(QUIET_HOURS))
    issues += restriction_breaches(inspection, window, declared, record)
    active = cheat is not None and cheat.party == planned.inspected and cheat.active(day)
    miss = 1.0
    if active:
        pool = InspectionPool(planned.inspection_type, 1,
                              tuple(site_views[n].layout(itype) for n in names), True)  # fmt: skip
        miss = 1.0 - exact_detection_probability(Scenario(planned.id, (pool,)))
    return InspectionOutcome(planned, inspection, record, tuple(issues), miss, active)


def treaty_year_of(plan: PlannedInspection, entry_into_force: date) -> int:
    return treaty_year(entry_into_force, plan.arrival.date())

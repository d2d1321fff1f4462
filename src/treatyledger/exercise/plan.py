"""What the exercise generates: both parties' calendars from the bundled official aggregates
and the rule set's data dates (optionally cut short for tests), and their streams
(``ledger.decade``), signed with each party's key."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from treatyledger.files import load_catalog, load_rule_set
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.inspect.campaign import (
    CampaignResult,
    PlannedInspection,
    plan_inspections,
    quiet_windows,
    run_campaign,
)
from treatyledger.inspect.cheating import CheatPlan, choose_cheat
from treatyledger.ledger import policy_from_rule_set, sign
from treatyledger.ledger.calendar import update_dates
from treatyledger.ledger.decade import (
    DecadeStream,
    PartyCalendar,
    Reservation,
    RoutineVolume,
    decade_stream,
    treaty_calendars,
)
from treatyledger.ledger.synthetic import AggregatePoint
from treatyledger.model.notifications import Notification
from treatyledger.rules.regime import regime_status
from treatyledger.rules.schema import RuleSet

PARTIES = ("US", "RU")
#: Inspections ran from when the rule set lets them begin (New START: 2011-04-06, Protocol
#: Part Five, Section I.2; ``inspections_begin``) until March 2020, when the parties paused
#: them for COVID-19; they never resumed (State Dept., New START implementation reports
#: 2020-2023; Russia also barred US inspections from 2022-08-08).
INSPECTIONS_PAUSED = date(2020, 3, 31)
PAIRS = (("US", "RU"), ("RU", "US"))  # (inspecting, inspected)


@dataclass
class Exercise:
    """Everything the exercise plays, before any node is involved: the streams, the
    inspections (planned, and conducted on the declared states), the cheat if any."""

    streams: dict[str, DecadeStream]
    plans: list[PlannedInspection]
    campaign: CampaignResult
    cheat_plan: CheatPlan | None


def inspections_begin(rule_set: RuleSet) -> date:
    """The first day a team may arrive: the rule set's ``[inspections.begin]`` (00:00 GMT of
    that day), else entry into force."""
    entry = rule_set.treaty.entry_into_force
    assert rule_set.inspections is not None and entry is not None
    begin = rule_set.inspections.begin
    return begin.first_arrival(entry).date() if begin is not None else entry


def official_points(party: str, until: date | None = None) -> list[AggregatePoint]:
    """The bundled official rows of ``party`` (up to ``until``)."""
    return [p for p in read_new_start_aggregates(party=party) if until is None or p.date <= until]


def calendars(rule_set: RuleSet, until: date | None = None) -> dict[str, PartyCalendar]:
    """Both parties' calendars from entry into force to expiry (or ``until``)."""
    treaty = rule_set.treaty
    assert treaty.entry_into_force is not None and treaty.expires is not None
    dates = rule_set.data_dates(treaty.entry_into_force, treaty.expires)
    found = treaty_calendars(read_new_start_aggregates(), dates, treaty.expires, PARTIES)
    if until is None:
        return found
    return {
        party: replace(
            calendar,
            points=tuple(p for p in calendar.points if p.date <= until),
            stops=min(calendar.stops, until),
            stop_reason=calendar.stop_reason
            if calendar.stops <= until
            else f"the exercise was cut short at {until}",
            regime_notes=tuple(n for n in calendar.regime_notes if n.day <= until),
        )
        for party, calendar in found.items()
    }


def exchange_dates(rule_set: RuleSet) -> list[date]:
    """The data dates of the databases the treaty asks for: the initial one (entry into
    force), then every periodic update (``ledger.calendar.update_dates``, the calendar's own
    rule)."""
    treaty = rule_set.treaty
    assert treaty.entry_into_force is not None and treaty.expires is not None
    updates = update_dates(rule_set, regime_status(rule_set), treaty.expires)
    return [treaty.entry_into_force, *updates]


def generate(
    rule_set_name: str,
    seed: int,
    *,
    until: date | None = None,
    volume: float = 1.0,
    reservations: Mapping[str, Sequence[Reservation]] | None = None,
    quiet: Mapping[str, Sequence[tuple[datetime, datetime]]] | None = None,
    parties: Sequence[str] = PARTIES,
) -> dict[str, DecadeStream]:
    """The parties' streams, each from its own random source derived from ``seed``."""
    rule_set = load_rule_set(rule_set_name)
    catalog = load_catalog()
    routine = RoutineVolume().scaled(volume)
    databases = exchange_dates(rule_set)
    return {
        party: decade_stream(
            calendar,
            catalog,
            random.Random(f"{seed}:{party}"),
            volume=routine,
            reservations=(reservations or {}).get(party, ()),
            treaty=rule_set.regime_id,
            quiet=(quiet or {}).get(party, ()),
            database_dates=databases,
        )
        for party, calendar in calendars(rule_set, until).items()
        if party in parties
    }


def play(
    rule_set_name: str,
    seed: int,
    *,
    until: date | None = None,
    volume: float = 1.0,
    cheater: bool | CheatPlan = True,
    inspected: Sequence[str] = PARTIES,
) -> Exercise:
    """The exercise's pure core: inspections planned from the seed (full quotas from
    ``inspections_begin`` to the pause of March 2020), a cheater drawn from the seed
    (``cheater=True``; a given plan, or none), the streams generated around both (the
    cheater keeps its items out of its declared operations, every party keeps quiet while
    inspected) and the inspections conducted on the declared states. ``inspected`` limits
    the parties generated and inspected (the scenario test inspects only the cheater)."""
    rule_set = load_rule_set(rule_set_name)
    catalog = load_catalog()
    assert rule_set.inspections is not None and rule_set.treaty.entry_into_force is not None
    entry = rule_set.treaty.entry_into_force
    cal = calendars(rule_set, until)
    end = min(INSPECTIONS_PAUSED, until or INSPECTIONS_PAUSED)
    pairs = [pair for pair in PAIRS if pair[1] in inspected]
    begin = inspections_begin(rule_set)
    plans = plan_inspections(
        rule_set.inspections, entry, pairs, random.Random(f"{seed}:plans"),
        begin=begin, end=end,
    )  # fmt: skip
    if cheater is True:
        rng = random.Random(f"{seed}:cheat")
        who = [p for p in PARTIES if p in inspected]
        party = rng.choice(who)
        last = min(cal[party].stops - timedelta(days=1), until or cal[party].stops)
        # it starts while inspections run (begun after the pause, no inspection could catch
        # it: a plan can still say so); it may last beyond the pause
        latest = INSPECTIONS_PAUSED - timedelta(days=365)
        cheat_plan: CheatPlan | None = choose_cheat(rng, [party], begin, last, latest_start=latest)
    else:
        cheat_plan = cheater or None
    reservations = {cheat_plan.party: cheat_plan.reservations()} if cheat_plan else {}
    quiet = {p: quiet_windows(plans, p) for p in inspected}
    streams = generate(rule_set_name, seed, until=until, volume=volume,
                       reservations=reservations, quiet=quiet, parties=inspected)  # fmt: skip
    policy = policy_from_rule_set(rule_set, catalog)
    campaign = run_campaign(plans, streams, policy, rule_set.inspections, entry,
                            random.Random(f"{seed}:inspectors"), cheat_plan)  # fmt: skip
    return Exercise(streams, plans, campaign, cheat_plan)


def signed_records(stream: DecadeStream, signing_key: Any) -> list[dict[str, Any]]:
    return [
        sign(Notification.model_validate(r), signing_key).to_json_dict() for r in stream.records
    ]

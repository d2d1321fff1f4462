"""What the exercise generates: both parties' calendars from the bundled official aggregates
and the rule set's data dates (optionally cut short for tests), and their streams
(``ledger.decade``), signed with each party's key."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from treatyledger.files import load_catalog, load_rule_set
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger import sign
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
from treatyledger.rules.schema import RuleSet

PARTIES = ("US", "RU")


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
            regime_notes=tuple(n for n in calendar.regime_notes if n.day <= until),
        )
        for party, calendar in found.items()
    }


def generate(
    rule_set_name: str,
    seed: int,
    *,
    until: date | None = None,
    volume: float = 1.0,
    reservations: dict[str, Sequence[Reservation]] | None = None,
) -> dict[str, DecadeStream]:
    """Both parties' streams, each from its own random source derived from ``seed``."""
    rule_set = load_rule_set(rule_set_name)
    catalog = load_catalog()
    routine = RoutineVolume().scaled(volume)
    return {
        party: decade_stream(
            calendar,
            catalog,
            random.Random(f"{seed}:{party}"),
            volume=routine,
            reservations=(reservations or {}).get(party, ()),
            treaty=rule_set.regime_id,
        )
        for party, calendar in calendars(rule_set, until).items()
    }


def signed_records(stream: DecadeStream, signing_key: Any) -> list[dict[str, Any]]:
    return [
        sign(Notification.model_validate(r), signing_key).to_json_dict() for r in stream.records
    ]

"""Regime status: whether a treaty is in force on a day and whether a party provides its data.

A rule set carries the treaty's own dates (entry into force, expiry); the ledger carries what
happened to the treaty as ``regime_status`` notifications (``model.notifications.
RegimeStatusPayload``): entry into force, extension, suspension and resumption by a party,
expiry, supersession. ``regime_status(rule_set, events)`` folds both into one
``RegimeStatus``: events override the rule set's dates, in effective order (a later
extension wins over an earlier one), so a ledger without regime events keeps the treaty
text's dates. Every count, series and public view asks the same value:

- ``in_force(day)``: from entry into force through the last day in force, the expiry day
  itself included (as ``RuleSet.limit_in_force`` reads it) and the supersession day excluded
  (a superseded treaty terminates as of its successor's entry into force);
- ``limits_apply(day)`` / ``no_limit_reason(day)``: no limit is in force outside that span;
- ``suspension(party, day)``: the suspension holding on ``day`` (from its effective date up
  to the day before a resumption);
- ``applied(rule_set)``: the rule set with the regime's dates, so the counting engine's
  limits follow the ledger (after an expiry or supersession it reports no limit).

Pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from treatyledger.model.notifications import RegimeEvent
from treatyledger.rules.schema import RuleSet


@dataclass(frozen=True)
class RegimeEventRecord:
    """One regime event as a ledger notified it (``notified_by`` / ``sequence`` name the
    notification; both None for an event taken from elsewhere, e.g. a test)."""

    treaty: str
    event: RegimeEvent
    effective: date
    party: str | None = None
    until: date | None = None
    superseded_by: str | None = None
    reference: str = ""
    notified_by: str | None = None
    sequence: int | None = None

    @property
    def ref(self) -> str | None:
        return None if self.notified_by is None else f"{self.notified_by}#{self.sequence}"

    def to_json_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "treaty": self.treaty,
            "event": self.event.value,
            "effective": self.effective.isoformat(),
            "party": self.party,
            "until": self.until.isoformat() if self.until else None,
            "superseded_by": self.superseded_by,
            "reference": self.reference,
            "notification": self.ref,
        }
        return data


@dataclass(frozen=True)
class Suspension:
    """``party`` suspended its participation from ``start`` (inclusive) to ``end``
    (exclusive: the resumption's effective date; None while it lasts)."""

    party: str
    start: date
    end: date | None
    reference: str
    notification: str | None

    def holds(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "reference": self.reference,
            "notification": self.notification,
        }


@dataclass(frozen=True)
class RegimeStatus:
    """A treaty's life on one ledger (see the module doc)."""

    rule_set: str
    treaty: str
    entry_into_force: date | None
    expires: date | None
    superseded_on: date | None = None
    superseded_by: str | None = None
    suspensions: tuple[Suspension, ...] = ()
    events: tuple[RegimeEventRecord, ...] = ()

    @property
    def last_day_in_force(self) -> date | None:
        """The expiry day, or the day before the supersession, whichever is first."""
        ends = [d for d in (self.expires,) if d is not None]
        if self.superseded_on is not None:
            ends.append(self.superseded_on - timedelta(days=1))
        return min(ends) if ends else None

    def in_force(self, day: date) -> bool:
        if self.entry_into_force is not None and day < self.entry_into_force:
            return False
        last = self.last_day_in_force
        return last is None or day <= last

    def phase(self, day: date) -> str:
        """``not_yet_in_force``, ``in_force``, ``expired`` or ``superseded`` on ``day``."""
        if self.entry_into_force is not None and day < self.entry_into_force:
            return "not_yet_in_force"
        superseded = self.superseded_on
        # superseded before it would have expired: that is how it ended
        ended_by_successor = superseded is not None and (
            self.expires is None or superseded <= self.expires
        )
        if ended_by_successor and superseded is not None and day >= superseded:
            return "superseded"
        if self.expires is not None and day > self.expires:
            return "expired"
        return "in_force"

    def limits_apply(self, day: date) -> bool:
        return self.in_force(day)

    def no_limit_reason(self, day: date) -> str | None:
        """Why no limit of the treaty is in force on ``day`` (None while it is in force)."""
        phase = self.phase(day)
        if phase == "not_yet_in_force":
            return f"{self.treaty} is not yet in force (entry into force {self.entry_into_force})"
        if phase == "superseded":
            return (
                f"{self.treaty} was superseded by {self.superseded_by} on "
                f"{self.superseded_on}: no limit is in force"
            )
        if phase == "expired":
            return f"{self.treaty} expired on {self.expires}: no limit is in force"
        return None

    def suspension(self, party: str, day: date) -> Suspension | None:
        """The suspension by ``party`` holding on ``day``, if any."""
        for suspension in self.suspensions:
            if suspension.party == party and suspension.holds(day):
                return suspension
        return None

    def applied(self, rule_set: RuleSet) -> RuleSet:
        """``rule_set`` with this regime's dates: its limits end on the last day in force."""
        treaty = rule_set.treaty.model_copy(
            update={
                "entry_into_force": self.entry_into_force,
                "expires": self.last_day_in_force,
            }
        )
        return rule_set.model_copy(update={"treaty": treaty})

    def to_json_dict(self) -> dict[str, Any]:
        def iso(day: date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "rule_set": self.rule_set,
            "treaty": self.treaty,
            "entry_into_force": iso(self.entry_into_force),
            "expires": iso(self.expires),
            "superseded_on": iso(self.superseded_on),
            "superseded_by": self.superseded_by,
            "suspensions": [s.to_json_dict() for s in self.suspensions],
            "events": [e.to_json_dict() for e in self.events],
        }


def regime_status(rule_set: RuleSet, events: Iterable[RegimeEventRecord] = ()) -> RegimeStatus:
    """The regime of ``rule_set``'s treaty: its own dates, overridden by the ledger's events
    about it (``event.treaty == rule_set.regime_id``), applied in effective order."""
    treaty = rule_set.regime_id
    mine = sorted(
        (e for e in events if e.treaty == treaty),
        key=lambda e: (e.effective, e.notified_by or "", e.sequence or 0),
    )
    entry = rule_set.treaty.entry_into_force
    expires = rule_set.treaty.expires
    superseded_on: date | None = None
    superseded_by: str | None = None
    open_suspensions: dict[str, RegimeEventRecord] = {}
    suspensions: list[Suspension] = []
    for event in mine:
        kind = event.event
        if kind is RegimeEvent.ENTRY_INTO_FORCE:
            entry = event.effective
        elif kind is RegimeEvent.EXTENSION:
            expires = event.until
        elif kind is RegimeEvent.EXPIRY:
            expires = event.effective
        elif kind is RegimeEvent.SUPERSESSION:
            superseded_on, superseded_by = event.effective, event.superseded_by
        elif kind is RegimeEvent.SUSPENSION and event.party is not None:
            # a second notice of a suspension that holds (the other party's record of it)
            # does not move its start
            open_suspensions.setdefault(event.party, event)
        elif kind is RegimeEvent.RESUMPTION and event.party in open_suspensions:
            started = open_suspensions.pop(event.party)
            suspensions.append(_suspension(started, event.effective))
    suspensions.extend(_suspension(e, None) for e in open_suspensions.values())
    return RegimeStatus(
        rule_set=rule_set.id,
        treaty=treaty,
        entry_into_force=entry,
        expires=expires,
        superseded_on=superseded_on,
        superseded_by=superseded_by,
        suspensions=tuple(sorted(suspensions, key=lambda s: (s.start, s.party))),
        events=tuple(mine),
    )


def _suspension(start: RegimeEventRecord, end: date | None) -> Suspension:
    assert start.party is not None
    return Suspension(start.party, start.effective, end, start.reference, start.ref)

"""What each party verified of the other: the counts it computed from its verified mirror at
every data date, beside the official figure where the reference set has one and the limits in
force; gaps as gaps (a data date after a party's suspension is "not provided", its last
figures "stale since" their date, never re-shown as current).

Every official match is a *reproduction of the input*: the streams were generated to give
those aggregates (``ledger.decade``), so a match proves the plumbing (sign, log, mirror,
count), not the forces. The labels say so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine

from treatyledger.ledger.decade import PartyCalendar, Provenance
from treatyledger.ledger.regime import ledger_regime
from treatyledger.node.views import party_records, series, treaty
from treatyledger.report.summary import CATEGORIES

CATEGORY_IDS = tuple(cid for cid, _ in CATEGORIES)


@dataclass(frozen=True)
class VerifiedRow:
    data_date: date
    party: str
    verified_by: str
    #: category -> total counted from the verified mirror (None: not provided)
    counted: dict[str, int] | None
    #: the official aggregate (None where the reference set has no row)
    official: dict[str, int] | None
    #: official | interpolated | held | not_provided
    provenance: str
    #: category -> limit in force on the date (None: no limit binds, or the regime is off)
    limits: dict[str, int | None]
    note: str = ""

    @property
    def matches(self) -> bool | None:
        if self.official is None or self.counted is None:
            return None
        return all(self.counted.get(c) == v for c, v in self.official.items())

    @property
    def over_limit(self) -> list[str]:
        if self.counted is None:
            return []
        return [
            c for c, limit in self.limits.items() if limit is not None and self.counted[c] > limit
        ]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "data_date": self.data_date.isoformat(),
            "party": self.party,
            "verified_by": self.verified_by,
            "counted": self.counted,
            "official": self.official,
            "provenance": self.provenance,
            "limits": self.limits,
            "matches": self.matches,
            "note": self.note,
        }


def _official(point: Any) -> dict[str, int]:
    return {
        "deployed_delivery_vehicles": point.deployed_delivery_vehicles,
        "deployed_warheads": point.deployed_warheads,
        "deployed_and_nondeployed_launchers": point.deployed_and_nondeployed_launchers,
    }


def verified_rows(
    verifier_engine: Engine,
    verifier: str,
    subject: str,
    calendar: PartyCalendar,
    dates: list[date],
    rules: str,
) -> list[VerifiedRow]:
    """``subject``'s rows on ``dates`` as ``verifier`` counts them from its mirror."""
    the_treaty = treaty(verifier_engine, rules)
    rule_set = the_treaty.rule_set
    mirror = party_records(verifier_engine, subject)
    own = party_records(verifier_engine, verifier)
    regime = ledger_regime([*own, *mirror], rule_set)
    planned = {p.date: p for p in calendar.points}
    counted = dict(series(mirror, the_treaty, subject, dates))
    rows = []
    for when in dates:
        limits = {
            c: rule_set.limit_for(c, when) if regime.limits_apply(when) else None
            for c in CATEGORY_IDS
        }
        suspension = regime.suspension(subject, when)
        plan = planned.get(when)
        if plan is None or suspension is not None:
            last = max((p.date for p in calendar.points if p.date <= when), default=None)
            since = f"; last data as of {last}, stale since then" if last else ""
            why = f"suspended since {suspension.start}" if suspension else "no data provided"
            rows.append(
                VerifiedRow(
                    when,
                    subject,
                    verifier,
                    None,
                    None,
                    "not_provided",
                    limits,
                    f"not provided: {why}{since}",
                )
            )
            continue
        official = _official(plan.point) if plan.provenance is Provenance.OFFICIAL else None
        note = "" if official else f"no official figure: {plan.point.source}"
        rows.append(
            VerifiedRow(
                when,
                subject,
                verifier,
                {c: counted[when].get(c, 0) for c in CATEGORY_IDS},
                official,
                plan.provenance.value,
                limits,
                note,
            )
        )
    return rows

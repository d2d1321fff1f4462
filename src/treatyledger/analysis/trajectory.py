"""Force levels over time: counts from the notifications at each date, the limits with the
dates they bind from, and the official aggregates overlaid where the party matches.

The counts come from ``treatyledger.ledger.time_series`` (one pass over the notifications);
this module only arranges them with the rule set's limits and the published figures. The
official New START aggregates carry the three central numbers, whose names are the category
ids of the ``new-start`` rule set; they are overlaid on categories of the same id only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from treatyledger.ledger.synthetic import AggregatePoint
from treatyledger.rules import RuleSet

OFFICIAL_CATEGORIES = (
    "deployed_delivery_vehicles",
    "deployed_warheads",
    "deployed_and_nondeployed_launchers",
)


class SeriesPointLike(Protocol):
    @property
    def when(self) -> date | datetime: ...

    @property
    def totals(self) -> Mapping[str, Mapping[str, int]]: ...


@dataclass(frozen=True)
class LimitPhase:
    category: str
    value: int
    binding_from: date


@dataclass(frozen=True)
class Exceedance:
    when: date
    category: str
    total: int
    limit: int


@dataclass(frozen=True)
class Trajectory:
    party: str
    rule_set: str
    dates: tuple[date, ...]
    series: Mapping[str, tuple[int, ...]]  # category -> total at each date
    limits: Mapping[str, tuple[LimitPhase, ...]]  # category -> phases in date order
    official: Mapping[str, tuple[tuple[date, int], ...]]  # category -> published figures

    def limit_on(self, category: str, when: date) -> int | None:
        phases = [p for p in self.limits.get(category, ()) if p.binding_from <= when]
        return phases[-1].value if phases else None

    def exceedances(self) -> list[Exceedance]:
        """Every date on which a total is above the limit then in force."""
        found = []
        for category, totals in self.series.items():
            for when, total in zip(self.dates, totals, strict=True):
                limit = self.limit_on(category, when)
                if limit is not None and total > limit:
                    found.append(Exceedance(when, category, total, limit))
        return found

    def differences_from_official(self) -> dict[str, list[tuple[date, int, int]]]:
        """Per category, (date, counted, official) wherever a counted date has a figure."""
        by_date = dict(zip(self.dates, range(len(self.dates)), strict=True))
        result: dict[str, list[tuple[date, int, int]]] = {}
        for category, figures in self.official.items():
            rows = [
                (when, self.series[category][by_date[when]], value)
                for when, value in figures
                if when in by_date and category in self.series
            ]
            if rows:
                result[category] = rows
        return result

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "rule_set": self.rule_set,
            "dates": [d.isoformat() for d in self.dates],
            "series": {c: list(v) for c, v in self.series.items()},
            "limits": {
                c: [{"value": p.value, "binding_from": p.binding_from.isoformat()} for p in phases]
                for c, phases in self.limits.items()
            },
            "official": {
                c: [{"date": d.isoformat(), "value": v} for d, v in figures]
                for c, figures in self.official.items()
            },
            "exceedances": [
                {
                    "date": e.when.isoformat(),
                    "category": e.category,
                    "total": e.total,
                    "limit": e.limit,
                }
                for e in self.exceedances()
            ],
        }


def _day(when: date | datetime) -> date:
    return when.date() if isinstance(when, datetime) else when


def trajectory(
    points: Sequence[SeriesPointLike],
    rule_set: RuleSet,
    party: str,
    official: Iterable[AggregatePoint] = (),
) -> Trajectory:
    """Arrange ``points`` (from ``ledger.time_series``) for ``party`` under ``rule_set``; the
    official figures of ``party`` within the dates counted are overlaid."""
    ordered = sorted(points, key=lambda p: _day(p.when))
    dates = tuple(_day(p.when) for p in ordered)
    categories = [c.id for c in rule_set.categories]
    series = {c: tuple(int(p.totals.get(party, {}).get(c, 0)) for p in ordered) for c in categories}
    limits = {
        c: tuple(
            LimitPhase(c, li.value, li.from_)
            for li in sorted(rule_set.limits, key=lambda li: li.from_)
            if li.category == c
        )
        for c in categories
    }
    overlay: dict[str, list[tuple[date, int]]] = {}
    for row in sorted(official, key=lambda r: r.date):
        # the figures of the same party, within the span counted
        if row.party != party or not dates or not dates[0] <= row.date <= dates[-1]:
            continue
        for c in OFFICIAL_CATEGORIES:
            if c in series:
                overlay.setdefault(c, []).append((row.date, int(getattr(row, c))))
    return Trajectory(
        party=party,
        rule_set=rule_set.id,
        dates=dates,
        series=series,
        limits={c: phases for c, phases in limits.items() if phases},
        official={c: tuple(v) for c, v in overlay.items()},
    )

"""The exercise's independent checks: official figures its streams were NOT generated from,
compared with what was generated and verified. The streams are generated from the official
aggregates (so every aggregate match is a reproduction of the input); these figures are not
among the generator's inputs:

- the per-type split of the US force of 2020-09-01 (State Department fact sheet of
  2020-12-01, the bundled ``us-2020-09-01`` force's per-kind checks), counted from Russia's
  verified mirror of the US log: the generator splits each aggregate among the legs by fixed
  shares (``ledger.decade.structure``, from the 2011 breakdown), so this tests that assumption;
- the notification volume both parties had exchanged by two dates (lower bounds,
  ``data/reference/new_start_notification_totals.csv``): the generator's routine volume is an
  assumption of the order of the real one (``ledger.decade.RoutineVolume``).

They judge how realistic the generated forces are, not whether the software verified them:
the demo reports them and does not fail on them."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from typing import Any

from treatyledger.files import load_catalog, load_force, load_rule_set
from treatyledger.ledger import policy_from_rule_set
from treatyledger.ledger.decade import DecadeStream
from treatyledger.ledger.records import Record
from treatyledger.ledger.replay import state_at
from treatyledger.rules.evidence import check_force

PER_TYPE_FORCE = "us-2020-09-01"
_KIND_LABEL = {
    "icbm_launcher": "ICBM launchers",
    "slbm_launcher": "SLBM launchers",
    "heavy_bomber": "heavy bombers",
    "icbm": "ICBMs",
    "slbm": "SLBMs",
}


def per_type_date() -> date:
    """The day of the per-type figures."""
    return load_force(PER_TYPE_FORCE).force.as_of


@dataclass(frozen=True)
class IndependentCheck:
    what: str
    official: int
    generated: int
    #: "matches" | "differs" for a figure; "at least" | "below" for a lower bound
    verdict: str
    source: str
    note: str

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "official": self.official,
            "generated": self.generated,
            "verdict": self.verdict,
            "source": self.source,
            "note": self.note,
        }


def per_type_checks(records: Sequence[Record], rules: str) -> list[IndependentCheck]:
    """The US per-kind figures of 2020-09-01 counted from ``records`` (a verified mirror of
    the US log)."""
    force = load_force(PER_TYPE_FORCE)
    day = force.force.as_of
    catalog = load_catalog()
    policy = policy_from_rule_set(load_rule_set(rules), catalog)
    inventory = state_at(records, policy, day).inventory(force.force.party)
    found = []
    for result in check_force(force, load_rule_set, catalog, inventory):
        check = result.check
        if check.kind is None:  # the aggregate itself: an input of the generator
            continue
        found.append(
            IndependentCheck(
                what=f"US {_KIND_LABEL.get(check.kind, check.kind)} "
                f"({check.category.replace('_', ' ')}), {day}",
                official=check.official,
                generated=result.counted,
                verdict="matches" if result.matches else "differs",
                source=f"data/forces/{PER_TYPE_FORCE}.toml (State Department fact sheet of "
                "2020-12-01)",
                note="the generator shares each aggregate among the legs by fixed shares "
                "(ledger.decade.structure), an assumption",
            )
        )
    return found


def volume_checks(streams: Mapping[str, DecadeStream], until: date) -> list[IndependentCheck]:
    """Notifications both streams had issued by each date of the reference totals (up to
    ``until``, the exercise's end)."""
    text = files("treatyledger").joinpath("data", "reference", _TOTALS).read_text("utf-8")
    issued = sorted(
        r["issued_time"][:10]
        for s in streams.values()
        for r in s.records
        if r["kind"] != "regime_status"  # this software's notes, not treaty notifications
    )
    found = []
    for row in csv.DictReader(io.StringIO(text)):
        day, bound = row["date"], int(row["notifications_exchanged_over"])
        if date.fromisoformat(day) > until:
            continue
        generated = sum(1 for when in issued if when <= day)
        found.append(
            IndependentCheck(
                what=f"notifications exchanged by {day}, both parties",
                official=bound,
                generated=generated,
                verdict="at least" if generated >= bound else "below",
                source=f"data/reference/{_TOTALS} ({row['source']})",
                note="the notification totals are lower bounds ('over'), the generator's "
                f"routine volume an assumption (ledger.decade.RoutineVolume); the generated "
                f"volume is {generated / bound:.0%} of it",
            )
        )
    return found


_TOTALS = "new_start_notification_totals.csv"

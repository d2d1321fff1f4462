"""A cheater for the decade exercise: one party follows one of the simulation's cheating
strategies (``inspect.simulation``) for part of the treaty, and the world the inspectors see
differs from what it declared.

- ``extra_rvs``: reentry vehicles beyond the declared number on ``size`` deployed missiles,
  never notified (``simulation.extra_rvs_scenario``); found when a Type One inspection counts
  the reentry vehicles on one of them.
- ``undeclared_warheads``: ``size`` warheads hidden at a missile storage site, never declared
  (``simulation.undeclared_warheads_scenario``); found when a Type Two inspection reads the
  tag of one of them among the items stored there. New START inspects no warheads: tags on
  stored items are the simulation's assumption, beyond the treaty.
- ``unnotified_move``: one spare ICBM taken from storage to a missile base without a
  notification (``simulation.unnotified_move_scenario``); found when an inspection counts the
  missiles at the storage site, or reads its tag at the base.

``CheatPlan`` is drawn before the streams are generated (it says which items the cheater keeps
out of its declared operations, ``ledger.decade.Reservation``); ``Cheat`` is the plan with
the items and sites it took. Pure: the random source is passed in.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from treatyledger.ledger.decade import DecadeStream, Reservation
from treatyledger.model.items import Inventory

#: The reservation name the cheater's items are kept under.
RESERVATION = "cheat"


class Strategy(StrEnum):
    EXTRA_RVS = "extra_rvs"
    UNDECLARED_WARHEADS = "undeclared_warheads"
    UNNOTIFIED_MOVE = "unnotified_move"


_DESCRIPTION = {
    Strategy.EXTRA_RVS: "{size} deployed missiles carry one reentry vehicle more than declared",
    Strategy.UNDECLARED_WARHEADS: "{size} undeclared warheads are hidden at a missile storage site",
    Strategy.UNNOTIFIED_MOVE: "a spare ICBM is moved from storage to a missile base unnotified",
}


@dataclass(frozen=True)
class CheatPlan:
    party: str
    strategy: Strategy
    start: date
    end: date
    size: int = 1

    def reservations(self) -> list[Reservation]:
        """The items the generator must leave alone while the cheat lasts."""
        if self.strategy is Strategy.EXTRA_RVS:
            return [Reservation(RESERVATION, "deployed_missile", self.size, self.start, self.end)]
        if self.strategy is Strategy.UNNOTIFIED_MOVE:
            return [Reservation(RESERVATION, "spare_missile", 1, self.start, self.end)]
        return []

    def describe(self) -> str:
        what = _DESCRIPTION[self.strategy].format(size=self.size)
        return f"{self.party}: {what}, {self.start} to {self.end}"


def choose_cheat(
    rng: random.Random,
    parties: Sequence[str],
    begin: date,
    end: date,
    *,
    min_days: int = 365,
    max_days: int = 3 * 365,
    latest_start: date | None = None,
) -> CheatPlan:
    """A party, a strategy, a size and a span of ``min_days`` to ``max_days`` (cut at
    ``end``) starting between ``begin`` and ``end`` (or ``latest_start``), all uniformly at
    random."""
    party = rng.choice(list(parties))
    strategy = rng.choice(list(Strategy))
    size = {
        Strategy.EXTRA_RVS: rng.randint(10, 40),
        Strategy.UNDECLARED_WARHEADS: rng.randint(3, 15),
        Strategy.UNNOTIFIED_MOVE: 1,
    }[strategy]
    latest = max(begin, end - timedelta(days=min_days))
    if latest_start is not None:
        latest = max(begin, min(latest, latest_start))
    start = begin + timedelta(days=rng.randrange((latest - begin).days + 1))
    length = timedelta(days=rng.randint(min_days, max_days))
    return CheatPlan(party, strategy, start, min(end, start + length), size)


@dataclass(frozen=True)
class Cheat:
    """A plan as carried out: ``tainted`` are the items that give it away (the missiles with
    extra reentry vehicles, the hidden warheads' tags, the moved missile); ``site`` is where
    they are (the storage site of the hidden warheads, the base the missile went to) and
    ``origin`` where the moved missile is declared."""

    plan: CheatPlan
    tainted: tuple[str, ...]
    site: str | None = None
    origin: str | None = None

    @property
    def party(self) -> str:
        return self.plan.party

    @property
    def strategy(self) -> Strategy:
        return self.plan.strategy

    def active(self, day: date) -> bool:
        return self.plan.start <= day <= self.plan.end

    def describe(self) -> str:
        where = f" at {self.site}" if self.site else ""
        origin = f" from {self.origin}" if self.origin else ""
        return f"{self.plan.describe()}{origin}{where}"


def carry_out(
    plan: CheatPlan, stream: DecadeStream, declared: Inventory, rng: random.Random
) -> Cheat:
    """The plan on the generated ``stream`` (``declared``: the party's inventory at the
    plan's start): which items, which sites."""
    structure = stream.structure
    icbm_legs = [leg for leg in structure.legs if leg.kind == "icbm"]
    if plan.strategy is Strategy.EXTRA_RVS:
        return Cheat(plan, stream.reserved[RESERVATION])
    if plan.strategy is Strategy.UNDECLARED_WARHEADS:
        site = rng.choice(sorted({leg.storage for leg in icbm_legs}))
        tags = tuple(f"{plan.party}-WH-U{n:05d}" for n in range(1, plan.size + 1))
        return Cheat(plan, tags, site=site)
    (missile,) = stream.reserved[RESERVATION]
    item = next(i for i in declared.items if i.uid == missile)
    leg = next(leg for leg in icbm_legs if leg.system_type == item.system_type)
    base = rng.choice([b.id for b in leg.bases])
    return Cheat(plan, (missile,), site=base, origin=item.facility)

"""What inspectors see at a site, and how likely they were to see a cheat there.

The inspectors of the decade exercise follow one procedure per kind of site, within the rule
set's bounds (``max_items`` designated, ``reentry_vehicle_inspections`` missiles whose
reentry vehicles are counted), choosing uniformly at random where they choose (an inspecting
party that does not know where the cheat is has nothing better):

- a missile base (Type One): one deployed missile, uniformly among those at the base, has its
  reentry vehicles counted; its launcher and other items up to ``max_items`` are designated;
  the tags of up to ``BASE_TAGS_READ`` non-deployed missiles present are read;
- an air base (Type One): up to ``max_items`` bombers, their armament observed;
- a storage site (Type Two): up to ``max_items`` items designated and examined, the missiles
  there counted by kind, and the tags of up to ``STORAGE_TAGS_READ`` stored items read;
- a repair site (Type Two): up to ``max_items`` bombers, their armament, and the bombers
  counted;
- any other site: what is there is looked at (formerly declared facilities hold nothing).

``Observation`` is the world as it is (the declared state, changed where a ``Cheat`` is
active); ``layout`` is the same site as ``simulation.SiteLayout`` (items, tainted, examined),
so the exact detection probability of ``simulation.exact_detection_probability`` is the
probability of exactly this procedure finding the cheat.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from treatyledger.inspect.cheating import Cheat, Strategy
from treatyledger.inspect.selection import site_of
from treatyledger.inspect.simulation import SiteLayout
from treatyledger.model.items import Inventory, Item
from treatyledger.model.kinds import MISSILE_KINDS, TERMINAL_STATUSES, Status
from treatyledger.rules.schema import InspectionType

#: Tags read at a missile base (non-deployed missiles) and at a storage site (stored items):
#: the simulation's ``items_examined`` and ``uids_read`` (assumptions: the Protocol counts
#: items and reads the unique identifiers of those designated).
BASE_TAGS_READ = 3
STORAGE_TAGS_READ = 10

MISSILE_BASES = frozenset({"icbm_base", "submarine_base"})


@dataclass
class Observation:
    """What the inspectors designate and record at one site."""

    designated: list[str] = field(default_factory=list)
    rv_missiles: list[str] = field(default_factory=list)
    examined: list[str] = field(default_factory=list)
    rvs: dict[str, int] = field(default_factory=dict)
    armament: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    counted: dict[str, int] = field(default_factory=dict)

    def record_fields(self) -> dict[str, object]:
        return {
            "items_examined": tuple(self.examined),
            "rvs_observed": self.rvs,
            "armament_observed": self.armament,
            "uids_read": tuple(self.tags),
            "items_counted": self.counted,
        }


def items_by_site(declared: Inventory) -> tuple[dict[str, Item], dict[str | None, list[Item]]]:
    """The declared items by UID, and the accountable ones by the site they are at."""
    by_uid = {i.uid: i for i in declared.items if i.uid is not None}
    sites: dict[str | None, list[Item]] = {}
    for item in declared.items:
        if item.status not in TERMINAL_STATUSES:
            sites.setdefault(site_of(item, by_uid), []).append(item)
    return by_uid, sites


def _declared_here(here: Sequence[Item]) -> tuple[list[str], list[str], list[str]]:
    """The deployed missiles, the missiles in no launcher and the stored items (missiles and
    warheads in no container) declared at a site, by UID."""
    deployed, loose, stored = [], [], []
    for item in here:
        if item.uid is None:
            continue
        missile = item.kind in MISSILE_KINDS
        if missile and item.status is Status.DEPLOYED:
            deployed.append(item.uid)
        if item.contained_in:
            continue
        if missile:
            loose.append(item.uid)
        if missile or item.kind == "warhead":
            stored.append(item.uid)
    return sorted(deployed), sorted(loose), sorted(stored)


class Site:
    """One site of the inspected party in the declared state, and the world there."""

    def __init__(
        self,
        site: str,
        facility_type: str,
        here: Sequence[Item],
        by_uid: dict[str, Item],
        cheat: Cheat | None,
        day: date,
    ):
        self.id = site
        self.type = facility_type
        self.here = here
        self.by_uid = by_uid
        self.cheat = cheat if cheat is not None and cheat.active(day) else None
        self.deployed_missiles, loose, stored = _declared_here(here)
        self.declared_missiles: dict[str, int] = {
            str(kind): sum(1 for u in loose if by_uid[u].kind == kind) for kind in MISSILE_KINDS
        }
        self.moved_away, self.moved_here, self.hidden = self._cheat_here()
        #: non-deployed missiles present at the site (a base), tags readable
        self.loose_missiles = [u for u in loose if u != self.moved_away]
        if self.moved_here:
            self.loose_missiles.append(self.moved_here)
        #: items stored at the site, tags readable
        self.stored = [u for u in stored if u != self.moved_away] + list(self.hidden)

    def _cheat_here(self) -> tuple[str | None, str | None, tuple[str, ...]]:
        """The missile moved away from here, the one moved here, the warheads hidden here."""
        cheat = self.cheat
        if cheat is None or cheat.site is None:
            return None, None, ()
        if cheat.strategy is Strategy.UNNOTIFIED_MOVE:
            moved = cheat.tainted[0]
            if cheat.origin == self.id:
                return moved, None, ()
            return (None, moved, ()) if cheat.site == self.id else (None, None, ())
        if cheat.strategy is Strategy.UNDECLARED_WARHEADS and cheat.site == self.id:
            return None, None, cheat.tainted
        return None, None, ()

    def rvs_on(self, missile: str) -> int:
        declared = self.by_uid[missile].warheads or 0
        if self.cheat and self.cheat.strategy is Strategy.EXTRA_RVS:
            return declared + (missile in self.cheat.tainted)
        return declared

    def physical_count(self, kind: str) -> int:
        moved = self.moved_away and self.by_uid[self.moved_away].kind == kind
        return self.declared_missiles[kind] - (1 if moved else 0)

    # ---------------------------------------------------------------- the procedure

    def observe(
        self, itype: InspectionType, eligible: Sequence[str], rng: random.Random
    ) -> Observation:
        seen = Observation()
        self._designate(seen, itype, eligible, rng)
        seen.examined = [u for u in seen.designated if u != self.moved_away]
        seen.armament = {
            u: str(self.by_uid[u].armament)
            for u in seen.examined
            if self.by_uid[u].kind == "heavy_bomber" and self.by_uid[u].armament
        }
        if self.type in MISSILE_BASES:
            present = self.loose_missiles
            seen.tags = rng.sample(present, min(BASE_TAGS_READ, len(present)))
        elif self.type == "storage":
            seen.tags = rng.sample(self.stored, min(STORAGE_TAGS_READ, len(self.stored)))
            seen.counted = {
                kind: self.physical_count(kind)
                for kind in sorted(self.declared_missiles)
                if self.declared_missiles[kind]
            }
        elif self.type == "repair":
            seen.counted = {"heavy_bomber": sum(1 for u in self.here if u.kind == "heavy_bomber")}
        return seen

    def _designate(
        self, seen: Observation, itype: InspectionType, eligible: Sequence[str], rng: random.Random
    ) -> None:
        """The items designated; at a missile base first one deployed missile (uniformly)
        for the reentry-vehicle inspection, with its launcher."""
        limit = itype.max_items or len(eligible)
        counts_rvs = self.type in MISSILE_BASES and itype.reentry_vehicle_inspections > 0
        if not (counts_rvs and self.deployed_missiles):
            seen.designated = rng.sample(list(eligible), min(limit, len(eligible)))
            return
        missile = self.deployed_missiles[rng.randrange(len(self.deployed_missiles))]
        launcher = self.by_uid[missile].contained_in
        others = [u for u in eligible if u not in (launcher, missile)]
        seen.designated = [u for u in (launcher,) if u]
        seen.designated += rng.sample(others, min(limit - 1, len(others)))
        seen.rv_missiles = [missile]
        seen.rvs = {missile: self.rvs_on(missile)}

    def layout(self, itype: InspectionType) -> SiteLayout:
        """The site as ``simulation.SiteLayout`` for the active cheat (none: nothing tainted)."""
        cheat = self.cheat
        counts_rvs = self.type in MISSILE_BASES and itype.reentry_vehicle_inspections > 0
        if cheat is not None and cheat.strategy is Strategy.EXTRA_RVS and counts_rvs:
            missiles = self.deployed_missiles
            tainted = sum(1 for m in missiles if m in cheat.tainted)
            return SiteLayout(self.id, len(missiles), tainted, min(1, len(missiles)))
        if cheat is not None and cheat.strategy is Strategy.UNDECLARED_WARHEADS and self.hidden:
            pool = len(self.stored)
            return SiteLayout(self.id, pool, len(self.hidden), min(STORAGE_TAGS_READ, pool))
        if self.moved_away and self.type == "storage":
            count = self.declared_missiles[self.by_uid[self.moved_away].kind]
            return SiteLayout(self.id, count, 1, count)  # the count always shows it missing
        if self.moved_here and self.type in MISSILE_BASES:
            present = len(self.loose_missiles)
            return SiteLayout(self.id, present, 1, min(BASE_TAGS_READ, present))
        return SiteLayout(self.id, 0, 0, 0)

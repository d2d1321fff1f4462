"""Inspection quotas, eligibility and the verifiable choice of site and items.

The rule set's ``[inspections]`` table names inspection types with an annual quota, the
facility types each may visit and the item kinds it may examine. Quotas run per treaty year,
counted from entry into force. Selection is a pure function of the jointly drawn seed, the
declared inventory and the inspection type: the site is drawn uniformly from the eligible
sites (sorted by id), then the items uniformly without replacement from that site's eligible
items (sorted by UID). Draws come from SHA-256 in counter mode with rejection sampling, so
they are unbiased and anyone can recompute them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from treatyledger.inspect.errors import (
    NoEligibleSiteError,
    QuotaExceededError,
    SelectionMismatchError,
)
from treatyledger.model.items import Inventory, Item
from treatyledger.model.kinds import TERMINAL_STATUSES

#: Bound on how far containment chains are followed (warhead -> missile -> launcher -> sub).
_MAX_CONTAINMENT_DEPTH = 8
SELECTION_DOMAIN = b"treatyledger/inspection-selection/v1\n"


class InspectionTypeLike(Protocol):
    """What selection needs of a rule set's inspection type."""

    @property
    def id(self) -> str: ...
    @property
    def annual_quota(self) -> int: ...
    @property
    def facility_types(self) -> Collection[str]: ...
    @property
    def item_kinds(self) -> Collection[str]: ...


# --- quotas -------------------------------------------------------------------------------


def treaty_year(entry_into_force: date, moment: date) -> int:
    """1-based treaty year of ``moment``: year 1 starts on the entry-into-force date."""
    if moment < entry_into_force:
        raise QuotaExceededError(
            f"{moment.isoformat()} is before entry into force ({entry_into_force.isoformat()})"
        )
    years = moment.year - entry_into_force.year
    try:
        anniversary = entry_into_force.replace(year=moment.year)
    except ValueError:  # 29 February in a common year: the year turns on 1 March
        anniversary = date(moment.year, 3, 1)
    if moment < anniversary:
        years -= 1
    return years + 1


def check_quota(
    inspection_type: InspectionTypeLike,
    moment: date,
    entry_into_force: date,
    already_planned: Iterable[tuple[str, date]],
) -> int:
    """Return the treaty year of a new inspection, or refuse one beyond the quota.

    ``already_planned`` lists (type id, date) of inspections conducted or planned.
    """
    year = treaty_year(entry_into_force, moment)
    used = sum(
        1
        for type_id, when in already_planned
        if type_id == inspection_type.id and treaty_year(entry_into_force, when) == year
    )
    if used >= inspection_type.annual_quota:
        raise QuotaExceededError(
            f"inspection type {inspection_type.id}: quota of {inspection_type.annual_quota} "
            f"per treaty year already used in treaty year {year} ({used} planned or "
            f"conducted); expected fewer than {inspection_type.annual_quota}"
        )
    return year


# --- eligibility --------------------------------------------------------------------------


def site_of(item: Item, by_uid: Mapping[str, Item]) -> str | None:
    """The facility an item is at: its own, or its container's (followed a few levels)."""
    current: Item | None = item
    for _ in range(_MAX_CONTAINMENT_DEPTH):
        if current is None:
            return None
        if current.facility is not None:
            return current.facility
        if current.contained_in is None:
            return None
        current = by_uid.get(current.contained_in)
    return None


def eligible_items_by_site(
    inventory: Inventory, inspection_type: InspectionTypeLike, party: str
) -> dict[str, list[str]]:
    """Eligible sites of ``party`` and their eligible item UIDs, both sorted."""
    by_uid = {i.uid: i for i in inventory.items if i.uid is not None}
    kinds = {str(k) for k in inspection_type.item_kinds}
    facility_types = {str(t) for t in inspection_type.facility_types}
    sites: dict[str, list[str]] = {}
    # a StrEnum member hashes and compares as its value: no str() per item in the loop
    allowed: dict[str, bool] = {}  # site -> whether its facility qualifies
    facilities = inventory.facilities
    for item in inventory.items:
        if item.uid is None or item.party != party or item.kind not in kinds:
            continue
        if item.status in TERMINAL_STATUSES:
            continue
        site = item.facility if item.contained_in is None else site_of(item, by_uid)
        if site is None:
            continue
        qualifies = allowed.get(site)
        if qualifies is None:
            facility = facilities.get(site)
            qualifies = allowed[site] = (
                facility is not None and facility.party == party and facility.type in facility_types
            )
        if qualifies:
            sites.setdefault(site, []).append(item.uid)
    return {site: sorted(uids) for site, uids in sorted(sites.items())}


# --- deterministic draws ------------------------------------------------------------------


class SeededDraws:
    """Unbiased integers from a seed: SHA-256(domain, seed, label, counter), rejection sampled."""

    def __init__(self, seed: bytes, label: str):
        self._prefix = SELECTION_DOMAIN + seed + label.encode() + b"\n"
        self._counter = 0

    def below(self, bound: int) -> int:
        if bound <= 0:
            raise ValueError(f"bound must be positive, got {bound}")
        limit = (1 << 256) - (1 << 256) % bound  # reject the biased tail
        while True:
            block = hashlib.sha256(self._prefix + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
            value = int.from_bytes(block, "big")
            if value < limit:
                return value % bound


@dataclass(frozen=True)
class Selection:
    """What an inspection examines: one site and items there, with what it was drawn from."""

    inspection_type: str
    party: str
    seed: str  # hex
    site: str
    items: tuple[str, ...]
    eligible_sites: tuple[str, ...]

    def to_json_dict(self) -> dict[str, object]:
        return {
            "inspection_type": self.inspection_type,
            "party": self.party,
            "seed": self.seed,
            "site": self.site,
            "items": list(self.items),
            "eligible_sites": list(self.eligible_sites),
        }


def select_inspection(
    seed: bytes,
    inventory: Inventory,
    inspection_type: InspectionTypeLike,
    party: str,
    items_to_examine: int,
) -> Selection:
    """Draw the site, then ``items_to_examine`` items there (fewer if the site has fewer)."""
    if items_to_examine < 0:
        raise ValueError(f"items to examine must be >= 0, got {items_to_examine}")
    sites = eligible_items_by_site(inventory, inspection_type, party)
    if not sites:
        raise NoEligibleSiteError(
            f"party {party} declares no site eligible for inspection type {inspection_type.id} "
            f"(facility types {sorted(map(str, inspection_type.facility_types))} holding "
            f"{sorted(map(str, inspection_type.item_kinds))})"
        )
    names = list(sites)
    site = names[SeededDraws(seed, f"site:{inspection_type.id}:{party}").below(len(names))]
    pool = list(sites[site])
    draws = SeededDraws(seed, f"items:{inspection_type.id}:{party}:{site}")
    chosen: list[str] = []
    # Partial Fisher-Yates: each step picks uniformly among the items not yet chosen.
    for position in range(min(items_to_examine, len(pool))):
        pick = position + draws.below(len(pool) - position)
        pool[position], pool[pick] = pool[pick], pool[position]
        chosen.append(pool[position])
    return Selection(
        inspection_type=inspection_type.id,
        party=party,
        seed=seed.hex(),
        site=site,
        items=tuple(chosen),
        eligible_sites=tuple(names),
    )


def verify_selection(
    claimed: Selection,
    seed: bytes,
    inventory: Inventory,
    inspection_type: InspectionTypeLike,
    items_to_examine: int,
) -> Selection:
    """Recompute the selection and refuse a claim that differs, saying where."""
    if claimed.inspection_type != inspection_type.id:
        raise SelectionMismatchError(
            f"selection is for inspection type {claimed.inspection_type}, "
            f"expected {inspection_type.id}"
        )
    expected = select_inspection(seed, inventory, inspection_type, claimed.party, items_to_examine)
    if claimed.seed != expected.seed:
        raise SelectionMismatchError(
            f"selection claims seed {claimed.seed}, the round produced {expected.seed}"
        )
    if claimed.site != expected.site:
        raise SelectionMismatchError(
            f"selection claims site {claimed.site}, recomputation gives {expected.site}"
        )
    if claimed.items != expected.items:
        raise SelectionMismatchError(
            f"selection claims items {list(claimed.items)} at {claimed.site}, "
            f"recomputation gives {list(expected.items)}"
        )
    return expected

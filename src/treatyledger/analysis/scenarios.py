"""Stockpile or destroy: the same force with its non-deployed warheads kept or dismantled,
counted under each rule set, with the hedge and the breakout time of each.

- ``stockpile`` (the US position of 2002): every warhead removed from deployment is stored;
  it is the hedge, available for upload after ``hedge.stored_return_days``.
- ``destroy`` (the Russian position): every warhead removed from deployment is retired and
  dismantled at ``destroy.dismantle_per_year``; the force is assessed ``destroy.years``
  after the removals. Warheads still awaiting dismantlement are intact and, if
  ``hedge.retired_usable``, could come back after ``hedge.retired_return_days``.

"Removed from deployment" means warhead items with status stored or retired. Dismantlement
is spread over warhead rows in proportion to their size (largest remainder, ties in row
order), so no warhead type is favoured.

Because retired warheads come back no sooner than stored ones and dismantled ones never do,
the warheads available on any day under ``destroy`` are never more than under
``stockpile``; deployed warheads on every day, the hedge and the upload potential are then
never higher (placement is a maximum flow, monotone in its supplies), and breakout to any
level never faster. tests/analysis/test_scenarios.py checks this as a property.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from treatyledger.analysis.breakout import BreakoutTimeline, breakout_of
from treatyledger.analysis.errors import AnalysisParameterError
from treatyledger.analysis.hypothetical import after_upload
from treatyledger.analysis.parameters import DismantlementSchedule, UploadParameters
from treatyledger.analysis.upload import (
    UploadResult,
    force_of,
    select_party,
    upload_potential_of,
)
from treatyledger.model import Catalog, Inventory, Item, ItemKind, Status
from treatyledger.rules import RuleSet, count

SCENARIOS: dict[str, str] = {
    "stockpile": "warheads removed from deployment are stored (the hedge)",
    "destroy": "warheads removed from deployment are dismantled on a schedule",
}
_REMOVED = frozenset({Status.STORED, Status.RETIRED})


def dismantled_total(schedule: DismantlementSchedule, removed: int) -> int:
    """Warheads dismantled by the assessment date: the yearly rate times the years."""
    done = int(schedule.dismantle_per_year.value * schedule.years.value + 1e-9)
    return min(removed, done)


def _largest_remainder(sizes: Sequence[int], total: int) -> list[int]:
    whole = sum(sizes)
    if whole == 0 or total == 0:
        return [0] * len(sizes)
    shares = [total * size / whole for size in sizes]
    allocation = [int(share) for share in shares]
    order = sorted(range(len(sizes)), key=lambda i: (-(shares[i] - allocation[i]), i))
    for i in order[: total - sum(allocation)]:
        allocation[i] += 1
    return allocation


def apply_scenario(
    inventory: Inventory, party: str, scenario: str, schedule: DismantlementSchedule
) -> tuple[Inventory, int]:
    """The inventory under ``scenario``, and how many warheads it has dismantled."""
    if scenario not in SCENARIOS:
        raise AnalysisParameterError(
            f"unknown scenario {scenario!r} (expected one of {', '.join(SCENARIOS)})"
        )
    removed = [
        i
        for i, item in enumerate(inventory.items)
        if item.party == party and item.kind is ItemKind.WARHEAD and item.status in _REMOVED
    ]
    target = Status.STORED if scenario == "stockpile" else Status.RETIRED
    to_dismantle = [0] * len(removed)
    done = 0
    if scenario == "destroy":
        sizes = [inventory.items[i].quantity for i in removed]
        done = dismantled_total(schedule, sum(sizes))
        to_dismantle = _largest_remainder(sizes, done)
    cut = dict(zip(removed, to_dismantle, strict=True))
    items: list[Item] = []
    for i, item in enumerate(inventory.items):
        if i not in cut:
            items.append(item)
            continue
        gone = cut[i]
        if item.quantity - gone > 0:
            items.append(
                item.model_copy(update={"status": target, "quantity": item.quantity - gone})
            )
        if gone:
            items.append(item.model_copy(update={"status": Status.DISMANTLED, "quantity": gone}))
    return Inventory(items=tuple(items), facilities=inventory.facilities), done


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    inventory: Inventory
    dismantled: int
    #: rule set -> category -> (total, limit); and the totals after the full upload
    counts: Mapping[str, Mapping[str, tuple[int, int | None]]]
    counts_after_upload: Mapping[str, Mapping[str, int]]
    upload: UploadResult
    timeline: BreakoutTimeline

    @property
    def hedge(self) -> int:
        return self.upload.hedge


@dataclass(frozen=True)
class Comparison:
    party: str
    levels: tuple[float, ...]
    scenarios: tuple[ScenarioResult, ...]
    rule_sets: tuple[str, ...] = field(default=())

    def scenario(self, name: str) -> ScenarioResult:
        for result in self.scenarios:
            if result.name == name:
                return result
        raise KeyError(name)

    def to_json_dict(self) -> dict[str, Any]:
        def days(timeline: BreakoutTimeline, level: float) -> float | None:
            reached = timeline.days_to_reach(level)
            return None if reached is None else round(reached, 2)

        return {
            "party": self.party,
            "rule_sets": list(self.rule_sets),
            "levels": [int(level) for level in self.levels],
            "scenarios": {
                r.name: {
                    "description": SCENARIOS[r.name],
                    "dismantled_warheads": r.dismantled,
                    "hedge_warheads": r.hedge,
                    "currently_deployed_warheads": r.upload.currently_deployed_warheads,
                    "upload_potential": r.upload.upload_potential,
                    "max_deployed_warheads": r.upload.max_deployed_warheads,
                    "days_to_full_upload": days(r.timeline, r.timeline.final),
                    "days_to_level": {
                        str(int(level)): days(r.timeline, level) for level in self.levels
                    },
                    "counts": {
                        rule_set: {
                            category: {
                                "total": total,
                                "limit": limit,
                                "after_upload": r.counts_after_upload[rule_set][category],
                            }
                            for category, (total, limit) in categories.items()
                        }
                        for rule_set, categories in r.counts.items()
                    },
                }
                for r in self.scenarios
            },
        }


def compare(
    inventory: Inventory,
    catalog: Catalog,
    params: UploadParameters,
    rule_sets: Sequence[RuleSet],
    *,
    scenarios: Sequence[str] = ("stockpile", "destroy"),
    party: str | None = None,
    levels: Sequence[float] = (),
    as_of: date | None = None,
) -> Comparison:
    """Each scenario of the same force: counts under each rule set, hedge, breakout.

    Without ``levels``, breakout is timed to the level halfway between the current force and
    the largest maximum over the scenarios.
    """
    party = select_party(inventory, party)
    results = []
    for name in scenarios:
        changed, dismantled = apply_scenario(inventory, party, name, params.destroy)
        force = force_of(changed, catalog, params, party=party)
        upload = upload_potential_of(force)
        uploaded = after_upload(changed, catalog, upload)
        counts: dict[str, dict[str, tuple[int, int | None]]] = {}
        counts_after: dict[str, dict[str, int]] = {}
        for rule_set in rule_sets:
            now = count(changed, rule_set, catalog, as_of=as_of).parties.get(party)
            then = count(uploaded, rule_set, catalog, as_of=as_of).parties.get(party)
            counts[rule_set.id] = (
                {} if now is None else {c: (v.total, v.limit) for c, v in now.categories.items()}
            )
            counts_after[rule_set.id] = (
                {} if then is None else {c: v.total for c, v in then.categories.items()}
            )
        results.append(
            ScenarioResult(
                name=name,
                inventory=changed,
                dismantled=dismantled,
                counts=counts,
                counts_after_upload=counts_after,
                upload=upload,
                timeline=breakout_of(force, params, catalog),
            )
        )
    if not levels and results:
        low = min(r.upload.currently_deployed_warheads for r in results)
        high = max(r.upload.max_deployed_warheads for r in results)
        levels = (float(round((low + high) / 2)),)
    return Comparison(
        party=party,
        levels=tuple(float(level) for level in levels),
        scenarios=tuple(results),
        rule_sets=tuple(rs.id for rs in rule_sets),
    )

"""A party's force as the generator holds it while writing the decade's notifications: items
by leg and base, what each launcher holds, the reentry vehicles on each missile, the spares
in storage and the bombers in repair; and the structural changes that take the force from one
data date's numbers to the next (``World.reduce``).

Each change is a ``Step`` (notification kind, payload, catalogue category); a step is planned
only when it is legal in the ledger's state machine at that point, in the order planned, so the
stream replays without a rejection. Items in ``reserved`` are never touched (the exercise's
cheater keeps them out of its declared operations).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from treatyledger.ledger.allocation import split, spread_rvs
from treatyledger.ledger.decade.structure import ForceStructure, Leg
from treatyledger.ledger.synthetic import AggregatePoint, missile_item
from treatyledger.model.catalog import Catalog


@dataclass(frozen=True)
class Step:
    """One notification to be: its kind, payload and the catalogue category it belongs to
    (``structure``, ``warheads``, ``movement``, ``maintenance``, ``exit``, ``elimination``,
    ``stockpile``), by which a notification catalogue gives its deadline."""

    kind: str
    payload: dict[str, Any]
    category: str


@dataclass
class BaseState:
    id: str
    deployed: list[str] = field(default_factory=list)  # launchers holding a missile / bombers
    empty: list[str] = field(default_factory=list)  # non-deployed launchers at the base
    missile_in: dict[str, str] = field(default_factory=dict)  # launcher -> missile


@dataclass
class LegState:
    leg: Leg
    capacity: int
    bases: list[BaseState]
    spares: list[str] = field(default_factory=list)  # missiles at the leg's storage
    in_repair: list[str] = field(default_factory=list)  # non-deployed bombers at repair


class World:
    def __init__(
        self, structure: ForceStructure, catalog: Catalog, rng: random.Random, counter: int = 0
    ):
        self.structure = structure
        self.party = structure.party
        self.rng = rng
        self.counter = counter
        self.legs = [
            LegState(
                leg,
                catalog.resolve(leg.system_type).max_warheads,
                [BaseState(b.id) for b in leg.bases],
            )
            for leg in structure.legs
        ]
        self.rvs: dict[str, int] = {}  # deployed missile -> reentry vehicles
        self.capacity: dict[str, int] = {}
        self.stored: list[str] = []
        self.retired: list[str] = []
        self.reserved: set[str] = set()
        #: item -> its leg and base (missiles and launchers)
        self.where: dict[str, tuple[LegState, BaseState | None]] = {}

    # ---------------------------------------------------------------- items

    def uid(self, tag: str) -> str:
        self.counter += 1
        return f"{self.party}-{tag}-{self.counter:06d}"

    def launcher(self, s: LegState, base: BaseState | None, status: str) -> dict[str, Any]:
        leg = s.leg
        if leg.is_bomber:
            item: dict[str, Any] = {
                "uid": self.uid("HB"),
                "party": self.party,
                "kind": "heavy_bomber",
                "system_type": leg.system_type,
                "status": status,
                "quantity": 1,
                "facility": base.id if base and status == "deployed" else self.structure.repair,
            }
            if leg.armament:
                item["armament"] = leg.armament
        else:
            assert base is not None
            item = {
                "uid": self.uid("LN"),
                "party": self.party,
                "kind": f"{leg.kind}_launcher",
                "system_type": leg.system_type,
                "status": status,
                "quantity": 1,
                "facility": base.id,
            }
        self.where[item["uid"]] = (s, base)
        return item

    def missile(self, s: LegState, facility: str) -> dict[str, Any]:
        uid = self.uid("MS")
        self.capacity[uid] = s.capacity
        self.where[uid] = (s, None)
        return missile_item(uid, self.party, s.leg.kind, s.leg.system_type, facility)

    def warhead(self) -> dict[str, Any]:
        uid = self.uid("WH")
        self.stored.append(uid)
        return {
            "uid": uid,
            "party": self.party,
            "kind": "warhead",
            "status": "stored",
            "quantity": 1,
            "facility": self.structure.warhead_storage,
        }

    def free(self, uids: list[str]) -> list[str]:
        return [u for u in uids if u not in self.reserved]

    def deployed_bombers(self) -> int:
        return sum(len(b.deployed) for s in self.legs if s.leg.is_bomber for b in s.bases)

    # ---------------------------------------------------------------- the baseline

    def baseline(self, point: AggregatePoint) -> list[dict[str, Any]]:
        """Every item of the force at its first data date (one declaration)."""
        items: list[dict[str, Any]] = []
        for s, (n_dep, n_non) in zip(self.legs, self.targets(point), strict=True):
            deployed = split(n_dep, [b.share for b in s.leg.bases])
            if s.leg.is_bomber:
                for base, n in zip(s.bases, deployed, strict=True):
                    for _ in range(n):
                        bomber = self.launcher(s, base, "deployed")
                        items.append(bomber)
                        base.deployed.append(bomber["uid"])
                for _ in range(n_non):
                    bomber = self.launcher(s, None, "non_deployed")
                    items.append(bomber)
                    s.in_repair.append(bomber["uid"])
                continue
            non = split(n_non, [b.share for b in s.leg.bases])
            for base, n, m in zip(s.bases, deployed, non, strict=True):
                for _ in range(n):
                    launcher = self.launcher(s, base, "deployed")
                    missile = self.missile(s, base.id)
                    missile.update(status="deployed", contained_in=launcher["uid"], warheads=0)
                    items += [launcher, missile]
                    base.deployed.append(launcher["uid"])
                    base.missile_in[launcher["uid"]] = missile["uid"]
                    self.rvs[missile["uid"]] = 0
                for _ in range(m):
                    launcher = self.launcher(s, base, "non_deployed")
                    items.append(launcher)
                    base.empty.append(launcher["uid"])
            for _ in range(s.leg.spare_missiles):
                spare = self.missile(s, s.leg.storage)
                items.append(spare)
                s.spares.append(spare["uid"])
        loads = spread_rvs(
            self.rvs, self.capacity, point.deployed_warheads - self.deployed_bombers()
        )
        by_uid = {item["uid"]: item for item in items}
        for loaded, rv in loads.items():
            by_uid[loaded]["warheads"] = rv
        self.rvs = loads
        items += [self.warhead() for _ in range(self.structure.stored_warheads)]
        return items

    def targets(self, point: AggregatePoint) -> list[tuple[int, int]]:
        """(deployed, non-deployed) per leg for ``point``'s numbers."""
        legs = [s.leg for s in self.legs]
        deployed = split(point.deployed_delivery_vehicles, [leg.deployed_share for leg in legs])
        non_deployed = split(
            point.deployed_and_nondeployed_launchers - point.deployed_delivery_vehicles,
            [leg.non_deployed_share for leg in legs],
        )
        return list(zip(deployed, non_deployed, strict=True))

    # ---------------------------------------------------------------- one period's reductions

    def reduce(self, point: AggregatePoint) -> list[Step]:
        """The structural steps from the current force to ``point``'s numbers."""
        steps: list[Step] = []
        new: list[dict[str, Any]] = []
        plans = []
        for s, (n_dep, n_non) in zip(self.legs, self.targets(point), strict=True):
            deployed = split(n_dep, [b.share for b in s.leg.bases])
            non = [n_non] if s.leg.is_bomber else split(n_non, [b.share for b in s.leg.bases])
            plans.append((s, deployed, non))
            self._grow(s, deployed, non, new)
        if new:
            steps.append(Step("declare", {"items": new}, "structure"))
        for s, deployed, _ in plans:
            for base, target in zip(s.bases, deployed, strict=True):
                self._take_down(s, base, target, steps)
        for s, deployed, _ in plans:
            for base, target in zip(s.bases, deployed, strict=True):
                self._bring_up(s, base, target, steps)
        for s, deployed, non in plans:
            self._retire_launchers(s, deployed, non, steps)
        self._load_to(point.deployed_warheads, steps)
        if self.retired:
            steps.append(Step("dismantle", {"uid": self.retired.pop(0)}, "stockpile"))
        if self.stored:
            uid = self.stored.pop(0)
            steps.append(Step("retire", {"uid": uid}, "stockpile"))
            self.retired.append(uid)
        return steps

    def _grow(
        self, s: LegState, deployed: list[int], non: list[int], new: list[dict[str, Any]]
    ) -> None:
        if s.leg.is_bomber:
            have = sum(len(b.deployed) for b in s.bases) + len(s.in_repair)
            for _ in range(sum(deployed) + non[0] - have):
                bomber = self.launcher(s, None, "non_deployed")
                new.append(bomber)
                s.in_repair.append(bomber["uid"])
            return
        for base, d, n in zip(s.bases, deployed, non, strict=True):
            for _ in range(d + n - len(base.deployed) - len(base.empty)):
                launcher = self.launcher(s, base, "non_deployed")
                new.append(launcher)
                base.empty.append(launcher["uid"])

    def _take_down(self, s: LegState, base: BaseState, target: int, steps: list[Step]) -> None:
        if len(base.deployed) <= target:
            return
        if s.leg.is_bomber:
            for bomber in self.free(base.deployed)[: len(base.deployed) - target]:
                base.deployed.remove(bomber)
                steps.append(
                    Step("move", {"uid": bomber, "to_facility": self.structure.repair}, "movement")
                )
                steps.append(
                    Step("status_change", {"uid": bomber, "to_status": "non_deployed"}, "structure")
                )
                s.in_repair.append(bomber)
            return
        # the least loaded first, and never a launcher whose missile is reserved
        candidates = [ln for ln in base.deployed if base.missile_in[ln] not in self.reserved]
        candidates.sort(key=lambda ln: (self.rvs[base.missile_in[ln]], ln))
        for launcher in candidates[: len(base.deployed) - target]:
            missile = base.missile_in.pop(launcher)
            rv = self.rvs.pop(missile)
            if rv:
                steps.append(Step("unload", {"container": missile, "warheads": rv}, "warheads"))
            steps.append(Step("unload", {"container": launcher, "items": [missile]}, "structure"))
            steps.append(Step("move", {"uid": missile, "to_facility": s.leg.storage}, "movement"))
            base.deployed.remove(launcher)
            base.empty.append(launcher)
            s.spares.append(missile)

    def _bring_up(self, s: LegState, base: BaseState, target: int, steps: list[Step]) -> None:
        while len(base.deployed) < target:
            if s.leg.is_bomber:
                bomber = self.free(s.in_repair)[0]
                s.in_repair.remove(bomber)
                steps.append(Step("move", {"uid": bomber, "to_facility": base.id}, "movement"))
                steps.append(
                    Step("status_change", {"uid": bomber, "to_status": "deployed"}, "structure")
                )
                base.deployed.append(bomber)
                continue
            launcher = self.free(base.empty)[0]
            base.empty.remove(launcher)
            spares = self.free(s.spares)
            if spares:
                missile = spares[0]
                s.spares.remove(missile)
            else:
                fresh = self.missile(s, s.leg.storage)
                steps.append(Step("declare", {"items": [fresh]}, "structure"))
                missile = fresh["uid"]
            steps.append(Step("move", {"uid": missile, "to_facility": base.id}, "movement"))
            steps.append(Step("load", {"container": launcher, "items": [missile]}, "structure"))
            base.missile_in[launcher] = missile
            base.deployed.append(launcher)
            self.rvs[missile] = 0

    def _retire_launchers(
        self, s: LegState, deployed: list[int], non: list[int], steps: list[Step]
    ) -> None:
        leg = s.leg
        if leg.is_bomber:
            surplus = (
                sum(len(b.deployed) for b in s.bases) + len(s.in_repair) - sum(deployed) - non[0]
            )
            pools = [(s.in_repair, surplus)]
        else:
            pools = [
                (base.empty, len(base.deployed) + len(base.empty) - d - n)
                for base, d, n in zip(s.bases, deployed, non, strict=True)
            ]
        for pool, surplus in pools:
            for uid in self.free(pool)[::-1][: max(surplus, 0)]:
                pool.remove(uid)
                if leg.reduction == "convert":
                    steps.append(
                        Step("convert", {"uid": uid, "to_status": "in_conversion"}, "elimination")
                    )
                    steps.append(
                        Step("convert", {"uid": uid, "to_status": "converted"}, "elimination")
                    )
                elif leg.reduction == "convert_non_nuclear":
                    steps.append(
                        Step(
                            "convert",
                            {"uid": uid, "to_status": "converted_non_nuclear"},
                            "elimination",
                        )
                    )
                else:
                    steps.append(Step("eliminate", {"uid": uid}, "elimination"))

    def _load_to(self, warheads: int, steps: list[Step]) -> None:
        free = {m: rv for m, rv in self.rvs.items() if m not in self.reserved}
        fixed = sum(rv for m, rv in self.rvs.items() if m in self.reserved)
        loads = spread_rvs(free, self.capacity, warheads - self.deployed_bombers() - fixed)
        for missile in sorted(loads):
            change = loads[missile] - free[missile]
            if change > 0:
                steps.append(Step("load", {"container": missile, "warheads": change}, "warheads"))
            elif change < 0:
                steps.append(
                    Step("unload", {"container": missile, "warheads": -change}, "warheads")
                )
            self.rvs[missile] = loads[missile]

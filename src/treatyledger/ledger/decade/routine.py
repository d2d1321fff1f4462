"""Routine operations between two data dates, the bulk of a real notification stream: reentry
vehicles taken off a missile for service and put back, a deployed missile exchanged for a
spare, spares shipped to a base and back, heavy bombers through depot maintenance, bomber
exits to a forward airfield and back. Each is a ``Chain`` of steps on items no other operation
of the period touches; every chain but the missile exchange leaves the force as it found it,
and the exchange keeps every number (a missile for a missile, the same reentry vehicles), so
the data date's aggregates are those the structural changes reached.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from treatyledger.ledger.decade.world import BaseState, LegState, Step, World

HOUR = 3_600
DAY = 86_400

#: A chain: (seconds after the chain starts, step), in order.
Chain = list[tuple[int, Step]]


@dataclass(frozen=True)
class RoutineVolume:
    """Operations per party and six-month period (chains, not notifications: a missile
    exchange is six notifications, a depot visit four, the others two). The default gives
    about 800 notifications per party-year with the structural changes, the order of a
    New START party's real volume (some 2,000 a year for both parties, State Dept. annual
    compliance reports)."""

    rv_service: int = 50
    missile_exchange: int = 22
    spare_visit: int = 15
    bomber_depot: int = 10
    bomber_exit: int = 8

    def scaled(self, factor: float) -> RoutineVolume:
        return replace(
            self,
            **{name: round(getattr(self, name) * factor) for name in self.__dataclass_fields__},
        )


class _Picker:
    """Random items of the world no other chain of the period uses."""

    def __init__(self, world: World):
        self.world = world
        self.busy: set[str] = set()

    def usable(self, uid: str) -> bool:
        return uid not in self.busy and uid not in self.world.reserved

    def take(self, *uids: str) -> None:
        self.busy.update(uids)

    def deployed_missile(self) -> tuple[LegState, BaseState, str, str] | None:
        rng = self.world.rng
        legs = [s for s in self.world.legs if not s.leg.is_bomber]
        for _ in range(20):  # a few tries: nearly every missile is free
            s = legs[int(rng.random() * len(legs))]
            base = s.bases[int(rng.random() * len(s.bases))]
            if not base.deployed:
                continue
            launcher = base.deployed[int(rng.random() * len(base.deployed))]
            missile = base.missile_in[launcher]
            if self.usable(launcher) and self.usable(missile):
                return s, base, launcher, missile
        return None

    def spare(self, s: LegState) -> str | None:
        free = [m for m in s.spares if self.usable(m)]
        return free[int(self.world.rng.random() * len(free))] if free else None

    def bomber(self) -> tuple[LegState, BaseState, str] | None:
        rng = self.world.rng
        bases = [(s, b) for s in self.world.legs if s.leg.is_bomber for b in s.bases if b.deployed]
        for _ in range(20):
            if not bases:
                return None
            s, base = bases[int(rng.random() * len(bases))]
            bomber = base.deployed[int(rng.random() * len(base.deployed))]
            if self.usable(bomber):
                return s, base, bomber
        return None


def _days(world: World, low: float, high: float) -> int:
    return int((low + world.rng.random() * (high - low)) * DAY)


def _rv_service(world: World, pick: _Picker) -> Chain | None:
    found = pick.deployed_missile()
    if found is None or not world.rvs[found[3]]:
        return None
    missile = found[3]
    pick.take(missile)
    count = 1 + int(world.rng.random() * world.rvs[missile])
    back = _days(world, 1, 20)
    return [
        (0, Step("unload", {"container": missile, "warheads": count}, "warheads")),
        (back, Step("load", {"container": missile, "warheads": count}, "warheads")),
    ]


def _missile_exchange(world: World, pick: _Picker) -> Chain | None:
    found = pick.deployed_missile()
    if found is None:
        return None
    s, base, launcher, missile = found
    spare = pick.spare(s)
    if spare is None:
        return None
    pick.take(launcher, missile, spare)
    rv = world.rvs.pop(missile)
    chain: Chain = []
    if rv:
        chain.append((0, Step("unload", {"container": missile, "warheads": rv}, "warheads")))
    chain += [
        (2 * HOUR, Step("unload", {"container": launcher, "items": [missile]}, "maintenance")),
        (DAY, Step("move", {"uid": missile, "to_facility": s.leg.storage}, "movement")),
        (2 * DAY, Step("move", {"uid": spare, "to_facility": base.id}, "movement")),
        (
            2 * DAY + 4 * HOUR,
            Step("load", {"container": launcher, "items": [spare]}, "maintenance"),
        ),
    ]
    if rv:
        chain.append(
            (2 * DAY + 8 * HOUR, Step("load", {"container": spare, "warheads": rv}, "warheads"))
        )
    base.missile_in[launcher] = spare
    world.rvs[spare] = rv
    s.spares.remove(spare)
    s.spares.append(missile)
    return chain


def _spare_visit(world: World, pick: _Picker) -> Chain | None:
    legs = [s for s in world.legs if not s.leg.is_bomber]
    s = legs[int(world.rng.random() * len(legs))]
    spare = pick.spare(s)
    if spare is None:
        return None
    pick.take(spare)
    base = s.bases[int(world.rng.random() * len(s.bases))]
    return [
        (0, Step("move", {"uid": spare, "to_facility": base.id}, "movement")),
        (
            _days(world, 3, 30),
            Step("move", {"uid": spare, "to_facility": s.leg.storage}, "movement"),
        ),
    ]


def _bomber_depot(world: World, pick: _Picker) -> Chain | None:
    found = pick.bomber()
    if found is None:
        return None
    _s, base, bomber = found
    pick.take(bomber)
    back = _days(world, 10, 45)
    repair = world.structure.repair
    return [
        (0, Step("move", {"uid": bomber, "to_facility": repair}, "maintenance")),
        (HOUR, Step("status_change", {"uid": bomber, "to_status": "non_deployed"}, "maintenance")),
        (back, Step("move", {"uid": bomber, "to_facility": base.id}, "maintenance")),
        (
            back + HOUR,
            Step("status_change", {"uid": bomber, "to_status": "deployed"}, "maintenance"),
        ),
    ]


def _bomber_exit(world: World, pick: _Picker) -> Chain | None:
    forward = world.structure.forward_airfield
    found = pick.bomber()
    if forward is None or found is None:
        return None
    _s, base, bomber = found
    pick.take(bomber)
    return [
        (0, Step("move", {"uid": bomber, "to_facility": forward}, "exit")),
        (_days(world, 2, 20), Step("move", {"uid": bomber, "to_facility": base.id}, "exit")),
    ]


_OPERATIONS = {
    "rv_service": _rv_service,
    "missile_exchange": _missile_exchange,
    "spare_visit": _spare_visit,
    "bomber_depot": _bomber_depot,
    "bomber_exit": _bomber_exit,
}


def routine_chains(world: World, volume: RoutineVolume) -> list[Chain]:
    """The period's routine chains (fewer where the force has too few free items)."""
    pick = _Picker(world)
    chains: list[Chain] = []
    for name, operation in _OPERATIONS.items():
        for _ in range(getattr(volume, name)):
            chain = operation(world, pick)
            if chain:
                chains.append(chain)
    return chains

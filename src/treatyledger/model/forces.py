"""Item-level forces assembled from public per-base and per-type sources, and what they must
reproduce.

A force file (``data/forces/*.toml``) describes one party's force on one date as facilities
and groups of identical items, each with the sources it was read from, and lists the official
figures the force is checked against. ``expand`` turns it into an Inventory of single items
with UIDs and containment, so every treaty definition (containment, facility, role) applies.

Groups are filled in file order: a group with ``into`` puts its items, ``per_container`` at a
time, into the next items of the named group that hold nothing yet (missiles into silos, tubes
into submarines); ``[[moves]]`` then take the *last* ``count`` items of a group to another
facility, role or declared status (bombers to the depot, submarines to the yard).

Honesty about evidence: a group or move whose count was chosen to match an official figure
says ``fitted = true``. A check is ``independent`` only if its figure does not depend on any
fitted number; ``treatyledger.model.forces.perturbed`` changes every fitted number so a test
can prove each label (an independent figure stays, a reproduction moves).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from treatyledger.model.errors import ModelValidationError
from treatyledger.model.items import Inventory, Item, inventory_of, make_item
from treatyledger.model.kinds import CONTAINER_KINDS, Armament, FacilityType, ItemKind, Role, Status
from treatyledger.model.parties import IDENTIFIER_PATTERN, Facility

_ID = r"^[a-z0-9][a-z0-9_.\-]{0,63}$"
MAX_GROUP = 10_000


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Strict):
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1, max_length=500)
    url: str = Field(default="", max_length=500)
    read: str = Field(default="", max_length=1000, description="what was read there")


class ForceFacility(_Strict):
    id: str = Field(pattern=IDENTIFIER_PATTERN)
    type: FacilityType
    name: str = Field(default="", max_length=200)
    sources: tuple[str, ...] = Field(min_length=1)


class Group(_Strict):
    """``count`` identical items. ``into``: the group whose items contain these, filled in
    order, ``per_container`` at a time; ``empty_status``: the declared status of items of this
    group that nothing was put into (default: ``status``)."""

    id: str = Field(pattern=_ID)
    kind: ItemKind
    system_type: str | None = None
    count: int = Field(ge=0, le=MAX_GROUP)
    status: Status
    empty_status: Status | None = None
    facility: str | None = None
    into: str | None = None
    per_container: int = Field(default=1, ge=1, le=64)
    warheads: int | None = Field(default=None, ge=0)
    armament: Armament | None = None
    role: Role | None = None
    fitted: bool = False
    sources: tuple[str, ...] = Field(min_length=1)
    note: str = Field(default="", max_length=1000)


class Move(_Strict):
    """The last ``count`` items of ``group`` (not moved yet) go to ``facility`` and/or take
    ``role`` and/or a declared ``status``."""

    group: str
    count: int = Field(ge=0, le=MAX_GROUP)
    facility: str | None = None
    role: Role | None = None
    status: Status | None = None
    fitted: bool = False
    sources: tuple[str, ...] = Field(min_length=1)
    note: str = Field(default="", max_length=1000)


class Check(_Strict):
    """An official figure the force must reproduce: a category total under a rule set (of the
    items of ``kind`` only, if given). ``independent``: the figure follows from unfitted
    numbers alone; ``basis`` says from which."""

    rule_set: str
    category: str
    kind: ItemKind | None = None
    official: int = Field(ge=0)
    source: str
    independent: bool
    basis: str = Field(min_length=1, max_length=1000)


class ForceHeader(_Strict):
    id: str = Field(pattern=_ID)
    party: str = Field(pattern=IDENTIFIER_PATTERN)
    as_of: date
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)


class Force(_Strict):
    force: ForceHeader
    sources: tuple[Source, ...] = Field(min_length=1)
    facilities: tuple[ForceFacility, ...] = ()
    groups: tuple[Group, ...] = Field(min_length=1)
    moves: tuple[Move, ...] = ()
    checks: tuple[Check, ...] = ()

    @model_validator(mode="after")
    def _references(self) -> Force:
        self._check_sources()
        groups = self._check_groups()
        facilities = {f.id for f in self.facilities}
        for move in self.moves:
            if move.group not in groups:
                raise ValueError(f"move of unknown group {move.group!r}")
            if move.facility is not None and move.facility not in facilities:
                raise ValueError(f"move of {move.group}: unknown facility {move.facility!r}")
        return self

    def _check_sources(self) -> None:
        """Every source a facility, group, move or check cites is listed."""
        sources = {s.id for s in self.sources}
        cited = [s for f in self.facilities for s in f.sources]
        cited += [s for g in self.groups for s in g.sources]
        cited += [s for m in self.moves for s in m.sources] + [c.source for c in self.checks]
        for source in cited:
            if source not in sources:
                raise ValueError(f"unknown source {source!r}")

    def _check_groups(self) -> dict[str, Group]:
        """Groups are unique, sit at a known facility or in an earlier group that can hold them."""
        facilities = {f.id for f in self.facilities}
        groups: dict[str, Group] = {}
        for group in self.groups:
            if group.id in groups:
                raise ValueError(f"duplicate group {group.id!r}")
            if group.facility is not None and group.facility not in facilities:
                raise ValueError(f"group {group.id}: unknown facility {group.facility!r}")
            if group.facility is not None and group.into is not None:
                raise ValueError(f"group {group.id}: an item put into another is where it is")
            if group.into is not None:
                holder = groups.get(group.into)
                if holder is None:
                    raise ValueError(f"group {group.id}: into names no earlier group")
                if holder.kind not in CONTAINER_KINDS[group.kind]:
                    raise ValueError(
                        f"group {group.id}: a {group.kind} cannot sit in a {holder.kind}"
                    )
            groups[group.id] = group
        return groups

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "force") -> Force:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            message = first["msg"].removeprefix("Value error, ")
            raise ModelValidationError(
                f"{source}: {where}: {message}" if where else f"{source}: {message}"
            ) from None


def expand(force: Force) -> Inventory:
    """The force as single items with UIDs (``<group id>-<n>``, upper case) and containment."""
    party = force.force.party
    items: dict[str, list[dict[str, Any]]] = {}
    held: dict[str, int] = {}  # uid -> items put into it
    for group in force.groups:
        members = [_member(group, party, n) for n in range(1, group.count + 1)]
        if group.into is not None:
            _fill(group, members, items[group.into], held)
        items[group.id] = members
    for group in force.groups:
        if group.empty_status is not None:
            for member in items[group.id]:
                if not held.get(member["uid"]):
                    member["status"] = group.empty_status
    for move in force.moves:
        pool = [m for m in items[move.group] if not m.get("_moved")]
        if move.count > len(pool):
            raise ModelValidationError(
                f"move of {move.group}: {move.count} items asked, {len(pool)} left", item=move.group
            )
        for member in pool[len(pool) - move.count :]:
            member["_moved"] = True
            for field in ("facility", "role", "status"):
                value = getattr(move, field)
                if value is not None:
                    member[field] = value
    built: list[Item] = []
    for group in force.groups:
        for member in items[group.id]:
            member.pop("_moved", None)
            built.append(make_item(member, label=member["uid"]))
    facilities = [
        Facility(id=f.id, party=party, type=f.type, name=f.name) for f in force.facilities
    ]
    return inventory_of(built, facilities)


def perturbed(force: Force, change: int = -1) -> Force:
    """The force with every fitted count changed by ``change`` (not below 0): a figure that
    does not move is independent of the fitted numbers."""
    groups = tuple(
        g.model_copy(update={"count": max(0, g.count + change)}) if g.fitted else g
        for g in force.groups
    )
    moves = tuple(
        m.model_copy(update={"count": max(0, m.count + change)}) if m.fitted else m
        for m in force.moves
    )
    return force.model_copy(update={"groups": groups, "moves": moves})


def _member(group: Group, party: str, n: int) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "uid": f"{group.id}-{n:04d}".upper(),
        "party": party,
        "kind": group.kind,
        "status": group.status,
    }
    for name in ("system_type", "warheads", "armament", "role"):
        value = getattr(group, name)
        if value is not None:
            fields[name] = value
    if group.facility is not None and group.into is None:
        fields["facility"] = group.facility
    return fields


def _fill(
    group: Group,
    members: list[dict[str, Any]],
    containers: list[dict[str, Any]],
    held: dict[str, int],
) -> None:
    free = (c for c in containers for _ in range(group.per_container - held.get(c["uid"], 0)))
    for member in members:
        container = next(free, None)
        if container is None:
            raise ModelValidationError(
                f"group {group.id}: more items than room in {group.into}", item=group.id
            )
        member["contained_in"] = container["uid"]
        held[container["uid"]] = held.get(container["uid"], 0) + 1

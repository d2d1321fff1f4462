"""Upload potential: how many stored warheads a declared force could put back on its
delivery systems.

Per system type: physical capacity (``upload_capacity`` in the parameters, else the catalog's
``max_warheads``) and current loading (the declared ``warheads`` of deployed missiles, and of
deployed nuclear bombers: weapons at the bomber base); the free slots are the headroom on
deployed vehicles plus, where the parameters enable it, whole vehicles restored from
non-deployed launchers (with a spare missile) or from a reversed conversion. Stored warheads,
by warhead type, fit the systems the compatibility table names. The potential is the most
warheads that can be placed (a maximum flow, ``placement.place``); per system and per leg it
is min(free slots, compatible warheads) where the two do not compete, and the binding
constraint is named: ``capacity`` (every slot filled) or ``warheads`` (compatible warheads
ran out first).

Conventions: a missile row with no declared ``warheads`` carries none; warhead items with
status ``deployed`` outside any vehicle (weapons declared as items at a bomber base) are
already deployed and count in the current total but belong to no system; warhead types that
are missing from the compatibility table, or fit no system of the force, are reported as
unplaceable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from treatyledger.analysis.errors import AnalysisParameterError
from treatyledger.analysis.parameters import SystemParameters, UploadParameters
from treatyledger.analysis.placement import place
from treatyledger.model import Armament, Catalog, Inventory, Item, ItemKind, Status
from treatyledger.model.errors import CatalogError
from treatyledger.model.kinds import LAUNCHER_KINDS, MISSILE_KINDS

LEG_OF_KIND = {ItemKind.ICBM: "icbm", ItemKind.SLBM: "slbm", ItemKind.HEAVY_BOMBER: "bomber"}
LEGS = ("icbm", "slbm", "bomber")
UNSPECIFIED_WARHEAD = "unspecified"


@dataclass(frozen=True)
class SystemForce:
    """One system type of a declared force, as the upload model sees it."""

    system_type: str
    leg: str
    capacity_per_vehicle: int
    deployed_vehicles: int
    current_warheads: int
    restorable_nondeployed: int = 0  # vehicles: empty launchers with a spare missile, etc.
    restorable_converted: int = 0  # vehicles whose conversion would be reversed

    @property
    def deployed_headroom(self) -> int:
        return max(0, self.deployed_vehicles * self.capacity_per_vehicle - self.current_warheads)

    @property
    def restore_slots(self) -> int:
        return self.restorable_nondeployed * self.capacity_per_vehicle

    @property
    def reconversion_slots(self) -> int:
        return self.restorable_converted * self.capacity_per_vehicle

    @property
    def headroom(self) -> int:
        return self.deployed_headroom + self.restore_slots + self.reconversion_slots


@dataclass(frozen=True)
class WarheadStock:
    """Usable non-deployed warheads of one type and status, and the systems they fit."""

    warhead_type: str
    status: Status
    quantity: int
    fits: tuple[str, ...]


@dataclass(frozen=True)
class Force:
    """A party's delivery systems and usable non-deployed warheads."""

    party: str
    systems: Mapping[str, SystemForce]
    stock: tuple[WarheadStock, ...]
    unplaceable: Mapping[str, int] = field(default_factory=dict)
    deployed_outside_vehicles: int = 0

    @property
    def current_warheads(self) -> int:
        return self.deployed_outside_vehicles + sum(
            s.current_warheads for s in self.systems.values()
        )

    def stock_by_type(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = defaultdict(dict)
        for entry in self.stock:
            table[entry.warhead_type][str(entry.status)] = entry.quantity
        return dict(table)


def group_key(fits: tuple[str, ...]) -> str:
    """Warheads that fit the same systems are interchangeable: one node of the flow."""
    return "fits:" + "|".join(fits)


def _resolve(catalog: Catalog, name: str, where: str) -> str:
    try:
        return catalog.resolve(name).id
    except CatalogError:
        raise AnalysisParameterError(f"{where}: unknown system type {name!r}") from None


def system_parameters_by_id(
    params: UploadParameters, catalog: Catalog
) -> dict[str, SystemParameters]:
    resolved: dict[str, SystemParameters] = {}
    for system in params.systems:
        type_id = _resolve(catalog, system.system_type, "parameters: systems")
        if type_id in resolved:
            raise AnalysisParameterError(
                f"parameters: systems: {system.system_type!r} names {type_id!r} a second time"
            )
        resolved[type_id] = system
    return resolved


def compatibility_by_type(params: UploadParameters, catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """Warhead type -> catalog ids of the systems it fits (sorted, aliases resolved)."""
    table: dict[str, tuple[str, ...]] = {}
    for row in params.warheads:
        where = f"parameters: warheads: {row.warhead_type}"
        table[row.warhead_type] = tuple(sorted({_resolve(catalog, n, where) for n in row.fits}))
    return table


def select_party(inventory: Inventory, party: str | None) -> str:
    parties = inventory.parties
    if party is not None:
        if party not in parties:
            found = ", ".join(parties) or "none"
            raise AnalysisParameterError(f"party {party!r} has no items (parties found: {found})")
        return party
    if len(parties) != 1:
        found = ", ".join(parties) or "none"
        raise AnalysisParameterError(f"expected one party in the inventory, found {found}")
    return parties[0]


def force_of(
    inventory: Inventory,
    catalog: Catalog,
    params: UploadParameters,
    *,
    party: str | None = None,
) -> Force:
    """Summarise a declared inventory into the force the upload model works on, in three
    phases: tally the party's items by system type and status (``_tally``), turn each system
    type's tally into its ``SystemForce`` with what could be restored (``_system_forces``),
    and sort the usable warheads into stocks by the systems they fit (``_warhead_stocks``)."""
    party = select_party(inventory, party)
    tally = _tally(inventory, catalog, party, params.hedge.retired_usable.value)
    systems = _system_forces(tally, catalog, system_parameters_by_id(params, catalog))
    stocks, unplaceable = _warhead_stocks(tally, compatibility_by_type(params, catalog), systems)
    return Force(
        party=party,
        systems=systems,
        stock=stocks,
        unplaceable=unplaceable,
        deployed_outside_vehicles=tally.outside,
    )


def _counter() -> defaultdict[str, int]:
    return defaultdict(int)


@dataclass
class _Tally:
    """One party's items counted by system type (and warheads by type and status)."""

    deployed: defaultdict[str, int] = field(default_factory=_counter)
    loaded: defaultdict[str, int] = field(default_factory=_counter)  # warheads on deployed
    empty_launchers: defaultdict[str, int] = field(default_factory=_counter)
    spare_missiles: defaultdict[str, int] = field(default_factory=_counter)
    converted: defaultdict[str, int] = field(default_factory=_counter)
    idle_bombers: defaultdict[str, int] = field(default_factory=_counter)
    leg_of: dict[str, str] = field(default_factory=dict)
    stock: defaultdict[tuple[str, Status], int] = field(default_factory=lambda: defaultdict(int))
    outside: int = 0  # deployed warheads on no vehicle (at bomber bases)

    def deployed_vehicle(self, system: str, item: Item) -> None:
        self.deployed[system] += item.quantity
        self.loaded[system] += item.quantity * (item.warheads or 0)


def _tally(inventory: Inventory, catalog: Catalog, party: str, retired_usable: bool) -> _Tally:
    tally = _Tally()
    for item in inventory.items:
        if item.party != party or item.quantity == 0:
            continue
        if item.kind is ItemKind.WARHEAD:
            _tally_warhead(tally, item, retired_usable)
            continue
        assert item.system_type is not None  # the model requires it for delivery systems
        system = catalog.resolve(item.system_type)
        tally.leg_of[system.id] = LEG_OF_KIND[system.kind]
        if item.kind in MISSILE_KINDS:
            _tally_missile(tally, system.id, item)
        elif item.kind in LAUNCHER_KINDS:
            _tally_launcher(tally, system.id, item)
        elif item.kind is ItemKind.HEAVY_BOMBER:
            _tally_bomber(tally, system.id, item)
    return tally


def _tally_warhead(tally: _Tally, item: Item, retired_usable: bool) -> None:
    warhead_type = item.warhead_type or item.system_type or UNSPECIFIED_WARHEAD
    if item.status is Status.STORED or (item.status is Status.RETIRED and retired_usable):
        tally.stock[(warhead_type, item.status)] += item.quantity
    elif item.status is Status.DEPLOYED and item.contained_in is None:
        tally.outside += item.quantity


def _tally_missile(tally: _Tally, system: str, item: Item) -> None:
    if item.status is Status.DEPLOYED:
        tally.deployed_vehicle(system, item)
    elif item.status is Status.NON_DEPLOYED:
        tally.spare_missiles[system] += item.quantity


def _tally_launcher(tally: _Tally, system: str, item: Item) -> None:
    if item.status is Status.NON_DEPLOYED:
        tally.empty_launchers[system] += item.quantity
    elif item.status is Status.CONVERTED:
        tally.converted[system] += item.quantity


def _tally_bomber(tally: _Tally, system: str, item: Item) -> None:
    non_nuclear = item.armament is Armament.NON_NUCLEAR
    if item.status is Status.CONVERTED_NON_NUCLEAR or (
        non_nuclear and item.status is Status.DEPLOYED
    ):
        tally.converted[system] += item.quantity
    elif item.status is Status.DEPLOYED:
        tally.deployed_vehicle(system, item)
    elif item.status is Status.NON_DEPLOYED and not non_nuclear:
        tally.idle_bombers[system] += item.quantity


def _system_forces(
    tally: _Tally, catalog: Catalog, system_params: Mapping[str, SystemParameters]
) -> dict[str, SystemForce]:
    systems: dict[str, SystemForce] = {}
    for type_id in sorted(tally.leg_of):
        system_type = catalog.resolve(type_id)
        sp = system_params.get(type_id)
        capacity = system_type.max_warheads
        if sp is not None and sp.upload_capacity is not None:
            capacity = sp.upload_capacity.value
        restorable, reconvertible = _restorable(tally, type_id, system_type.kind, sp)
        systems[type_id] = SystemForce(
            system_type=type_id,
            leg=tally.leg_of[type_id],
            capacity_per_vehicle=capacity,
            deployed_vehicles=tally.deployed[type_id],
            current_warheads=tally.loaded[type_id],
            restorable_nondeployed=restorable,
            restorable_converted=reconvertible,
        )
    return systems


def _restorable(
    tally: _Tally, type_id: str, kind: ItemKind, sp: SystemParameters | None
) -> tuple[int, int]:
    """(vehicles restorable from non-deployed, vehicles restorable by reversing conversion):
    a bomber by itself; a missile system only where a spare missile meets an empty or
    converted launcher."""
    if sp is None:
        return 0, 0
    if kind is ItemKind.HEAVY_BOMBER:
        restorable = tally.idle_bombers[type_id] if sp.restores_nondeployed else 0
        return restorable, tally.converted[type_id] if sp.reconverts else 0
    spares = tally.spare_missiles[type_id]
    restorable = min(tally.empty_launchers[type_id], spares) if sp.restores_nondeployed else 0
    spares -= restorable
    return restorable, min(tally.converted[type_id], spares) if sp.reconverts else 0


def _warhead_stocks(
    tally: _Tally,
    compatibility: Mapping[str, tuple[str, ...]],
    systems: Mapping[str, SystemForce],
) -> tuple[tuple[WarheadStock, ...], dict[str, int]]:
    """The usable warheads by type and status with the systems of this force they fit, and
    the warheads of types that fit none of them."""
    stocks: list[WarheadStock] = []
    unplaceable: dict[str, int] = defaultdict(int)
    for (warhead_type, status), quantity in sorted(tally.stock.items()):
        fits = tuple(s for s in compatibility.get(warhead_type, ()) if s in systems)
        if not fits:
            unplaceable[warhead_type] += quantity
            continue
        stocks.append(WarheadStock(warhead_type, status, quantity, fits))
    return tuple(stocks), dict(unplaceable)


@dataclass(frozen=True)
class SystemUpload:
    force: SystemForce
    compatible_warheads: int  # usable warheads that fit this system (others may share them)
    uploaded: int
    binding: str  # "capacity" or "warheads"

    @property
    def explanation(self) -> str:
        s = self.force
        if self.binding == "capacity":
            return (
                f"capacity binds: {s.headroom} free slots ({s.deployed_headroom} on "
                f"{s.deployed_vehicles} deployed, {s.restore_slots} restorable, "
                f"{s.reconversion_slots} by reconversion) for {self.compatible_warheads} "
                "compatible stored warheads"
            )
        shared = self.compatible_warheads - self.uploaded
        elsewhere = f"; {shared} of those that fit went to other systems" if shared > 0 else ""
        return (
            f"warheads bind: {self.uploaded} compatible stored warheads for {s.headroom} free "
            f"slots{elsewhere}"
        )


@dataclass(frozen=True)
class LegUpload:
    leg: str
    current_warheads: int
    headroom: int
    uploaded: int
    binding: str


@dataclass(frozen=True)
class UploadResult:
    party: str
    force: Force
    systems: Mapping[str, SystemUpload]
    placement: Mapping[tuple[str, str], int]  # (warhead group, system) -> warheads

    @property
    def currently_deployed_warheads(self) -> int:
        return self.force.current_warheads

    @property
    def upload_potential(self) -> int:
        return sum(s.uploaded for s in self.systems.values())

    @property
    def max_deployed_warheads(self) -> int:
        return self.currently_deployed_warheads + self.upload_potential

    @property
    def hedge(self) -> int:
        """Usable non-deployed warheads that fit some system of the force."""
        return sum(entry.quantity for entry in self.force.stock)

    def legs(self) -> dict[str, LegUpload]:
        result: dict[str, LegUpload] = {}
        for leg in LEGS:
            members = [s for s in self.systems.values() if s.force.leg == leg]
            if not members:
                continue
            headroom = sum(s.force.headroom for s in members)
            uploaded = sum(s.uploaded for s in members)
            result[leg] = LegUpload(
                leg=leg,
                current_warheads=sum(s.force.current_warheads for s in members),
                headroom=headroom,
                uploaded=uploaded,
                binding="capacity" if uploaded >= headroom else "warheads",
            )
        return result

    def group_types(self, group: str) -> list[str]:
        """The warhead types of a placement group (types that fit the same systems)."""
        return sorted({e.warhead_type for e in self.force.stock if group_key(e.fits) == group})

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "currently_deployed_warheads": self.currently_deployed_warheads,
            "max_deployed_warheads": self.max_deployed_warheads,
            "upload_potential": self.upload_potential,
            "hedge_warheads": self.hedge,
            "deployed_outside_vehicles": self.force.deployed_outside_vehicles,
            "by_system": {
                type_id: {
                    "leg": s.force.leg,
                    "deployed_vehicles": s.force.deployed_vehicles,
                    "current_warheads": s.force.current_warheads,
                    "capacity_per_vehicle": s.force.capacity_per_vehicle,
                    "deployed_headroom": s.force.deployed_headroom,
                    "restorable_nondeployed_vehicles": s.force.restorable_nondeployed,
                    "restorable_converted_vehicles": s.force.restorable_converted,
                    "headroom": s.force.headroom,
                    "compatible_warheads": s.compatible_warheads,
                    "uploaded": s.uploaded,
                    "max_warheads": s.force.current_warheads + s.uploaded,
                    "binding": s.binding,
                    "explanation": s.explanation,
                }
                for type_id, s in self.systems.items()
            },
            "by_leg": {
                leg: {
                    "current_warheads": entry.current_warheads,
                    "headroom": entry.headroom,
                    "uploaded": entry.uploaded,
                    "binding": entry.binding,
                }
                for leg, entry in self.legs().items()
            },
            "stored_warheads": self.force.stock_by_type(),
            "unplaceable_warheads": dict(self.force.unplaceable),
            "placement": [
                {
                    "warhead_types": self.group_types(group),
                    "system_type": system,
                    "count": count,
                }
                for (group, system), count in sorted(self.placement.items())
            ],
        }


def supply_by_group(force: Force, statuses: frozenset[Status] | None = None) -> dict[str, float]:
    supply: dict[str, float] = defaultdict(float)
    for entry in force.stock:
        if statuses is None or entry.status in statuses:
            supply[group_key(entry.fits)] += entry.quantity
    return dict(supply)


def fits_by_group(force: Force) -> dict[str, tuple[str, ...]]:
    return {group_key(entry.fits): entry.fits for entry in force.stock}


def upload_potential_of(force: Force) -> UploadResult:
    """The upload potential of a summarised force (every usable warhead, every free slot)."""
    slots = {type_id: float(s.headroom) for type_id, s in force.systems.items()}
    flows = place(supply_by_group(force), slots, fits_by_group(force))
    placement = {key: round(amount) for key, amount in flows.items()}
    uploaded: dict[str, int] = defaultdict(int)
    for (_, system), amount in placement.items():
        uploaded[system] += amount
    compatible: dict[str, int] = defaultdict(int)
    for entry in force.stock:
        for system in entry.fits:
            compatible[system] += entry.quantity
    systems = {
        type_id: SystemUpload(
            force=s,
            compatible_warheads=compatible[type_id],
            uploaded=uploaded[type_id],
            binding="capacity" if uploaded[type_id] >= s.headroom else "warheads",
        )
        for type_id, s in force.systems.items()
    }
    return UploadResult(party=force.party, force=force, systems=systems, placement=placement)


def upload_potential(
    inventory: Inventory,
    catalog: Catalog,
    params: UploadParameters,
    *,
    party: str | None = None,
) -> UploadResult:
    """Upload potential of ``party``'s declared force (the only party when ``None``)."""
    return upload_potential_of(force_of(inventory, catalog, params, party=party))

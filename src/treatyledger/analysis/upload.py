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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from treatyledger.analysis.parameters import (
    AnalysisParameterError,
    SystemParameters,
    UploadParameters,
)
from treatyledger.analysis.placement import place
from treatyledger.errors import CatalogError
from treatyledger.model import Armament, Catalog, Inventory, Item, ItemKind, Status
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
    """Summarise a declared inventory into the force the upload model works on."""
    party = select_party(inventory, party)
    system_params = system_parameters_by_id(params, catalog)
    compatibility = compatibility_by_type(params, catalog)
    deployed: dict[str, int] = defaultdict(int)
    loaded: dict[str, int] = defaultdict(int)
    empty_launchers: dict[str, int] = defaultdict(int)
    spare_missiles: dict[str, int] = defaultdict(int)
    converted: dict[str, int] = defaultdict(int)
    idle_bombers: dict[str, int] = defaultdict(int)
    leg_of: dict[str, str] = {}
    stock: dict[tuple[str, Status], int] = defaultdict(int)
    outside = 0
    retired_usable = params.hedge.retired_usable.value
    for item in inventory.items:
        if item.party != party or item.quantity == 0:
            continue
        if item.kind is ItemKind.WARHEAD:
            warhead_type = item.warhead_type or item.system_type or UNSPECIFIED_WARHEAD
            if item.status is Status.STORED or (item.status is Status.RETIRED and retired_usable):
                stock[(warhead_type, item.status)] += item.quantity
            elif item.status is Status.DEPLOYED and item.contained_in is None:
                outside += item.quantity
            continue
        assert item.system_type is not None  # the model requires it for delivery systems
        system = catalog.resolve(item.system_type)
        leg_of[system.id] = LEG_OF_KIND[system.kind]
        quantity = item.quantity
        if item.kind in MISSILE_KINDS:
            if item.status is Status.DEPLOYED:
                deployed[system.id] += quantity
                loaded[system.id] += quantity * (item.warheads or 0)
            elif item.status is Status.NON_DEPLOYED:
                spare_missiles[system.id] += quantity
        elif item.kind in LAUNCHER_KINDS:
            if item.status is Status.NON_DEPLOYED:
                empty_launchers[system.id] += quantity
            elif item.status is Status.CONVERTED:
                converted[system.id] += quantity
        elif item.kind is ItemKind.HEAVY_BOMBER:
            non_nuclear = item.armament is Armament.NON_NUCLEAR
            if item.status is Status.CONVERTED_NON_NUCLEAR or (
                non_nuclear and item.status is Status.DEPLOYED
            ):
                converted[system.id] += quantity
            elif item.status is Status.DEPLOYED:
                deployed[system.id] += quantity
                loaded[system.id] += quantity * (item.warheads or 0)
            elif item.status is Status.NON_DEPLOYED and not non_nuclear:
                idle_bombers[system.id] += quantity
    systems: dict[str, SystemForce] = {}
    for type_id in sorted(leg_of):
        system_type = catalog.resolve(type_id)
        sp = system_params.get(type_id)
        capacity = system_type.max_warheads
        if sp is not None and sp.upload_capacity is not None:
            capacity = sp.upload_capacity.value
        restorable = 0
        reconvertible = 0
        if system_type.kind is ItemKind.HEAVY_BOMBER:
            if sp is not None and sp.restores_nondeployed:
                restorable = idle_bombers[type_id]
            if sp is not None and sp.reconverts:
                reconvertible = converted[type_id]
        else:
            spares = spare_missiles[type_id]
            if sp is not None and sp.restores_nondeployed:
                restorable = min(empty_launchers[type_id], spares)
                spares -= restorable
            if sp is not None and sp.reconverts:
                reconvertible = min(converted[type_id], spares)
        systems[type_id] = SystemForce(
            system_type=type_id,
            leg=leg_of[type_id],
            capacity_per_vehicle=capacity,
            deployed_vehicles=deployed[type_id],
            current_warheads=loaded[type_id],
            restorable_nondeployed=restorable,
            restorable_converted=reconvertible,
        )
    stocks: list[WarheadStock] = []
    unplaceable: dict[str, int] = defaultdict(int)
    for (warhead_type, status), quantity in sorted(stock.items()):
        fits = tuple(s for s in compatibility.get(warhead_type, ()) if s in systems)
        if not fits:
            unplaceable[warhead_type] += quantity
            continue
        stocks.append(WarheadStock(warhead_type, status, quantity, fits))
    return Force(
        party=party,
        systems=systems,
        stock=tuple(stocks),
        unplaceable=dict(unplaceable),
        deployed_outside_vehicles=outside,
    )


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


def _split_load(item: Item, fill: int, capacity: int) -> list[Item]:
    """``item`` (``quantity`` vehicles of ``warheads`` each) with ``fill`` more warheads,
    vehicle by vehicle up to ``capacity``: full ones, at most one partial, the rest as were."""
    load = item.warheads or 0
    room = capacity - load
    if fill <= 0 or room <= 0:
        return [item]
    full, partial = divmod(fill, room)
    rows = []
    if full:
        rows.append(item.model_copy(update={"quantity": full, "warheads": capacity}))
    if partial:
        rows.append(item.model_copy(update={"quantity": 1, "warheads": load + partial}))
    rest = item.quantity - full - (1 if partial else 0)
    if rest:
        rows.append(item.model_copy(update={"quantity": rest}))
    return rows


def _take(items: list[Item | None], wanted: int, match: Callable[[Item], bool]) -> list[Item]:
    """Remove up to ``wanted`` units from the rows that ``match`` (splitting a row where
    needed); the units taken, as rows."""
    taken: list[Item] = []
    for index, item in enumerate(items):
        if wanted <= 0:
            break
        if item is None or not match(item):
            continue
        share = min(wanted, item.quantity)
        wanted -= share
        taken.append(item.model_copy(update={"quantity": share}))
        left = item.quantity - share
        items[index] = item.model_copy(update={"quantity": left}) if left else None
    return taken


def _matcher(
    catalog: Catalog,
    party: str,
    kind: ItemKind,
    status: Status,
    *,
    system_type: str | None = None,
    warhead_types: frozenset[str] | None = None,
    nuclear_only: bool = False,
) -> Callable[[Item], bool]:
    """A predicate selecting ``party``'s rows of one kind, status and system (or warhead) type."""

    def match(item: Item) -> bool:
        if item.party != party or item.kind is not kind or item.status is not status:
            return False
        if nuclear_only and item.armament is Armament.NON_NUCLEAR:
            return False
        if warhead_types is not None:
            return (item.warhead_type or item.system_type or UNSPECIFIED_WARHEAD) in warhead_types
        if system_type is not None:
            return (
                item.system_type is not None and catalog.resolve(item.system_type).id == system_type
            )
        return True

    return match


def after_upload(inventory: Inventory, catalog: Catalog, result: UploadResult) -> Inventory:
    """The force as it would stand after the full upload ``result`` describes: stored warheads
    placed on vehicles (deployed first, then restored, then reconverted ones), those vehicles
    deployed. A hypothetical inventory, for counting under each rule set (what would each
    treaty have shown?); containment links are not rewritten."""
    party = result.party
    items: list[Item | None] = list(inventory.items)
    added: list[Item] = []

    # the warheads placed leave storage: per group, stored ones before retired ones
    for (group, _), amount in sorted(result.placement.items()):
        types = frozenset(e.warhead_type for e in result.force.stock if group_key(e.fits) == group)
        for status in (Status.STORED, Status.RETIRED):
            match = _matcher(catalog, party, ItemKind.WARHEAD, status, warhead_types=types)
            amount -= sum(i.quantity for i in _take(items, amount, match))
    for type_id, upload in result.systems.items():
        left = upload.uploaded
        capacity = upload.force.capacity_per_vehicle
        kind = catalog.resolve(type_id).kind
        # 1. deployed vehicles
        deployed = _matcher(
            catalog, party, kind, Status.DEPLOYED, system_type=type_id, nuclear_only=True
        )
        for index, item in enumerate(items):
            if left <= 0:
                break
            if item is None or not deployed(item):
                continue
            fill = min(left, max(0, capacity - (item.warheads or 0)) * item.quantity)
            left -= fill
            rows = _split_load(item, fill, capacity)
            items[index] = rows[0]
            added.extend(rows[1:])
        # 2. restored, then 3. reconverted vehicles, as many as the remaining warheads need
        for available, launcher_status, bomber_status in (
            (upload.force.restorable_nondeployed, Status.NON_DEPLOYED, Status.NON_DEPLOYED),
            (upload.force.restorable_converted, Status.CONVERTED, Status.CONVERTED_NON_NUCLEAR),
        ):
            vehicles = min(available, -(-left // capacity)) if capacity else 0
            if vehicles <= 0:
                continue
            vehicle_rows: list[Item]
            if kind is ItemKind.HEAVY_BOMBER:
                idle = _matcher(
                    catalog,
                    party,
                    kind,
                    bomber_status,
                    system_type=type_id,
                    nuclear_only=bomber_status is Status.NON_DEPLOYED,
                )
                lrna = bool(catalog.resolve(type_id).lrna_capacity)
                update = {
                    "status": Status.DEPLOYED,
                    "armament": Armament.LRNA if lrna else Armament.NUCLEAR,
                    "warheads": 0,
                }
                vehicle_rows = [b.model_copy(update=update) for b in _take(items, vehicles, idle)]
            else:
                launcher_kind = (
                    ItemKind.ICBM_LAUNCHER if kind is ItemKind.ICBM else ItemKind.SLBM_LAUNCHER
                )
                empty = _matcher(
                    catalog, party, launcher_kind, launcher_status, system_type=type_id
                )
                launchers = _take(items, vehicles, empty)
                added.extend(r.model_copy(update={"status": Status.DEPLOYED}) for r in launchers)
                spare = _matcher(catalog, party, kind, Status.NON_DEPLOYED, system_type=type_id)
                missiles = _take(items, sum(r.quantity for r in launchers), spare)
                update = {"status": Status.DEPLOYED, "warheads": 0}
                vehicle_rows = [m.model_copy(update=update) for m in missiles]
            for row in vehicle_rows:
                fill = min(left, capacity * row.quantity)
                left -= fill
                added.extend(_split_load(row, fill, capacity))
    kept = tuple(i for i in items if i is not None)
    return Inventory(items=kept + tuple(added), facilities=inventory.facilities)

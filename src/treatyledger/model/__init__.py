"""Pure domain types: parties, facilities, system types, items. No I/O."""

from treatyledger.model.catalog import Catalog, SystemType
from treatyledger.model.items import (
    CARRIER_KINDS,
    Inventory,
    Item,
    capacity_problem,
    inventory_of,
    make_item,
)
from treatyledger.model.kinds import (
    CONTAINER_KINDS,
    LAUNCHER_KINDS,
    MISSILE_KINDS,
    STATUSES_BY_KIND,
    TERMINAL_STATUSES,
    Armament,
    Basing,
    FacilityType,
    ItemKind,
    Role,
    Status,
)
from treatyledger.model.parties import Facility, Party

__all__ = [
    "CARRIER_KINDS",
    "CONTAINER_KINDS",
    "LAUNCHER_KINDS",
    "MISSILE_KINDS",
    "STATUSES_BY_KIND",
    "TERMINAL_STATUSES",
    "Armament",
    "Basing",
    "Catalog",
    "Facility",
    "FacilityType",
    "Inventory",
    "Item",
    "ItemKind",
    "Party",
    "Role",
    "Status",
    "SystemType",
    "capacity_problem",
    "inventory_of",
    "make_item",
]

"""Pure domain types: parties, facilities, system types, items. No I/O."""

from treatyledger.model.catalog import Catalog, SystemType
from treatyledger.model.items import Inventory, Item, inventory_of, make_item
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
    Status,
)
from treatyledger.model.parties import Facility, Party

__all__ = [
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
    "Status",
    "SystemType",
    "inventory_of",
    "make_item",
]

"""Items with UIDs, and inventories (a party's declared items at one moment)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from treatyledger.model.catalog import Catalog, SystemType
from treatyledger.model.errors import ModelValidationError
from treatyledger.model.kinds import (
    STATUSES_BY_KIND,
    Armament,
    Basing,
    ItemKind,
    Role,
    Status,
)
from treatyledger.model.parties import IDENTIFIER_PATTERN, Facility
from treatyledger.model.text import Name

UID_PATTERN = IDENTIFIER_PATTERN

#: The largest integer JSON carries exactly everywhere (IEEE doubles; RFC 8785 refuses more).
#: Every integer of a notification is bounded by it at the schema, so none beyond it reaches
#: canonicalization or storage.
MAX_JSON_INT = 2**53 - 1


class Item(BaseModel):
    """One accountable item, or ``quantity`` identical items without UIDs (public data is
    published per type).

    ``warheads`` is the number actually emplaced: reentry vehicles on a missile, weapons on a
    bomber; ``None`` means none declared. ``contained_in`` is the UID of the container: a
    warhead on a missile or bomber, a missile in a launcher, a launcher on a submarine.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    uid: str | None = Field(default=None, pattern=UID_PATTERN)
    party: str = Field(pattern=IDENTIFIER_PATTERN)
    kind: ItemKind
    system_type: Name | None = Field(default=None, min_length=1, max_length=64)
    status: Status
    quantity: int = Field(default=1, ge=0, le=MAX_JSON_INT)
    warheads: int | None = Field(default=None, ge=0, le=MAX_JSON_INT)
    armament: Armament | None = None
    lrna_capacity: int | None = Field(default=None, ge=0, le=MAX_JSON_INT)
    basing: Basing | None = None
    facility: str | None = Field(default=None, pattern=IDENTIFIER_PATTERN)
    contained_in: str | None = Field(default=None, pattern=UID_PATTERN)
    warhead_type: Name | None = Field(default=None, max_length=64)
    role: Role | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        if self.status not in STATUSES_BY_KIND[self.kind]:
            allowed = ", ".join(sorted(STATUSES_BY_KIND[self.kind]))
            raise ValueError(
                f"status {self.status} is not a status of a {self.kind} (one of {allowed})"
            )
        if self.uid is not None and self.quantity != 1:
            raise ValueError(f"an item with a uid has quantity 1, got {self.quantity}")
        if self.kind is ItemKind.WARHEAD:
            if self.warheads is not None:
                raise ValueError("warheads applies to delivery vehicles, not to a warhead")
        elif self.system_type is None:
            raise ValueError(f"a {self.kind} needs a system_type")
        if self.armament is not None and self.kind is not ItemKind.HEAVY_BOMBER:
            raise ValueError("armament applies to heavy bombers only")
        if self.lrna_capacity is not None and self.kind is not ItemKind.HEAVY_BOMBER:
            raise ValueError("lrna_capacity applies to heavy bombers only")
        return self

    @property
    def label(self) -> str:
        """How errors and explanations name this item."""
        if self.uid:
            return self.uid
        return f"{self.party} {self.quantity} x {self.system_type or self.kind} {self.status}"


#: Kinds whose ``warheads`` is a load the system type's ``max_warheads`` bounds.
CARRIER_KINDS = frozenset({ItemKind.ICBM, ItemKind.SLBM, ItemKind.HEAVY_BOMBER})


def capacity_problem(item: Item, system_type: SystemType | None) -> tuple[str, str] | None:
    """Why ``item`` declares more than its type can physically carry, as (field, message), or
    None. One unit of a row carries ``warheads``, so the bound is per unit: 99 reentry
    vehicles on one Minuteman III is beyond its 3, whatever the quantity."""
    if system_type is None or item.kind not in CARRIER_KINDS:
        return None
    capacity = system_type.max_warheads
    if item.warheads is not None and item.warheads > capacity:
        return (
            "warheads",
            f"{item.warheads} warheads on one {system_type.id}, beyond its physical capacity "
            f"of {capacity} (catalog max_warheads)",
        )
    if item.lrna_capacity is not None and item.lrna_capacity > capacity:
        return (
            "lrna_capacity",
            f"lrna_capacity {item.lrna_capacity} on one {system_type.id}, beyond its physical "
            f"capacity of {capacity} weapons (catalog max_warheads)",
        )
    return None


def make_item(fields: Mapping[str, Any], *, label: str | None = None) -> Item:
    """Validate ``fields`` into an Item; errors name the item and the offending field."""
    try:
        return Item.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        name = label or str(fields.get("uid") or fields.get("system_type") or "item")
        message = first["msg"].removeprefix("Value error, ")
        raise ModelValidationError(message, item=name, field=field) from None


class Inventory(BaseModel):
    """Declared items (any number of parties) plus the facilities they refer to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    items: tuple[Item, ...] = ()
    facilities: Mapping[str, Facility] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique_uids(self) -> Inventory:
        # a UID names an item within its party: two parties may use the same one
        seen: set[tuple[str, str]] = set()
        for item in self.items:
            if item.uid is None:
                continue
            key = (item.party, item.uid)
            if key in seen:
                raise ValueError(f"duplicate uid {item.uid} of {item.party}")
            seen.add(key)
        return self

    @property
    def parties(self) -> list[str]:
        return sorted({item.party for item in self.items})

    def for_party(self, party: str) -> Inventory:
        return Inventory(
            items=tuple(i for i in self.items if i.party == party), facilities=self.facilities
        )

    def check_against(self, catalog: Catalog) -> None:
        """Every system type must be in the catalog (warheads may carry none)."""
        for item in self.items:
            if (
                item.system_type is not None
                and item.kind is not ItemKind.WARHEAD
                and item.system_type not in catalog
            ):
                raise ModelValidationError(
                    f"unknown system type {item.system_type!r}",
                    item=item.label,
                    field="system_type",
                )


def inventory_of(items: Iterable[Item], facilities: Iterable[Facility] = ()) -> Inventory:
    """Build an Inventory, reporting a duplicate UID as a ModelValidationError."""
    try:
        return Inventory(items=tuple(items), facilities={f.id: f for f in facilities})
    except ValidationError as exc:
        raise ModelValidationError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None

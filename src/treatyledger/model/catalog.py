"""System types (the catalog): the attributes rule sets count by. Rule sets refer to these
attributes, never to type names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from treatyledger.model.errors import CatalogError
from treatyledger.model.kinds import Basing, ItemKind

DELIVERY_SYSTEM_KINDS = frozenset({ItemKind.ICBM, ItemKind.SLBM, ItemKind.HEAVY_BOMBER})


class SystemType(BaseModel):
    """One delivery-system type. ``kind`` is the missile or bomber kind; launchers of a missile
    type refer to the same system type."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    name: str = Field(default="", max_length=200)
    aliases: tuple[str, ...] = ()
    party: str | None = None  # the party that fields it, where that is informative
    kind: ItemKind
    basing: Basing
    heavy_icbm: bool = False
    max_warheads: int = Field(ge=0, description="physical warhead capacity (RVs or weapons)")
    start1_attributed_warheads: int | None = Field(
        default=None, ge=0, description="warheads attributed under the START I MOU"
    )
    lrna_capacity: int | None = Field(
        default=None, ge=0, description="long-range nuclear ALCMs a bomber type is equipped for"
    )
    source: str = Field(min_length=1, description="where the figures come from")

    @model_validator(mode="after")
    def _kind_is_a_delivery_system(self) -> SystemType:
        if self.kind not in DELIVERY_SYSTEM_KINDS:
            raise ValueError(f"kind must be one of icbm, slbm, heavy_bomber, got {self.kind}")
        if self.heavy_icbm and self.kind is not ItemKind.ICBM:
            raise ValueError("heavy_icbm applies to ICBM types only")
        return self


class Catalog:
    """System types by id, resolvable by id or alias (case-sensitive, as written in the data)."""

    def __init__(self, types: Iterable[SystemType]):
        self._types: dict[str, SystemType] = {}
        self._names: dict[str, str] = {}
        for system_type in types:
            self._add(system_type)

    def _add(self, system_type: SystemType) -> None:
        for name in (system_type.id, *system_type.aliases):
            owner = self._names.get(name)
            if owner is not None and owner != system_type.id:
                raise CatalogError(
                    f"system type name {name!r} of {system_type.id!r} is already used by {owner!r}"
                )
        previous = self._types.get(system_type.id)
        if previous is not None:  # a later definition of the same id replaces the earlier
            for name in (previous.id, *previous.aliases):
                self._names.pop(name, None)
        self._types[system_type.id] = system_type
        for name in (system_type.id, *system_type.aliases):
            self._names[name] = system_type.id

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "catalog") -> Catalog:
        """Build from parsed TOML/JSON: ``{"system_types": [{...}, ...]}``."""
        entries = data.get("system_types")
        if not isinstance(entries, list):
            raise CatalogError(f"{source}: expected a list 'system_types'")
        types = []
        for position, entry in enumerate(entries):
            try:
                types.append(SystemType.model_validate(entry))
            except ValidationError as exc:
                label = (
                    entry.get("id", f"#{position + 1}") if isinstance(entry, Mapping) else position
                )
                first = exc.errors()[0]
                field = ".".join(str(p) for p in first["loc"]) or "(entry)"
                raise CatalogError(
                    f"{source}: system type {label}: field {field}: {first['msg']}"
                ) from None
        return cls(types)

    def merged(self, other: Catalog) -> Catalog:
        """This catalog with ``other``'s types added (same id: ``other`` wins)."""
        return Catalog([*self._types.values(), *other._types.values()])

    def get(self, name: str) -> SystemType | None:
        type_id = self._names.get(name)
        return None if type_id is None else self._types[type_id]

    def resolve(self, name: str) -> SystemType:
        system_type = self.get(name)
        if system_type is None:
            raise CatalogError(f"unknown system type {name!r}")
        return system_type

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._names

    def __iter__(self) -> Iterator[SystemType]:
        return iter(self._types.values())

    def __len__(self) -> int:
        return len(self._types)

"""Categories whose totals a commitment publishes: a selection over item fields and a measure.

``where`` maps item fields to the values they may take (every listed field must match); the
measure is ``items`` (the item's quantity) or ``warheads`` (warheads emplaced times quantity).
"Deployed warheads at base B" is ``where = {kind: [warhead], status: [deployed], facility:
[B]}, measure = items``. A category's value for an item is a function of the item alone, so a
verifier recomputes it from every opened item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from treatyledger.model.items import Item
from treatyledger.model.parties import IDENTIFIER_PATTERN

SELECTABLE_FIELDS = frozenset(
    {
        "party",
        "kind",
        "system_type",
        "status",
        "armament",
        "basing",
        "facility",
        "contained_in",
        "warhead_type",
    }
)


class Category(BaseModel):
    """A published total: which items count, and how much each counts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=IDENTIFIER_PATTERN)
    where: Mapping[str, tuple[str, ...]] = Field(default_factory=dict)
    measure: Literal["items", "warheads"] = "items"

    @field_validator("where")
    @classmethod
    def _known_fields(cls, value: Mapping[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
        unknown = sorted(set(value) - SELECTABLE_FIELDS)
        if unknown:
            allowed = ", ".join(sorted(SELECTABLE_FIELDS))
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; expected one of {allowed}")
        for name, options in value.items():
            if not options or len(options) > 1000:
                raise ValueError(f"field {name}: expected 1..1000 values, found {len(options)}")
        return {name: tuple(sorted(set(options))) for name, options in sorted(value.items())}

    def value_of(self, item: Item, fields: Mapping[str, Any] | None = None) -> int:
        """The item's value; ``fields`` is its JSON form when the caller already has it."""
        if fields is None:
            fields = item.model_dump(mode="json", exclude_none=True)
        for name, options in self.where.items():
            if fields.get(name) not in options:
                return 0
        if self.measure == "items":
            return item.quantity
        return (item.warheads or 0) * item.quantity

    def public(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "where": {k: list(v) for k, v in self.where.items()},
            "measure": self.measure,
        }


def category_values(
    categories: Sequence[Category], item: Item, fields: Mapping[str, Any] | None = None
) -> tuple[int, ...]:
    if categories and fields is None:
        fields = item.model_dump(mode="json", exclude_none=True)
    return tuple(category.value_of(item, fields) for category in categories)

"""The records of one inspection as the Protocol runs it (``inspect.procedure``): the
inspecting Party's notification of arrival, its designations of the site and the items, and
the inspection's state after each step (stored as JSON by ``store.run_store``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from treatyledger.model.items import UID_PATTERN
from treatyledger.model.parties import IDENTIFIER_PATTERN
from treatyledger.rules.schema import SelectionMethod

Uid = Annotated[str, Field(pattern=UID_PATTERN)]
MAX_DESIGNATED = 1_000


class Phase(StrEnum):
    NOTIFIED = "notified"
    SITE_DESIGNATED = "site_designated"
    ITEMS_DESIGNATED = "items_designated"
    COMPLETED = "completed"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ArrivalNotice(_Frozen):
    """The inspecting Party's notification of an inspection: its type and when the team
    arrives at the point of entry. ``round_id`` names the joint-randomness round where the
    rule set requires the jointly random draw."""

    id: str = Field(pattern=IDENTIFIER_PATTERN, description="the inspection's id")
    inspection_type: str = Field(pattern=IDENTIFIER_PATTERN)
    inspecting_party: str = Field(pattern=IDENTIFIER_PATTERN)
    inspected_party: str = Field(pattern=IDENTIFIER_PATTERN)
    point_of_entry: str = Field(default="", max_length=128)
    arrival: AwareDatetime = Field(description="arrival of the team at the point of entry")
    notified_at: AwareDatetime
    round_id: str | None = Field(default=None, pattern=IDENTIFIER_PATTERN)


class SiteDesignation(_Frozen):
    """The inspecting Party designates the site (``site`` omitted for a jointly random draw,
    which the node computes from the round)."""

    site: str | None = Field(default=None, pattern=IDENTIFIER_PATTERN)
    designated_at: AwareDatetime


class ItemDesignation(_Frozen):
    """The items to inspect at the designated site, and among them (or the missiles in them)
    the deployed ICBMs or SLBMs whose reentry vehicles are counted."""

    items: tuple[Uid, ...] = Field(default=(), max_length=MAX_DESIGNATED)
    reentry_vehicle_missiles: tuple[Uid, ...] = Field(default=(), max_length=16)
    designated_at: AwareDatetime


class Inspection(_Frozen):
    """One inspection's state: what was notified, designated or drawn, and when."""

    notice: ArrivalNotice
    selection: SelectionMethod
    treaty_year: int
    phase: Phase = Phase.NOTIFIED
    site: str | None = None
    site_designated_at: AwareDatetime | None = None
    items: tuple[str, ...] = ()
    reentry_vehicle_missiles: tuple[str, ...] = ()
    items_designated_at: AwareDatetime | None = None
    seed: str | None = Field(default=None, description="hex seed of a jointly random draw")
    eligible_sites: tuple[str, ...] = ()
    restrictions_from: AwareDatetime | None = None
    restrictions_until: AwareDatetime | None = None
    completed_at: AwareDatetime | None = Field(default=None, description="the findings' time")

    @property
    def id(self) -> str:
        return self.notice.id


__all__ = [
    "MAX_DESIGNATED",
    "ArrivalNotice",
    "Inspection",
    "ItemDesignation",
    "Phase",
    "SiteDesignation",
]

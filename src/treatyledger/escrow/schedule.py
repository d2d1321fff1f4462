"""Staged disclosure: a plan of which committed items open by which date, and a verifier of
the openings actually published against it.

The plan names the commitment it belongs to (party, exchange, root). A disclosure is an
opening with the date it was published (for example the effective time of the log entry
carrying it). The verifier takes the date to judge by (``as_of``) as a parameter: the core
reads no clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from treatyledger.escrow.commitment import MAX_ITEMS, Commitment, Opening, verify_opening
from treatyledger.escrow.errors import EscrowError, InvalidOpeningError
from treatyledger.model.parties import IDENTIFIER_PATTERN

PLAN_FORMAT: Final = "treatyledger-escrow-plan/v1"


class Stage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=IDENTIFIER_PATTERN)
    due: dt.date
    keys: tuple[str, ...] = Field(min_length=1, max_length=MAX_ITEMS)


class DisclosurePlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["treatyledger-escrow-plan/v1"] = PLAN_FORMAT
    party: str = Field(pattern=IDENTIFIER_PATTERN)
    exchange: str = Field(pattern=IDENTIFIER_PATTERN)
    root: str = Field(pattern=r"^[0-9a-f]{64}$")
    stages: tuple[Stage, ...] = Field(min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _each_key_once(self) -> DisclosurePlan:
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names repeat: {names}")
        seen: dict[str, str] = {}
        for stage in self.stages:
            for key in stage.keys:
                if key in seen:
                    raise ValueError(f"key {key} is in stages {seen[key]} and {stage.name}")
                seen[key] = stage.name
        return self

    def public(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def plan_for(commitment: Commitment, stages: Sequence[Stage]) -> DisclosurePlan:
    return DisclosurePlan(
        party=commitment.party, exchange=commitment.exchange, root=commitment.root, stages=stages
    )


@dataclass(frozen=True)
class Disclosure:
    published: dt.date
    opening: Opening


@dataclass(frozen=True)
class ScheduleReport:
    on_time: tuple[str, ...]
    late: tuple[tuple[str, dt.date, dt.date], ...]  # key, due, published
    missing: tuple[tuple[str, dt.date], ...]  # key, due: overdue and not published
    pending: tuple[str, ...]  # not yet due, not published
    unplanned: tuple[str, ...]  # valid openings of keys the plan does not name
    invalid: tuple[tuple[str, str], ...]  # key, reason

    @property
    def ok(self) -> bool:
        return not (self.late or self.missing or self.invalid)


def verify_schedule(
    commitment: Commitment,
    plan: DisclosurePlan,
    disclosures: Sequence[Disclosure],
    as_of: dt.date,
) -> ScheduleReport:
    """Judge the published openings against the plan as of ``as_of``."""
    for name, expected, found in (
        ("party", commitment.party, plan.party),
        ("exchange", commitment.exchange, plan.exchange),
        ("root", commitment.root, plan.root),
    ):
        if expected != found:
            raise EscrowError(f"plan {name} is {found}, the commitment's is {expected}")
    due = {key: stage.due for stage in plan.stages for key in stage.keys}
    first: dict[str, Disclosure] = {}
    invalid: list[tuple[str, str]] = []
    for disclosure in sorted(disclosures, key=lambda d: d.published):
        opening = disclosure.opening
        try:
            verify_opening(commitment, opening)
        except InvalidOpeningError as exc:
            invalid.append((opening.key, str(exc)))
            continue
        earlier = first.get(opening.key)
        if earlier is None:
            first[opening.key] = disclosure
        elif earlier.opening.index != opening.index:
            invalid.append(
                (
                    opening.key,
                    f"committed twice, at leaves {earlier.opening.index} and {opening.index}",
                )
            )
    on_time: list[str] = []
    late: list[tuple[str, dt.date, dt.date]] = []
    missing: list[tuple[str, dt.date]] = []
    pending: list[str] = []
    for key, when in sorted(due.items()):
        shown = first.get(key)
        if shown is None:
            if when < as_of:  # due by the end of its day
                missing.append((key, when))
            else:
                pending.append(key)
        elif shown.published <= when:
            on_time.append(key)
        else:
            late.append((key, when, shown.published))
    unplanned = sorted(set(first) - set(due))
    return ScheduleReport(
        tuple(on_time),
        tuple(late),
        tuple(missing),
        tuple(pending),
        tuple(unplanned),
        tuple(invalid),
    )

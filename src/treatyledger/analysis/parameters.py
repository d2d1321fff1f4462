"""Upload and breakout parameters: the schema of ``upload_parameters.toml``.

Every number the upload and breakout models use is a parameter with its provenance: a
``source``, or ``assumption = true`` where no public source gives it. The models never invent
a figure; a user changes the file, not the code.

Shape (TOML)::

    title = "..."
    [hedge]                       # which warheads can be uploaded, and how soon
    stored_return_days = {value = 0, source = "..."}
    retired_usable = {value = true, assumption = true}
    retired_return_days = {value = 180, assumption = true}
    [destroy]                     # the "destroy" scenario's dismantlement schedule
    dismantle_per_year = {value = 300, source = "..."}
    years = {value = 3, assumption = true}
    [[systems]]                   # one per delivery-system type (catalog id or alias)
    system_type = "MM III"
    schedule = "rate"             # "rate" (bases x vehicles per week) or "port_cycle"
    ...
    [[warheads]]                  # the compatibility table
    warhead_type = "W78"
    fits = ["MM III"]
    source = "..."
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from treatyledger.analysis.errors import AnalysisParameterError

MAX_SYSTEMS = 200
MAX_WARHEAD_TYPES = 200
MAX_SUBMARINES = 1000  # one ramp per boat: a bound on the breakout's work


class _Provenance(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str | None = Field(default=None, max_length=500)
    assumption: bool = False
    note: str = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _has_provenance(self) -> _Provenance:
        if not (self.source and self.source.strip()) and not self.assumption:
            raise ValueError("needs a 'source' or 'assumption = true'")
        return self


class IntParam(_Provenance):
    value: int = Field(ge=0, le=1_000_000)


class DaysParam(_Provenance):
    value: float = Field(ge=0, le=36_500)


class RateParam(_Provenance):
    """A rate (vehicles per week); zero means the step never happens."""

    value: float = Field(ge=0, le=1_000_000)


class PositiveDaysParam(_Provenance):
    value: float = Field(gt=0, le=36_500)


class BoolParam(_Provenance):
    value: bool


Schedule = Literal["rate", "port_cycle"]

_RATE_FIELDS = ("bases", "vehicles_per_base_per_week")
_PORT_FIELDS = ("submarines", "patrol_days", "port_days", "upload_days_per_submarine")


class SystemParameters(BaseModel):
    """How one system type is uploaded.

    ``rate``: ``bases`` x ``vehicles_per_base_per_week`` deployed vehicles are uploaded a week
    (missiles per base per week; bombers, whose loading takes hours, at a higher rate).
    ``port_cycle``: a submarine is uploaded only in port; ``submarines`` boats carry the
    deployed missiles, on a cycle of ``patrol_days`` at sea and ``port_days`` in port,
    staggered evenly; a boat in port stays until its upload is done, a boat at sea comes
    back on schedule.
    Non-deployed launchers (empty silos or tubes, nuclear bombers under repair) and
    converted ones (reversing a conversion) add vehicles when enabled, each at its own pace.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    system_type: str = Field(min_length=1, max_length=64)
    schedule: Schedule
    upload_capacity: IntParam | None = None  # warheads per vehicle; default: catalog max
    lead_days: DaysParam  # from decision to the first warhead at the operating base
    bases: IntParam | None = None
    vehicles_per_base_per_week: RateParam | None = None
    submarines: IntParam | None = None
    patrol_days: DaysParam | None = None
    port_days: PositiveDaysParam | None = None
    upload_days_per_submarine: PositiveDaysParam | None = None
    restore_nondeployed: BoolParam | None = None
    nondeployed_ready_days: DaysParam | None = None
    nondeployed_per_week: RateParam | None = None
    reconvert_converted: BoolParam | None = None
    reconversion_ready_days: DaysParam | None = None
    reconversions_per_week: RateParam | None = None

    @model_validator(mode="after")
    def _fields_for_schedule(self) -> SystemParameters:
        needed = _RATE_FIELDS if self.schedule == "rate" else _PORT_FIELDS
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"schedule {self.schedule!r} needs {', '.join(missing)}")
        if self.submarines is not None and self.submarines.value > MAX_SUBMARINES:
            raise ValueError(f"submarines: expected at most {MAX_SUBMARINES}")
        if self.restores_nondeployed:
            for name in ("nondeployed_ready_days", "nondeployed_per_week"):
                if getattr(self, name) is None:
                    raise ValueError(f"restore_nondeployed = true needs {name}")
        if self.reconverts:
            for name in ("reconversion_ready_days", "reconversions_per_week"):
                if getattr(self, name) is None:
                    raise ValueError(f"reconvert_converted = true needs {name}")
        return self

    @property
    def restores_nondeployed(self) -> bool:
        return self.restore_nondeployed is not None and self.restore_nondeployed.value

    @property
    def reconverts(self) -> bool:
        return self.reconvert_converted is not None and self.reconvert_converted.value


class WarheadFit(_Provenance):
    """One row of the compatibility table: which delivery-system types a warhead type fits."""

    warhead_type: str = Field(min_length=1, max_length=64)
    fits: tuple[str, ...] = Field(min_length=1, max_length=50)


class HedgePolicy(BaseModel):
    """Which non-deployed warheads can be uploaded and after how long.

    Stored warheads (the hedge) become available after ``stored_return_days``; retired ones
    (awaiting dismantlement, still intact) only if ``retired_usable``, after
    ``retired_return_days``. Dismantled warheads never come back.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    stored_return_days: DaysParam
    retired_usable: BoolParam
    retired_return_days: DaysParam

    @model_validator(mode="after")
    def _retired_not_faster(self) -> HedgePolicy:
        # Retired warheads sit further from service than stored ones; letting them come back
        # sooner would make "destroy" look faster than "stockpile".
        if self.retired_return_days.value < self.stored_return_days.value:
            raise ValueError("retired_return_days must not be below stored_return_days")
        return self


class DismantlementSchedule(BaseModel):
    """The "destroy" scenario: warheads removed from deployment go to dismantlement."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dismantle_per_year: IntParam
    years: DaysParam


class UploadParameters(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(default="", max_length=300)
    hedge: HedgePolicy
    destroy: DismantlementSchedule
    systems: tuple[SystemParameters, ...] = Field(max_length=MAX_SYSTEMS)
    warheads: tuple[WarheadFit, ...] = Field(max_length=MAX_WARHEAD_TYPES)

    @model_validator(mode="after")
    def _unique_rows(self) -> UploadParameters:
        for label, names in (
            ("system_type", [s.system_type for s in self.systems]),
            ("warhead_type", [w.warhead_type for w in self.warheads]),
        ):
            seen: set[str] = set()
            for name in names:
                if name in seen:
                    raise ValueError(f"{label} {name!r} appears twice")
                seen.add(name)
        return self

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], *, source: str = "parameters"
    ) -> UploadParameters:
        """Validate parsed TOML/JSON; an error names the file and the offending path."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            path = ".".join(str(p) for p in first["loc"]) or "(top level)"
            message = first["msg"].removeprefix("Value error, ")
            raise AnalysisParameterError(f"{source}: {path}: {message}") from None

    def system(self, system_type_id: str) -> SystemParameters | None:
        for system in self.systems:
            if system.system_type == system_type_id:
                return system
        return None

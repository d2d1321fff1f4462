"""The rule-set schema: a treaty's definitions of treaty status, categories, counting
clauses, limits, notification deadlines, inspection quotas and transfer rule, validated from
parsed TOML.

A rule set is data. Definitions say how an item's treaty status (and a heavy bomber's
armament) follows from what the item is, where it is, what it holds and what it is for;
clauses select items by their treaty status and other fields from a closed list and count them
by a closed list of methods; nothing in a rule file is executed. Unknown keys are errors that
name their path in the file (``categories[1].clauses[0].selct``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from treatyledger.model.kinds import (
    STATUSES_BY_KIND,
    Armament,
    Basing,
    FacilityType,
    ItemKind,
    Role,
    Status,
)
from treatyledger.model.notifications import NotificationKind
from treatyledger.model.parties import IDENTIFIER_PATTERN
from treatyledger.rules.catalogue import NotificationCategory, Schedule, check_catalogue
from treatyledger.rules.errors import RuleSetError

ID_PATTERN = r"^[a-z0-9][a-z0-9_.\-]{0,63}$"

#: System-type attributes an ``attribute`` clause may multiply by (a whitelist: rule files
#: cannot reach arbitrary attributes).
ATTRIBUTES = ("start1_attributed_warheads", "max_warheads", "lrna_capacity")


class Method(StrEnum):
    COUNT = "count"  # quantity
    SUM_WARHEADS = "sum_warheads"  # quantity x emplaced warheads (blank counts 0)
    ATTRIBUTE = "attribute"  # quantity x a whitelisted system-type attribute
    CONSTANT = "constant"  # quantity x value
    TIERED = "tiered"  # first N per party count `each`, the rest their lrna_capacity, capped


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _as_tuple(value: Any) -> Any:
    """A selector value may be written as one string or a list."""
    return (value,) if isinstance(value, str) else value


class Selector(_Strict):
    """Conditions on item fields; all given conditions must hold (a list means any of).

    In a clause, ``status`` and ``armament`` are the treaty's (after the rule set's
    definitions); in a definition they are the declared ones, and ``container_status`` is the
    treaty status of the item's container."""

    kind: tuple[ItemKind, ...] | None = None
    status: tuple[Status, ...] | None = None
    armament: tuple[Armament, ...] | None = None
    basing: tuple[Basing, ...] | None = None  # the row's override, else the type's
    heavy_icbm: bool | None = None
    lrna_equipped: bool | None = None  # a bomber's ALCM capacity (the row's, else the type's) > 0
    facility_type: tuple[FacilityType, ...] | None = None  # the outermost container's if unset
    role: tuple[Role, ...] | None = None
    contained: bool | None = None  # the item sits in a container (contained_in is set)
    container_status: tuple[Status, ...] | None = None  # never matches an uncontained item
    identified: bool | None = None  # one item with a UID: its containment is declared
    loaded: bool | None = None  # holds what it carries (a launcher a missile; see docs)

    _split = field_validator(
        "kind",
        "status",
        "armament",
        "basing",
        "facility_type",
        "role",
        "container_status",
        mode="before",
    )(_as_tuple)

    @model_validator(mode="after")
    def _not_empty(self) -> Selector:
        for name in type(self).model_fields:
            if getattr(self, name) == ():
                raise ValueError(f"{name} must list at least one value")
        return self

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in type(self).model_fields)


class Tier(_Strict):
    """The first ``first`` units (declaration order) count ``each``; beyond that each unit
    counts its lrna_capacity, at most ``cap``."""

    first: int = Field(ge=0)
    each: int = Field(ge=0)
    cap: int = Field(ge=0)


class Clause(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    text: str = Field(min_length=1, max_length=2000, description="the treaty rule in words")
    select: Selector
    exclude: Selector | None = None
    method: Method
    attribute: str | None = None
    value: int | None = Field(default=None, ge=0)
    tiers: dict[str, Tier] | None = None  # per party id
    default_tier: Tier | None = None  # parties not named in tiers

    @model_validator(mode="after")
    def _method_parameters(self) -> Clause:
        m = self.method
        if (self.attribute is not None) != (m is Method.ATTRIBUTE):
            raise ValueError("attribute is required by, and only allowed with, method attribute")
        if self.attribute is not None and self.attribute not in ATTRIBUTES:
            raise ValueError(
                f"attribute must be one of {', '.join(ATTRIBUTES)}, got {self.attribute!r}"
            )
        if (self.value is not None) != (m is Method.CONSTANT):
            raise ValueError("value is required by, and only allowed with, method constant")
        tiered = self.tiers is not None or self.default_tier is not None
        if tiered != (m is Method.TIERED):
            raise ValueError(
                "tiers/default_tier are required by, and only allowed with, method tiered"
            )
        if self.exclude is not None and self.exclude.is_empty():
            raise ValueError("exclude must name at least one condition")
        return self

    def tier_for(self, party: str) -> Tier | None:
        if self.tiers is not None and party in self.tiers:
            return self.tiers[party]
        return self.default_tier


class Definition(_Strict):
    """How a treaty defines an item's status (or a heavy bomber's armament): items matching
    ``select`` (and not ``exclude``), by their declared values, have ``status`` and/or
    ``armament`` under the treaty. For each attribute, the first definition in the file that
    matches and sets it decides; no match leaves the declared value."""

    id: str = Field(pattern=ID_PATTERN)
    text: str = Field(min_length=1, max_length=2000, description="the definition in words")
    source: str = Field(min_length=1, max_length=500, description="article, part or paragraph")
    select: Selector
    exclude: Selector | None = None
    status: Status | None = None
    armament: Armament | None = None

    @model_validator(mode="after")
    def _assigns_a_legal_value(self) -> Definition:
        if self.status is None and self.armament is None:
            raise ValueError("a definition sets status, armament or both")
        kinds = self.select.kind
        if kinds is None:
            raise ValueError("a definition's select names the kinds it defines (select.kind)")
        if self.status is not None:
            for kind in kinds:
                if self.status not in STATUSES_BY_KIND[kind]:
                    raise ValueError(f"status {self.status} is not a status of a {kind}")
        if self.armament is not None and set(kinds) != {ItemKind.HEAVY_BOMBER}:
            raise ValueError("armament is defined for heavy bombers only (select.kind)")
        if self.exclude is not None and self.exclude.is_empty():
            raise ValueError("exclude must name at least one condition")
        if self.exclude is not None and self.exclude.container_status is not None:
            raise ValueError("container_status belongs in select (list the statuses that match)")
        return self


class Category(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    clauses: tuple[Clause, ...] = Field(min_length=1)


class Limit(_Strict):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    category: str
    value: int = Field(ge=0)
    from_: date = Field(alias="from", description="the date the limit binds from")
    source: str = Field(min_length=1)


class Treaty(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    signed: date | None = None
    entry_into_force: date | None = None
    expires: date | None = None
    source: str = Field(min_length=1)
    notes: str = Field(default="", max_length=4000)
    #: The parties bound by the treaty; an item of any other party is an error when counting.
    #: Empty: any party.
    parties: tuple[str, ...] = ()
    #: The treaty's id in ``regime_status`` notifications (entry into force, suspension,
    #: expiry...): rule sets that read one treaty differently share it. Default: ``id``.
    regime: str | None = Field(default=None, pattern=ID_PATTERN)

    @field_validator("parties")
    @classmethod
    def _party_ids(cls, parties: tuple[str, ...]) -> tuple[str, ...]:
        for party in parties:
            if not re.fullmatch(IDENTIFIER_PATTERN, party):
                raise ValueError(f"party {party!r} is not an identifier")
        _no_duplicates("party", list(parties))
        return parties

    @model_validator(mode="after")
    def _dates_in_order(self) -> Treaty:
        dates = [
            (name, getattr(self, name))
            for name in ("signed", "entry_into_force", "expires")
            if getattr(self, name) is not None
        ]
        for (first, earlier), (second, later) in itertools.pairwise(dates):
            if later < earlier:
                raise ValueError(f"{second} {later} is before {first} {earlier}")
        return self


class Notifications(_Strict):
    """``deadline_days``: the change-notification deadline the ledger flags late by;
    ``categories``: the notification catalogue (``rules.catalogue``); ``outside``: the
    ledger's kinds that are no treaty notification (e.g. escrow commitments), so a test can
    hold every kind to a category or this list."""

    deadline_days: int | None = Field(default=None, ge=0, le=3650)
    source: str = ""
    categories: tuple[NotificationCategory, ...] = Field(default=(), max_length=64)
    outside: tuple[NotificationKind, ...] = ()
    notes: str = Field(default="", max_length=4000)

    @model_validator(mode="after")
    def _catalogue(self) -> Notifications:
        check_catalogue(self.categories, self.outside)
        return self

    def category(self, category_id: str) -> NotificationCategory:
        for category in self.categories:
            if category.id == category_id:
                return category
        raise RuleSetError(f"unknown notification category {category_id!r}")

    def scheduled(self, schedule: Schedule) -> NotificationCategory | None:
        """The once or periodic category (a catalogue has at most one of each)."""
        return next((c for c in self.categories if c.schedule is schedule), None)


class DataExchange(_Strict):
    """When the parties exchange their databases: the baseline exchange holds the data as of
    ``baseline``; each update after it, the data as of each ``as_of`` day of a year (``MM-DD``).
    Counts over time are taken on these dates (the official aggregates are published for
    them)."""

    baseline: date | None = None
    as_of: tuple[str, ...] = Field(min_length=1, max_length=12)
    source: str = ""

    @field_validator("as_of")
    @classmethod
    def _month_days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for text in value:
            try:
                month, day = (int(part) for part in text.split("-"))
                date(2001, month, day)  # a year without 29 February: every year has the day
            except ValueError:
                raise ValueError(f"{text!r} is not a day of the year as MM-DD") from None
        return tuple(sorted(set(value)))

    def _days(self, year: int) -> list[date]:
        return [date(year, *(int(part) for part in text.split("-"))) for text in self.as_of]

    def dates(self, first: date, last: date) -> list[date]:
        """The exchange dates from ``first`` to ``last`` (both included), in order."""
        found = [self.baseline] if self.baseline and first <= self.baseline <= last else []
        start = max(first, self.baseline) if self.baseline else first
        for year in range(start.year, last.year + 1):
            found.extend(d for d in self._days(year) if start <= d <= last and d != self.baseline)
        return sorted(found)

    def next_on_or_after(self, day: date) -> date:
        """The first exchange date on or after ``day``."""
        if self.baseline and day <= self.baseline:
            return self.baseline
        return next(d for year in (day.year, day.year + 1) for d in self._days(year) if d >= day)


class SelectionMethod(StrEnum):
    """Who chooses what an inspection examines: the inspecting Party designates the site,
    then the items (New START Protocol Part Five), or both are drawn from a jointly random,
    unbiasable seed (``treatyledger.inspect.randomness``)."""

    DESIGNATION = "designation"
    JOINT_RANDOM = "joint_random"


class InspectionType(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = ""
    annual_quota: int = Field(ge=0)
    facility_types: tuple[FacilityType, ...] = Field(min_length=1)
    item_kinds: tuple[ItemKind, ...] = ()
    examines: str = ""  # what inspectors confirm, in words
    source: str = ""
    #: at most this many items designated at the site (None: every eligible item there)
    max_items: int | None = Field(default=None, ge=1, le=1_000)
    #: designated deployed ICBMs/SLBMs whose reentry vehicles are counted (Type One: one)
    reentry_vehicle_inspections: int = Field(default=0, ge=0, le=16)
    #: a facility that holds no accountable item any more may be inspected (formerly declared)
    formerly_declared: bool = False
    #: overrides the rule set's ``[inspections] selection`` for this type
    selection: SelectionMethod | None = None


class TimeLimit(_Strict):
    """One time limit of the inspection procedure, in hours, with where it comes from;
    ``confirmed = false`` marks a figure not yet read in the treaty text itself."""

    hours: float = Field(gt=0, le=24 * 60)
    source: str = Field(min_length=1)
    confirmed: bool = False


class InspectionTiming(_Strict):
    """The procedure's time limits: the notification of arrival at least ``arrival_notice``
    before the arrival at the point of entry; the site designated within ``site_designation``
    of that arrival; pre-inspection restrictions in force within ``restrictions`` of the
    site's designation and held until the items are designated; the items designated within
    ``item_designation`` of the site's designation; findings within ``in_country`` of the
    arrival."""

    arrival_notice: TimeLimit
    site_designation: TimeLimit
    restrictions: TimeLimit
    item_designation: TimeLimit
    in_country: TimeLimit


class InspectionsBegin(_Strict):
    """Inspections begin ``days_after_entry_into_force`` days after entry into force: the
    entry-into-force day is the first of them (as the treaty year's first day,
    ``inspect.selection.treaty_year``), so they expire, and a team may arrive, from 00:00 GMT
    of entry into force plus that many days (New START: 2011-02-05 + 60 = 2011-04-06)."""

    days_after_entry_into_force: int = Field(ge=0, le=3_660)
    source: str = Field(min_length=1)

    def first_arrival(self, entry_into_force: date) -> datetime:
        """The first instant a team may arrive at the point of entry."""
        day = entry_into_force + timedelta(days=self.days_after_entry_into_force)
        return datetime.combine(day, time(), tzinfo=UTC)


class InspectionConcurrency(_Strict):
    """An inspecting Party conducts at most ``at_most`` inspections at one time on the
    inspected Party's territory."""

    at_most: int = Field(ge=1, le=100)
    source: str = Field(min_length=1)


class ExhibitionKind(StrEnum):
    NEW_TYPE = "new_type"
    CONVERTED_ITEM = "converted_item"


class Exhibition(_Strict):
    """An exhibition the treaty provides for (no quota): of a new type, or of items converted
    (e.g. heavy bombers converted to non-nuclear armaments), to confirm its declared
    characteristics or the result of the conversion."""

    kind: ExhibitionKind
    item_kinds: tuple[ItemKind, ...] = Field(min_length=1)
    examines: str = ""
    source: str = Field(min_length=1)


class Inspections(_Strict):
    types: tuple[InspectionType, ...] = Field(min_length=1)
    selection: SelectionMethod = SelectionMethod.DESIGNATION
    selection_source: str = ""
    timing: InspectionTiming | None = None
    begin: InspectionsBegin | None = None
    concurrency: InspectionConcurrency | None = None
    exhibitions: tuple[Exhibition, ...] = ()

    @property
    def annual_total(self) -> int:
        return sum(t.annual_quota for t in self.types)

    def type(self, type_id: str) -> InspectionType | None:
        return next((t for t in self.types if t.id == type_id), None)

    def selection_of(self, type_id: str) -> SelectionMethod:
        """How the site and items of an inspection of this type are chosen."""
        found = self.type(type_id)
        return found.selection if found and found.selection else self.selection

    def exhibition(self, kind: ExhibitionKind) -> Exhibition | None:
        return next((e for e in self.exhibitions if e.kind is kind), None)


class TransferException(_Strict):
    """Transfers ``from`` one party ``to`` another of these kinds are allowed although the
    receiver is not a party, when notified with the item's location (and UID) if
    ``requires_location``: START I's and New START's "existing patterns of cooperation"."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    from_party: str = Field(alias="from", pattern=IDENTIFIER_PATTERN)
    to_party: str = Field(alias="to", pattern=IDENTIFIER_PATTERN)
    kinds: tuple[ItemKind, ...] = Field(min_length=1)
    requires_location: bool = True
    source: str = Field(min_length=1)


class Transfers(_Strict):
    """Transfers to states the treaty does not bind: forbidden or not, for which item kinds
    (all of them if ``kinds`` is not given), and the exceptions."""

    third_state_forbidden: bool
    kinds: tuple[ItemKind, ...] | None = None
    exceptions: tuple[TransferException, ...] = ()
    source: str = ""


class RuleSet(_Strict):
    treaty: Treaty
    definitions: tuple[Definition, ...] = ()
    categories: tuple[Category, ...] = Field(min_length=1)
    limits: tuple[Limit, ...] = ()
    notifications: Notifications | None = None
    data_exchange: DataExchange | None = None
    inspections: Inspections | None = None
    transfers: Transfers | None = None

    @model_validator(mode="after")
    def _references(self) -> RuleSet:
        category_ids = [c.id for c in self.categories]
        _no_duplicates("category id", category_ids)
        _no_duplicates(
            "clause or definition id",
            [d.id for d in self.definitions] + [cl.id for c in self.categories for cl in c.clauses],
        )
        for limit in self.limits:
            if limit.category not in category_ids:
                raise ValueError(
                    f"limit for unknown category {limit.category!r} "
                    f"(categories: {', '.join(category_ids)})"
                )
        _no_duplicates("limit (category, from)", [(li.category, li.from_) for li in self.limits])
        if self.inspections is not None:
            _no_duplicates("inspection type id", [t.id for t in self.inspections.types])
        notifications = self.notifications
        periodic = notifications.scheduled(Schedule.PERIODIC) if notifications else None
        if periodic is not None and self.data_exchange is None:
            raise ValueError(
                f"notification category {periodic.id!r} is periodic: the rule set needs a "
                "[data_exchange] with the data dates"
            )
        return self

    @property
    def id(self) -> str:
        return self.treaty.id

    @property
    def regime_id(self) -> str:
        """The treaty's id in regime-status notifications (``treaty.regime``, else ``id``)."""
        return self.treaty.regime or self.treaty.id

    def party_problem(self, party: str) -> str | None:
        """Why ``party`` cannot be counted under this rule set (None: it can)."""
        parties = self.treaty.parties
        if not parties or party in parties:
            return None
        return f"party {party!r} is not a party of {self.id} (parties: {', '.join(parties)})"

    def category(self, category_id: str) -> Category:
        for category in self.categories:
            if category.id == category_id:
                return category
        known = ", ".join(c.id for c in self.categories)
        raise RuleSetError(
            f"rule set {self.id}: unknown category {category_id!r} (expected one of {known})"
        )

    def limit_in_force(self, category_id: str, as_of: date | None) -> Limit | None:
        """The limit in force on ``as_of``: the latest phase that began on or before it (none
        before the first phase, none after the treaty expired; the expiry day itself is still
        in force, as SORT's limit binds on the day it expires). Without a date, the final
        limit (the treaty's central one)."""
        phases = sorted(
            (li for li in self.limits if li.category == category_id), key=lambda li: li.from_
        )
        if as_of is not None:
            if self.treaty.expires is not None and as_of > self.treaty.expires:
                return None
            phases = [li for li in phases if li.from_ <= as_of]
        return phases[-1] if phases else None

    def data_dates(self, first: date, last: date) -> list[date]:
        """The data-exchange dates from ``first`` to ``last`` (none without a data exchange,
        and none after the treaty's expiry: its data exchange ends with it)."""
        if self.data_exchange is None:
            return []
        if self.treaty.expires is not None:
            last = min(last, self.treaty.expires)
        return self.data_exchange.dates(first, last)

    def series_dates(self, first: date, last: date) -> list[date]:
        """The dates a count over time from ``first`` to ``last`` is taken on: both ends and
        every data-exchange date between them. The CLI's ``series`` and ``analyze trajectory``
        and the node's ``/v1/series`` use it."""
        return sorted({first, last, *self.data_dates(first, last)})

    def limit_for(self, category_id: str, as_of: date | None) -> int | None:
        """The value of :meth:`limit_in_force`."""
        limit = self.limit_in_force(category_id, as_of)
        return None if limit is None else limit.value

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "rule set") -> RuleSet:
        """Validate parsed TOML; an error names ``source`` and the path inside it."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            path = _toml_path(first["loc"])
            message = first["msg"].removeprefix("Value error, ")
            if first["type"] == "extra_forbidden":
                message = "unknown key (not part of the rule-set schema)"
            found = first.get("input")
            detail = f" (found {found!r})" if first["type"] == "enum" else ""
            where = f"{source}: {path}: " if path else f"{source}: "
            raise RuleSetError(f"{where}{message}{detail}") from None


def _no_duplicates(what: str, values: list[Any]) -> None:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value!r}")
        seen.add(value)


def _toml_path(loc: tuple[int | str, ...]) -> str:
    """('categories', 0, 'clauses', 1, 'selct') -> 'categories[0].clauses[1].selct'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith("function-") or part in {"str", "tuple[...]"}:
            continue  # pydantic's internal validator labels are not TOML keys
        else:
            path += f".{part}" if path else part
    return path

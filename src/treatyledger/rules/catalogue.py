"""The notification catalogue of a rule set: the treaty's notification categories as data.

A category says what is notified (``kinds``: the ledger's notification kinds that carry it;
``items``: the item kinds it covers; ``fields``: the data it carries, in words or field
names), on what schedule (``once`` from entry into force, ``periodic`` per data-exchange
date, ``per_event`` per change) and by when (``deadline``: ``days`` counted from the
``event``, the ``period_end`` or the ``entry_into_force``; or ``lead``: ``hours`` at least
before the event, for a notice given in advance, such as of a launch), and where the treaty
says so (``source``: the section). A category with no ``kinds`` is one the ledger has no
notification for (yet): the catalogue lists it so the rule set is complete and the docs can
say so.

Deadlines are counted in days, by dates in UTC: the treaty's "no later than N days after"
means the notification's date of receipt (its ``issued_time``'s date) is at most the anchor
day plus N (New START Protocol Part Four, Section I.2: times in GMT, "the date of provision of
notification shall be the date of receipt"). The anchor day of a ``period_end`` deadline is
the last day of the reporting period, the day before its data-exchange date (data as of 1
September close the period ending 31 August); for a change reported only in the periodic
update, the period is the one its effective day falls in.

``classify`` gives a change notification its category (the first in file order whose kinds
include its kind and whose items cover what it is about), so file order matters as it does
for definitions: a narrow category (warhead data) goes before the broad one (changes in data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from treatyledger.model.kinds import ItemKind
from treatyledger.model.notifications import NotificationKind
from treatyledger.model.subjects import KindOf, subject_kinds

ID_PATTERN = r"^[a-z0-9][a-z0-9_.\-]{0,63}$"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Anchor(StrEnum):
    EVENT = "event"  # the day the change occurs (the notification's effective date)
    PERIOD_END = "period_end"  # the last day of a reporting period
    ENTRY_INTO_FORCE = "entry_into_force"


class Schedule(StrEnum):
    ONCE = "once"  # one notification after entry into force (the initial database)
    PERIODIC = "periodic"  # one per data-exchange date (the periodic updates)
    PER_EVENT = "per_event"  # one per change the party notifies


class PeriodStart(StrEnum):
    """Where the first reporting period begins."""

    ENTRY_INTO_FORCE = "entry_into_force"
    #: "the first day of the calendar month following the month in which the Treaty enters
    #: into force" (New START Part Four II.2; START I Notification Protocol I(2))
    MONTH_AFTER_ENTRY_INTO_FORCE = "month_after_entry_into_force"


class Deadline(_Strict):
    days: int = Field(ge=0, le=3650, description="no later than this many days after")
    counted_from: Anchor = Field(alias="from")

    def due_day(self, anchor_day: date) -> date:
        """The last day a notification is on time."""
        return anchor_day + timedelta(days=self.days)


class LeadTime(_Strict):
    """ "No less than N hours before" an event: a notice given in advance. The text counts
    hours between times (GMT, Section I.2), not dates, so it is judged to the second."""

    hours: int = Field(gt=0, le=24 * 366, description="no less than this many hours before")
    before: str = Field(min_length=1, max_length=200, description="the event, in words")

    def latest(self, event: datetime) -> datetime:
        """The latest receipt that is on time."""
        return event - timedelta(hours=self.hours)

    def on_time(self, received: datetime, event: datetime) -> bool:
        return received <= self.latest(event)


class NotificationCategory(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=500, description="the treaty section")
    schedule: Schedule
    kinds: tuple[NotificationKind, ...] = ()
    items: tuple[ItemKind, ...] = ()  # empty: any item
    fields: tuple[str, ...] = Field(default=(), max_length=64)
    deadline: Deadline | None = None
    lead: LeadTime | None = None
    periods_begin: PeriodStart | None = None
    #: how the other party confirms what is notified (in words), e.g. an inspection
    confirmed_by: str = Field(default="", max_length=500)
    notes: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _schedule_fits(self) -> NotificationCategory:
        anchor = self.deadline.counted_from if self.deadline else None
        if self.lead is not None and (self.deadline is not None or self.kinds):
            raise ValueError(
                "a category has a deadline after or a lead time before, not both, and the "
                "calendar judges no lead time: a lead-time category names no ledger kind"
            )
        if self.lead is not None and self.schedule is not Schedule.PER_EVENT:
            raise ValueError("a lead time belongs to a per_event category")
        if self.schedule is Schedule.ONCE and anchor not in (None, Anchor.ENTRY_INTO_FORCE):
            raise ValueError("a once category's deadline is counted from entry_into_force")
        if self.schedule is Schedule.PERIODIC:
            if anchor not in (None, Anchor.PERIOD_END):
                raise ValueError("a periodic category's deadline is counted from period_end")
            if self.periods_begin is None:
                raise ValueError("a periodic category says where its periods begin")
        elif self.periods_begin is not None:
            raise ValueError("periods_begin belongs to periodic categories")
        if self.schedule is Schedule.PER_EVENT and anchor is Anchor.ENTRY_INTO_FORCE:
            raise ValueError("a per_event category's deadline is counted from event or period_end")
        database = NotificationKind.DATABASE
        if self.schedule is not Schedule.PER_EVENT and set(self.kinds) - {database}:
            raise ValueError("once and periodic categories are carried by database notifications")
        if self.schedule is Schedule.PER_EVENT and database in self.kinds:
            raise ValueError("a database notification is a once or periodic category")
        return self

    @property
    def modelled(self) -> bool:
        """Whether the ledger has a notification kind that carries it."""
        return bool(self.kinds)

    @property
    def reported_in_update(self) -> bool:
        """A change reported only in the periodic update (New START warhead data)."""
        return (
            self.schedule is Schedule.PER_EVENT
            and self.deadline is not None
            and self.deadline.counted_from is Anchor.PERIOD_END
        )


def check_catalogue(
    categories: Sequence[NotificationCategory], outside: Sequence[NotificationKind]
) -> None:
    """Unique ids, at most one once and one periodic category, and no kind both in a category
    and outside the catalogue (raises ValueError)."""
    ids = [c.id for c in categories]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate notification category id {duplicates[0]!r}")
    for schedule in (Schedule.ONCE, Schedule.PERIODIC):
        if sum(c.schedule is schedule for c in categories) > 1:
            raise ValueError(f"at most one {schedule.value} notification category")
    covered = {k for c in categories for k in c.kinds}
    both = sorted(covered & set(outside))
    if both:
        raise ValueError(f"kind {both[0]!r} is both in a category and outside the catalogue")


def classify(
    categories: Sequence[NotificationCategory], record: Mapping[str, Any], kind_of: KindOf
) -> NotificationCategory | None:
    """The per-event category of a change notification (None: none covers it)."""
    kind = record["kind"]
    subject: frozenset[str] | None = None
    for category in categories:
        if category.schedule is not Schedule.PER_EVENT or kind not in category.kinds:
            continue
        if not category.items:
            return category
        if subject is None:
            subject = subject_kinds(record, kind_of)
        if subject and subject <= {k.value for k in category.items}:
            return category
    return None


def period_end_for(event_day: date, data_dates: Sequence[date]) -> date | None:
    """The last day of the reporting period ``event_day`` falls in: the day before the first
    data-exchange date after it (a change on 1 September belongs to the period that the
    update as of 1 March reports). None after the last date."""
    for data_date in data_dates:
        if data_date > event_day:
            return data_date - timedelta(days=1)
    return None


def first_period_start(entry_into_force: date, begins: PeriodStart) -> date:
    if begins is PeriodStart.ENTRY_INTO_FORCE:
        return entry_into_force
    if entry_into_force.month == 12:
        return date(entry_into_force.year + 1, 1, 1)
    return date(entry_into_force.year, entry_into_force.month + 1, 1)

"""The records of the data-exchange calendar (``ledger.calendar``): what is due, when, and
what was late, missing or premature. Pydantic models, so ``treatyledger schema record NAME``
exports their JSON Schemas and the node's OpenAPI document carries them."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from treatyledger.model.notifications import NotificationRef

EntryStatus = Literal["due", "provided", "late", "overdue", "premature"]
FindingKind = Literal["late", "missing", "premature"]
ENTRY_STATUSES: tuple[EntryStatus, ...] = ("due", "provided", "late", "overdue", "premature")


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CalendarEntry(_Record):
    """One obligation of one party: a database due on a date, or a change notification
    judged against its category's deadline."""

    party: str
    category: str = Field(description="the notification category id of the rule set")
    category_name: str
    source: str = Field(description="the treaty section that sets the deadline")
    obligation: str = Field(description="what is owed, in words")
    anchor: date = Field(description="the day the deadline is counted from")
    due: date = Field(description="the last day a notification is on time (inclusive)")
    status: EntryStatus
    data_as_of: date | None = Field(default=None, description="for a database: its data date")
    notification: NotificationRef | None = None
    issued: date | None = Field(default=None, description="the date of receipt")
    suspended: bool = Field(default=False, description="owed while the party had suspended")
    note: str = ""


class NotificationFinding(_Record):
    """A late, missing or premature notification, with its deadline and its source."""

    kind: FindingKind
    party: str
    category: str
    source: str
    obligation: str
    anchor: date
    due: date
    notification: NotificationRef | None = None
    issued: date | None = None
    days_late: int | None = Field(default=None, description="days past the due date")
    note: str = ""


class DataState(_Record):
    """Whether a party's figures on a date stand: ``provided``, else why not and since when
    they are stale (the last data date whose figures stand)."""

    party: str
    day: date
    provided: bool
    stale_since: date | None = None
    reason: str = ""


class RegimeSummary(_Record):
    """A treaty's regime as a view shows it: whether it is in force on the view's date, why
    no limit is, and each party's suspensions."""

    treaty: str
    rule_set: str
    phase: Literal["not_yet_in_force", "in_force", "expired", "superseded"]
    entry_into_force: date | None
    last_day_in_force: date | None
    limits_in_force: bool
    no_limit_reason: str | None = None
    superseded_by: str | None = None
    suspended_parties: list[str] = Field(default_factory=list)
    events: list[str] = Field(
        default_factory=list, description="each regime event in words, with its date"
    )


class Calendar(_Record):
    """The data-exchange calendar of some parties as of a day."""

    rule_set: str
    as_of: date
    regime: RegimeSummary
    parties: list[str]
    entries: list[CalendarEntry] = Field(
        description="databases due (every one), and change notifications late or premature"
    )
    findings: list[NotificationFinding]
    counts: dict[str, dict[str, int]] = Field(
        description="party -> status -> number of entries, on-time change notifications "
        "included (they are not listed)"
    )
    unjudged: int = Field(
        default=0,
        description="change notifications no category with a deadline covers",
    )

    def entries_with(self, status: EntryStatus, party: str | None = None) -> list[CalendarEntry]:
        return [e for e in self.entries if e.status == status and party in (None, e.party)]

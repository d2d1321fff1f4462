"""The data-exchange calendar: from a rule set's notification catalogue, the treaty's regime,
what was notified and a day, what each party owes, by when, and what was late, missing or
premature. Pure: records in (the JSON form of accepted notifications of every party), values
out; the day is a parameter.

- The **once** category (the initial database) is owed from entry into force: a ``database``
  notification with data as of that day, received by the deadline.
- The **periodic** category (the updates) is owed for each data-exchange date whose period
  ends while the treaty is in force, the first period beginning where the category says
  (New START: 2011-03-01, so the first update holds data as of 2011-09-01): a ``database``
  with data as of that date, received on or after it and by the deadline. The next update,
  its period still running, is listed as due.
- **Per-event** categories judge every change notification (``rules.catalogue.classify``):
  received after the due day is late, before the change took effect is premature. Given the
  ledger policy, a change an update shows and no notification reported is a missing one
  (``ledger.unnotified``): overdue, counted from the update's data date.

A database not received is ``overdue`` once its due day has passed, ``due`` before; a
notification received after ``as_of`` does not count yet (the calendar of a past day is what
was known that day). Obligations end with the treaty (expiry or supersession); a party's
suspension does not end them: what falls due while it lasts is overdue, marked
``suspended`` with the suspension's reference. ``data_state`` says whether a party's figures
on a day stand (see its doc), the one answer every view gives."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from treatyledger.ledger.calendar_records import (
    ENTRY_STATUSES,
    Calendar,
    CalendarEntry,
    DataState,
    EntryStatus,
    NotificationFinding,
    RegimeSummary,
)
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.records import Record, parse_time
from treatyledger.ledger.replay import corrections_in_effect
from treatyledger.ledger.unnotified import unnotified_changes
from treatyledger.model.notifications import LEDGER_NEUTRAL_KINDS, NotificationRef
from treatyledger.rules.catalogue import (
    NotificationCategory,
    Schedule,
    classify,
    first_period_start,
    period_end_for,
)
from treatyledger.rules.regime import RegimeStatus
from treatyledger.rules.schema import RuleSet

_SKIPPED = frozenset({"correction", *(k.value for k in LEDGER_NEUTRAL_KINDS)})
_FINDING = {"late": "late", "overdue": "missing", "premature": "premature"}


def regime_summary(regime: RegimeStatus, day: date) -> RegimeSummary:
    """The regime as the views show it on ``day``."""
    return RegimeSummary(
        treaty=regime.treaty,
        rule_set=regime.rule_set,
        phase=regime.phase(day),
        entry_into_force=regime.entry_into_force,
        last_day_in_force=regime.last_day_in_force,
        limits_in_force=regime.in_force(day),
        no_limit_reason=regime.no_limit_reason(day),
        superseded_by=regime.superseded_by if regime.superseded_on else None,
        suspended_parties=sorted({s.party for s in regime.suspensions if s.holds(day)}),
        events=[_event_text(e) for e in regime.events if e.effective <= day],
    )


def _event_text(event: Any) -> str:
    who = f" by {event.party}" if event.party else ""
    extra = f" until {event.until}" if event.until else ""
    extra += f" by {event.superseded_by}" if event.superseded_by else ""
    reference = f" ({event.reference})" if event.reference else ""
    return f"{event.effective}: {event.event.value}{who}{extra}{reference}"


def update_dates(rule_set: RuleSet, regime: RegimeStatus, until: date) -> list[date]:
    """The data dates whose periodic update is owed, up to the first one whose period has not
    ended by ``until`` (that one is due)."""
    catalogue = rule_set.notifications
    periodic = catalogue.scheduled(Schedule.PERIODIC) if catalogue else None
    entry = regime.entry_into_force
    if periodic is None or periodic.periods_begin is None or entry is None:
        return []
    exchange = rule_set.data_exchange
    if exchange is None:
        return []
    start = first_period_start(entry, periodic.periods_begin)
    last_day = regime.last_day_in_force
    found: list[date] = []
    day = exchange.next_on_or_after(start + timedelta(days=1))
    while True:
        period_end = day - timedelta(days=1)
        if last_day is not None and period_end > last_day:
            break
        found.append(day)
        if period_end >= until:
            break
        day = exchange.next_on_or_after(day + timedelta(days=1))
    return found


@dataclass(frozen=True)
class _Context:
    rule_set: RuleSet
    regime: RegimeStatus
    as_of: date
    kinds: Mapping[tuple[str, str], str]
    corrected: Mapping[tuple[str, int], tuple[str, Any]]
    updates: list[date]


def calendar(
    rule_set: RuleSet,
    regime: RegimeStatus,
    records: Sequence[Record],
    as_of: date,
    parties: Iterable[str],
    *,
    judge_events: bool = True,
    policy: LedgerPolicy | None = None,
) -> Calendar:
    """The calendar of ``parties`` as of ``as_of`` (see the module doc). Without
    ``judge_events`` only the databases owed are listed (what ``data_state`` needs). With a
    ``policy`` (to replay the ledger by), each change an update shows that no notification
    reported is listed too (``ledger.unnotified``)."""
    known = [r for r in records if parse_time(r["issued_time"]).date() <= as_of]
    context = _Context(
        rule_set=rule_set,
        regime=regime,
        as_of=as_of,
        kinds=_item_kinds(known),
        corrected=corrections_in_effect(known),
        updates=update_dates(rule_set, regime, as_of),
    )
    wanted = sorted(set(parties))
    entries: list[CalendarEntry] = []
    counts: dict[str, dict[str, int]] = {}
    unjudged = 0
    for party in wanted:
        mine = [r for r in known if r["party"] == party]
        scheduled = _scheduled_entries(context, party, mine)
        if judge_events:
            events, tally, skipped = _event_entries(context, party, mine)
            if policy is not None:
                missed = _unnotified(context, policy, party, mine, scheduled)
                events.extend(missed)
                for entry in missed:
                    tally[entry.status] += 1
        else:
            events, tally, skipped = [], dict.fromkeys(ENTRY_STATUSES, 0), 0
        entries.extend(scheduled + events)
        unjudged += skipped
        for entry in scheduled:
            tally[entry.status] += 1
        counts[party] = tally
    return Calendar(
        rule_set=rule_set.id,
        as_of=as_of,
        regime=regime_summary(regime, as_of),
        parties=wanted,
        entries=entries,
        findings=[finding for e in entries if (finding := _finding(e)) is not None],
        counts=counts,
        unjudged=unjudged,
    )


def _unnotified(
    context: _Context,
    policy: LedgerPolicy,
    party: str,
    party_records: list[Record],
    scheduled: list[CalendarEntry],
) -> list[CalendarEntry]:
    """The changes the party's received updates show and no notification reported."""
    catalogue = context.rule_set.notifications
    if catalogue is None:
        return []
    by_sequence = {r["sequence"]: r for r in party_records}
    updates: dict[date, Record] = {}
    for entry in scheduled:
        ref, data_date = entry.notification, entry.data_as_of
        if ref is None or data_date not in context.updates or entry.status == "premature":
            continue
        assert data_date is not None
        updates[data_date] = by_sequence[ref.sequence]
    return unnotified_changes(
        catalogue.categories, policy, party, party_records, updates, context.as_of
    )


def _item_kinds(records: Iterable[Record]) -> dict[tuple[str, str], str]:
    """(party, uid) -> item kind, from every declaration (an item's kind never changes; UIDs
    are party-scoped)."""
    kinds: dict[tuple[str, str], str] = {}
    for record in records:
        if record["kind"] == "declare":
            for entry in record["payload"].get("items", ()):
                kinds[(record["party"], entry["uid"])] = entry["kind"]
    return kinds


def _databases(party_records: Iterable[Record]) -> dict[date, list[Record]]:
    """data date -> the party's database notifications with data as of it, first received
    first."""
    found: dict[date, list[Record]] = {}
    for record in party_records:
        if record["kind"] == "database":
            as_of = parse_time(record["payload"]["as_of"]).date()
            found.setdefault(as_of, []).append(record)
    for group in found.values():
        group.sort(key=lambda r: (r["issued_time"], r["sequence"]))
    return found


def _scheduled_entries(
    context: _Context, party: str, party_records: list[Record]
) -> list[CalendarEntry]:
    catalogue = context.rule_set.notifications
    if catalogue is None:
        return []
    databases = _databases(party_records)
    entries = []
    once = catalogue.scheduled(Schedule.ONCE)
    entry_day = context.regime.entry_into_force
    if once is not None and once.deadline and entry_day and entry_day <= context.as_of:
        entries.append(
            _database_entry(
                context, party, once, entry_day, entry_day, databases, "initial database"
            )
        )
    periodic = catalogue.scheduled(Schedule.PERIODIC)
    if periodic is not None and periodic.deadline:
        for data_date in context.updates:
            anchor = data_date - timedelta(days=1)
            entries.append(
                _database_entry(context, party, periodic, data_date, anchor, databases, "update")
            )
    return entries


def _database_entry(
    context: _Context,
    party: str,
    category: NotificationCategory,
    data_date: date,
    anchor: date,
    databases: Mapping[date, list[Record]],
    what: str,
) -> CalendarEntry:
    assert category.deadline is not None
    due = category.deadline.due_day(anchor)
    received = databases.get(data_date, [])
    # the first database received on or after its data date fulfils it; one received
    # before (data not yet current) is premature
    timely = [r for r in received if parse_time(r["issued_time"]).date() >= data_date]
    chosen = timely[0] if timely else (received[0] if received else None)
    issued = parse_time(chosen["issued_time"]).date() if chosen else None
    status: EntryStatus
    if chosen is None:
        status = "overdue" if context.as_of > due else "due"
    elif issued is not None and issued < data_date:
        status = "premature"
    else:
        status = "late" if issued is not None and issued > due else "provided"
    suspension = context.regime.suspension(party, min(due, context.as_of))
    suspended = status == "overdue" and suspension is not None
    note = ""
    if suspended and suspension is not None:
        note = f"{party} suspended on {suspension.start}" + (
            f" ({suspension.reference})" if suspension.reference else ""
        )
    return CalendarEntry(
        party=party,
        category=category.id,
        category_name=category.name,
        source=category.source,
        obligation=f"{what}, data as of {data_date}",
        anchor=anchor,
        due=due,
        status=status,
        data_as_of=data_date,
        notification=_ref(chosen),
        issued=issued,
        suspended=suspended,
        note=note,
    )


def _event_entries(
    context: _Context, party: str, party_records: list[Record]
) -> tuple[list[CalendarEntry], dict[str, int], int]:
    catalogue = context.rule_set.notifications
    tally: dict[str, int] = dict.fromkeys(ENTRY_STATUSES, 0)
    if catalogue is None:
        return [], tally, 0
    categories = catalogue.categories
    kinds = context.kinds

    def kind_of(uid: str) -> str | None:
        return kinds.get((party, uid))

    entries: list[CalendarEntry] = []
    unjudged = 0
    for record in party_records:
        if record["kind"] in _SKIPPED:
            continue
        corrected = context.corrected.get((party, record["sequence"]))
        effective_text = corrected[0] if corrected else record["effective_time"]
        payload = corrected[1] if corrected else record["payload"]
        category = classify(categories, {"kind": record["kind"], "payload": payload}, kind_of)
        entry = _judged(context, party, record, category, parse_time(effective_text).date())
        if entry is None:
            unjudged += 1
            continue
        tally[entry.status] += 1
        if entry.status != "provided":
            entries.append(entry)
    return entries, tally, unjudged


def _judged(
    context: _Context,
    party: str,
    record: Record,
    category: NotificationCategory | None,
    effective: date,
) -> CalendarEntry | None:
    if category is None or category.deadline is None:
        return None
    if category.reported_in_update:
        anchor = period_end_for(effective, context.updates)
        if anchor is None:
            return None  # after the last update the treaty asks for
    else:
        anchor = effective
    due = category.deadline.due_day(anchor)
    issued = parse_time(record["issued_time"]).date()
    status: EntryStatus = "provided"
    if issued < effective:
        status = "premature"
    elif issued > due:
        status = "late"
    return CalendarEntry(
        party=party,
        category=category.id,
        category_name=category.name,
        source=category.source,
        obligation=f"{record['kind']} effective {effective}",
        anchor=anchor,
        due=due,
        status=status,
        notification=_ref(record),
        issued=issued,
    )


def _ref(record: Record | None) -> NotificationRef | None:
    if record is None:
        return None
    return NotificationRef(party=record["party"], sequence=record["sequence"])


def _finding(entry: CalendarEntry) -> NotificationFinding | None:
    kind = _FINDING.get(entry.status)
    if kind is None:
        return None
    days_late = None
    if entry.status == "late" and entry.issued is not None:
        days_late = (entry.issued - entry.due).days
    return NotificationFinding(
        kind=kind,
        party=entry.party,
        category=entry.category,
        source=entry.source,
        obligation=entry.obligation,
        anchor=entry.anchor,
        due=entry.due,
        notification=entry.notification,
        issued=entry.issued,
        days_late=days_late,
        note=entry.note,
    )


def data_state(
    regime: RegimeStatus,
    party: str,
    day: date,
    calendar_: Calendar | None = None,
) -> DataState:
    """Whether ``party``'s figures on ``day`` stand. Not while it is suspended on ``day``;
    nor, for a party that takes part in the data exchange (it has given any database), at a
    data date whose update ``calendar_`` finds overdue. Stale since: the latest earlier data
    date whose figures stand (None if there is none)."""
    updates = _updates_by_date(calendar_, party)
    suspension = regime.suspension(party, day)
    reason = ""
    if suspension is not None:
        reason = f"{party} suspended on {suspension.start}" + (
            f" ({suspension.reference})" if suspension.reference else ""
        )
    elif updates.get(day) == "overdue" and _takes_part(calendar_, party):
        reason = f"the update with data as of {day} is overdue"
    if not reason:
        return DataState(party=party, day=day, provided=True)
    return DataState(
        party=party,
        day=day,
        provided=False,
        stale_since=_last_standing(regime, party, day, updates, calendar_),
        reason=reason,
    )


def _updates_by_date(calendar_: Calendar | None, party: str) -> dict[date, str]:
    if calendar_ is None:
        return {}
    return {
        e.data_as_of: e.status
        for e in calendar_.entries
        if e.party == party and e.data_as_of is not None
    }


def _takes_part(calendar_: Calendar | None, party: str) -> bool:
    if calendar_ is None:
        return False
    return any(
        e.party == party and e.data_as_of is not None and e.notification is not None
        for e in calendar_.entries
    )


def _last_standing(
    regime: RegimeStatus,
    party: str,
    day: date,
    updates: Mapping[date, str],
    calendar_: Calendar | None,
) -> date | None:
    takes_part = _takes_part(calendar_, party)
    for data_date in sorted((d for d in updates if d < day), reverse=True):
        if regime.suspension(party, data_date) is not None:
            continue
        if takes_part and updates[data_date] == "overdue":
            continue
        return data_date
    return None

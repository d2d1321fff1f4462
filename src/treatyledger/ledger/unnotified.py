"""Changes in data that no notification reported, as the six-month updates show them.

An update (New START Protocol Part Four, Section II, paragraph 2) lists a party's whole
inventory as of its data date. The replay, as of that date, of every notification the party
had sent by the calendar's day (those received after the update too: a change notified late
is judged late by its own category, not missing) is compared with it (``ledger.reconcile``).
Each item that differs is a change in data that was owed "no later than five days after it
occurs" (Section II, paragraph 3) and never notified: an item the update lists that no
declaration brought, one it leaves out that the ledger still holds, another status or
location. The category is the one the notification would have fallen in (a declaration, an
elimination, a status change, a move; ``rules.catalogue.classify``).

The day of such a change is unknown, only that it is on or before the data date, so its
deadline is counted from the data date: the latest due day the change can have had, the most
lenient reading. Warhead data is not judged (Section II, paragraph 3: "only in accordance with
paragraph 2", i.e. in the update itself), nor items of any kind the rule set reports only in
the update."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from treatyledger.ledger.calendar_records import CalendarEntry, EntryStatus
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.reconcile import (
    EXTRA,
    LOCATION,
    MISSING,
    STATUS,
    Discrepancy,
    database_discrepancies,
)
from treatyledger.ledger.records import Record, parse_time
from treatyledger.ledger.replay import states_at
from treatyledger.rules.catalogue import NotificationCategory, classify

#: the change notification that would have reported each kind of difference (warhead
#: numbers are not one: they are reported in the update)
CHANGE_KIND = {EXTRA: "declare", MISSING: "eliminate", STATUS: "status_change", LOCATION: "move"}


def unnotified_changes(
    categories: Sequence[NotificationCategory],
    policy: LedgerPolicy,
    party: str,
    party_records: Sequence[Record],
    updates: Mapping[date, Record],
    as_of: date,
) -> list[CalendarEntry]:
    """The changes ``party``'s ``updates`` (data date -> the update that fulfils it) show and
    its ``party_records`` (every notification received by ``as_of``) never notified, as
    ``overdue`` entries once their due day has passed (``due`` before)."""
    entries: list[CalendarEntry] = []
    by_time = {parse_time(u["payload"]["as_of"]): (d, u) for d, u in updates.items()}
    # one replay advanced through the data dates, not one from the start per update
    for when, state in states_at(party_records, policy, by_time):
        assert isinstance(when, datetime)
        data_date, update = by_time[when]
        payload = update["payload"]
        listed = {str(i["uid"]): str(i["kind"]) for i in payload["items"] if i.get("uid")}
        for found in database_discrepancies(state, payload, party):
            held = state.item(found.uid, party)
            kind = held.kind.value if held is not None else listed.get(found.uid, "unknown")
            if found.kind not in CHANGE_KIND or kind in policy.reported_in_update:
                continue
            category = _category(categories, found, kind)
            if category is None or category.deadline is None or category.reported_in_update:
                continue
            entries.append(_entry(party, category, found, data_date, update, as_of))
    return entries


def _category(
    categories: Sequence[NotificationCategory], found: Discrepancy, kind: str
) -> NotificationCategory | None:
    change = CHANGE_KIND[found.kind]
    payload: dict[str, Any] = (
        {"items": [{"uid": found.uid, "kind": kind}]} if change == "declare" else {"uid": found.uid}
    )
    return classify(categories, {"kind": change, "payload": payload}, lambda uid: kind)


def _entry(
    party: str,
    category: NotificationCategory,
    found: Discrepancy,
    data_date: date,
    update: Record,
    as_of: date,
) -> CalendarEntry:
    assert category.deadline is not None
    due = category.deadline.due_day(data_date)
    status: EntryStatus = "overdue" if as_of > due else "due"
    return CalendarEntry(
        party=party,
        category=category.id,
        category_name=category.name,
        source=category.source,
        obligation=(
            f"{CHANGE_KIND[found.kind]} of {found.uid} on or before {data_date}, never "
            f"notified: {found.kind} (ledger {found.ledger or '-'}, update "
            f"{found.database or '-'})"
        ),
        anchor=data_date,
        due=due,
        status=status,
        note=f"shown by the update {party}#{update['sequence']} with data as of {data_date}",
    )

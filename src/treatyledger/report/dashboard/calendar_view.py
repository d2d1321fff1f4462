"""The data-exchange calendar on the party pages: per party what the rule set's notification
catalogue makes it owe (databases due, provided, late, overdue; change notifications late or
premature), computed by ``ledger.calendar`` from the workspace's records, and the overdue
alerts the overview shows.

The regime (suspensions, expiry) is read from every log the workspace holds, whichever
parties the caller may see: a suspension notified in the mirror of the other party's log
changes what the node's own party owes. The entries listed are only those of the parties
the caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from treatyledger.ledger.calendar import calendar
from treatyledger.ledger.calendar_records import Calendar, CalendarEntry
from treatyledger.ledger.regime import ledger_regime
from treatyledger.node.context import NodeContext
from treatyledger.node.views import party_records, treaty
from treatyledger.report.dashboard.party import cached
from treatyledger.store.ledger_reads import records_version
from treatyledger.store.policy import registered_parties

#: entries a party's table lists at most, newest due first (late changes can be many)
MAX_ENTRIES_SHOWN = 200
#: the statuses a party is asked to act on, in the order the page lists them
ATTENTION = ("overdue", "late", "premature", "due")


@dataclass(frozen=True)
class PartyCalendar:
    party: str
    entries: list[CalendarEntry]  # newest due first, at most MAX_ENTRIES_SHOWN
    more: int  # entries not shown
    counts: dict[str, int]

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)


@dataclass(frozen=True)
class CalendarPage:
    rule_set: str
    as_of: date
    calendar: Calendar
    parties: list[PartyCalendar]

    @property
    def no_limit(self) -> str:
        return self.calendar.regime.no_limit_reason or ""


def workspace_calendar(node: NodeContext, parties: list[str], as_of: date) -> Calendar:
    """The calendar of ``parties`` as of ``as_of``, the regime read from every log held;
    kept in the view cache until any log grows."""
    current = treaty(node.engine, node.rules)
    every = sorted({node.party, *registered_parties(node.engine)})
    versions = tuple(records_version(node.engine, p) for p in every)

    def compute() -> Calendar:
        records = [r for p in every for r in party_records(node.engine, p)]
        regime = ledger_regime(records, current.rule_set)
        return calendar(current.rule_set, regime, records, as_of, parties, policy=current.policy)

    key = ("calendar", tuple(parties), versions, current.name, as_of)
    return cached(node, key, compute)


def calendar_page(node: NodeContext, parties: list[str], as_of: date) -> CalendarPage:
    found = workspace_calendar(node, parties, as_of)
    shown = []
    for party in found.parties:
        entries = sorted(
            (e for e in found.entries if e.party == party),
            key=lambda e: (e.due, e.category),
            reverse=True,
        )
        shown.append(
            PartyCalendar(
                party=party,
                entries=entries[:MAX_ENTRIES_SHOWN],
                more=max(0, len(entries) - MAX_ENTRIES_SHOWN),
                counts=dict(found.counts.get(party, {})),
            )
        )
    return CalendarPage(rule_set=found.rule_set, as_of=as_of, calendar=found, parties=shown)


def overdue_messages(node: NodeContext, parties: list[str], as_of: date) -> list[tuple[str, str]]:
    """(party, message) per party of ``parties`` with an obligation overdue as of ``as_of``:
    one alert per party (a party that stopped its exchange would flood the panel), naming
    how many and the latest."""
    found = workspace_calendar(node, parties, as_of)
    messages = []
    for party in found.parties:
        overdue = sorted(found.entries_with("overdue", party), key=lambda e: e.due)
        if overdue:
            messages.append((party, overdue_text(overdue[-1], len(overdue))))
    return messages


def overdue_text(latest: CalendarEntry, count: int = 1) -> str:
    suspended = " (owed while the party had suspended)" if latest.suspended else ""
    more = f"{count:,} obligations overdue, the latest: " if count > 1 else ""
    return (
        f"{latest.party}: {more}{latest.obligation}, due by {latest.due.isoformat()}, "
        f"not received{suspended} ({latest.source})"
    )

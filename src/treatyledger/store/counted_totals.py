"""Totals per date counted from a party's log, kept in the workspace: a replay and a count
per data date cost seconds for a decade of notifications, so the dashboard's force levels
are counted once per log version and read back in one query afterwards, by this process or
the next one on the workspace (the report's static pages write them; the served node then
renders them at once).

A row holds for one log version (count, last sequence: ``ledger_reads.records_version``)
and one counting basis (a digest of what else the count depends on: rule set, catalog,
treaty parties, software version); anything else is a miss, never a stale figure. Writing
a version deletes the party's rows of other versions under that basis. Rows are checked on
the way back (a date and integer totals, at most ``MAX_CATEGORIES`` of them); a row that
does not parse is a miss, so a damaged view costs a recount, not a wrong page."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from treatyledger.store.ledger_tables import NotificationRow
from treatyledger.store.view_tables import CountedTotalsRow

#: categories a stored row may hold (a rule set has a handful)
MAX_CATEGORIES = 64
#: dates one party's view holds per version and basis (the series' own bound is 200)
MAX_DATES = 1_000

Totals = dict[str, int]


def log_span(engine: Engine, party: str) -> tuple[tuple[int, int], date | None]:
    """The log's version (count, last sequence) and its first effective date, in one query."""
    with engine.connect() as conn:
        count, last, first = conn.execute(
            select(
                func.count(),
                func.max(NotificationRow.sequence),
                func.min(NotificationRow.effective_time),
            ).where(NotificationRow.party == party)
        ).one()
    if not isinstance(first, datetime):
        return (int(count), int(last or 0)), None
    # a PostgreSQL session answers in its own time zone; the treaty's dates are UTC
    first_day = (first.astimezone(UTC) if first.tzinfo else first).date()
    return (int(count), int(last or 0)), first_day


def read_totals(
    engine: Engine, party: str, basis: str, version: tuple[int, int]
) -> dict[date, Totals]:
    """The totals stored for ``party`` at ``version`` under ``basis`` (rows that do not
    parse are left out: they count as misses)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(CountedTotalsRow.day, CountedTotalsRow.totals)
            .where(
                CountedTotalsRow.party == party,
                CountedTotalsRow.basis == basis,
                CountedTotalsRow.log_count == version[0],
                CountedTotalsRow.log_last == version[1],
            )
            .limit(MAX_DATES)
        ).all()
    found: dict[date, Totals] = {}
    for day, text in rows:
        totals = _parsed(text)
        if isinstance(day, date) and totals is not None:
            found[day] = totals
    return found


def _parsed(text: str) -> Totals | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict) or len(value) > MAX_CATEGORIES:
        return None
    if not all(isinstance(k, str) and type(v) is int for k, v in value.items()):
        return None
    return value


def write_totals(
    engine: Engine,
    party: str,
    basis: str,
    version: tuple[int, int],
    totals: Mapping[date, Mapping[str, int]],
) -> None:
    """Keep ``totals`` for ``party`` at ``version``; the party's rows of other versions
    under ``basis`` go. A concurrent writer of the same rows wins (they are equal)."""
    if not totals:
        return
    rows = [
        {
            "party": party,
            "basis": basis,
            "log_count": version[0],
            "log_last": version[1],
            "day": day,
            "totals": json.dumps(dict(values), sort_keys=True),
        }
        for day, values in sorted(totals.items())[:MAX_DATES]
    ]
    try:
        with engine.begin() as conn:
            conn.execute(
                delete(CountedTotalsRow).where(
                    CountedTotalsRow.party == party,
                    CountedTotalsRow.basis == basis,
                    (CountedTotalsRow.log_count != version[0])
                    | (CountedTotalsRow.log_last != version[1]),
                )
            )
            conn.execute(insert(CountedTotalsRow), rows)
    except IntegrityError:  # the same dates written by another request first
        return

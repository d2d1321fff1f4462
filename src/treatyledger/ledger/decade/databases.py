"""The periodic data exchange in a generated stream: a ``database`` notification (the party's
whole declared inventory) with data as of each date the treaty asks for one (New START: the
initial database as of entry into force, then the six-month updates as of 1 March and
1 September; the dates come from the rule set, ``ledger.calendar.update_dates``), issued a few
days after its data date and well within the deadline (45 days for the initial database,
30 after the period for an update).

Each database is placed after every record effective at or before its data date, so the
replay of the notifications before it, as of that date (``ledger.reconcile``), is exactly
what it lists: an honest party's databases reconcile clean.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.state import LedgerState
from treatyledger.model.catalog import Catalog
from treatyledger.model.kinds import TERMINAL_STATUSES

#: how long after its data date a generated database is issued: two to nine days (the
#: deadlines are 30 and 45 days; the real exchanges came within days of the data date)
ISSUE_AFTER = (timedelta(days=2), timedelta(days=9))


def _text(moment: datetime) -> str:
    return moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def with_databases(
    records: list[dict[str, Any]],
    categories: list[str],
    *,
    party: str,
    dates: Sequence[date],
    facilities: list[dict[str, str]],
    catalog: Catalog,
    rng: random.Random,
    first_sequence: int = 1,
) -> tuple[list[dict[str, Any]], list[str]]:
    """``records`` (one party's, in effective-time order) with a ``database`` notification
    for each of ``dates``, sequences renumbered; ``categories`` follow (``database``)."""
    if not dates:
        return records, categories
    state = LedgerState(LedgerPolicy(catalog=catalog, require_signatures=False, max_future=None))
    pending = sorted(dates)
    out: list[dict[str, Any]] = []
    out_categories: list[str] = []
    for record, category in zip(records, categories, strict=True):
        while pending and _text(_midnight(pending[0])) < record["effective_time"]:
            out.append(_database(state, party, pending.pop(0), facilities, rng))
            out_categories.append("database")
        state.apply_out_of_order(record)
        out.append(record)
        out_categories.append(category)
    for day in pending:
        out.append(_database(state, party, day, facilities, rng))
        out_categories.append("database")
    for sequence, record in enumerate(out, start=first_sequence):
        record["sequence"] = sequence
    return out, out_categories


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def _database(
    state: LedgerState,
    party: str,
    day: date,
    facilities: list[dict[str, str]],
    rng: random.Random,
) -> dict[str, Any]:
    as_of = _midnight(day)
    low, high = ISSUE_AFTER
    issued = as_of + low + timedelta(seconds=int(rng.random() * (high - low).total_seconds()))
    items = [
        item.model_dump(mode="json", exclude_none=True)
        for item in state.inventory(party).items
        if item.status not in TERMINAL_STATUSES
    ]
    return {
        "party": party,
        "sequence": 0,
        "kind": "database",
        "effective_time": _text(as_of),
        "issued_time": _text(issued),
        "payload": {"as_of": _text(as_of), "items": items, "facilities": facilities},
    }

"""Totals per date counted from a party's log, kept in the workspace: a replay and a count
per data date cost seconds for a decade of notifications, so the dashboard's force levels
are counted once per log version and read back in one query afterwards, by this process or
the next one on the workspace (the report's static pages write them; the served node then
renders them at once).

A row holds for one log version (count, last sequence: ``ledger_reads.records_version``)
and one counting basis (a digest of what else the count depends on: rule set, catalog,
treaty parties, software version); anything else is a miss, never a stale figure. Writing
a version deletes the party's rows of other versions under that basis. Rows are checked on
the way back: each carries an HMAC-SHA-256 (``view_key``: derived from the party's signing
key, never stored) over its party, basis, version, date and totals, and holds a date and
integer totals, at most ``MAX_CATEGORIES`` of them. A row that does not parse or whose MAC
does not verify is a miss, so a damaged or edited view costs a recount, never a wrong
page."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from treatyledger.store.ledger_tables import NotificationRow
from treatyledger.store.mac_keys import mac_key
from treatyledger.store.view_tables import CountedTotalsRow

#: categories a stored row may hold (a rule set has a handful)
MAX_CATEGORIES = 64
#: dates one party's view holds per version and basis (the series' own bound is 200)
MAX_DATES = 1_000

Totals = dict[str, int]


def view_key(private_key: Ed25519PrivateKey) -> bytes:
    """The MAC key of the counted view's rows."""
    return mac_key(private_key, b"treatyledger counted totals v1")


def _mac(
    key: bytes, party: str, basis: str, version: tuple[int, int], day: date, totals: str
) -> str:
    fields = (party, basis, str(version[0]), str(version[1]), day.isoformat(), totals)
    return hmac.new(key, "\0".join(fields).encode("utf-8"), hashlib.sha256).hexdigest()


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
    engine: Engine, party: str, basis: str, version: tuple[int, int], key: bytes
) -> dict[date, Totals]:
    """The totals stored for ``party`` at ``version`` under ``basis`` (rows that do not
    parse or whose MAC under ``key`` does not verify are left out: they count as misses)."""
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
        if not isinstance(day, date) or not isinstance(text, str):
            continue
        body, _, mac = text.rpartition("\n")
        expected = _mac(key, party, basis, version, day, body)
        if not hmac.compare_digest(mac, expected):
            continue
        totals = _parsed(body)
        if totals is not None:
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
    key: bytes,
) -> None:
    """Keep ``totals`` for ``party`` at ``version``, each row MACed under ``key``; the
    party's rows of other versions under ``basis`` go. A concurrent writer of the same rows
    wins (they are equal)."""
    if not totals:
        return
    rows = []
    for day, values in sorted(totals.items())[:MAX_DATES]:
        body = json.dumps(dict(values), sort_keys=True)
        mac = _mac(key, party, basis, version, day, body)
        rows.append(
            {
                "party": party,
                "basis": basis,
                "log_count": version[0],
                "log_last": version[1],
                "day": day,
                "totals": f"{body}\n{mac}",
            }
        )
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

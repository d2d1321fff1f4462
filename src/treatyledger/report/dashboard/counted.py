"""The force levels the party pages show, counted once per log version: ``store.
counted_totals`` keeps each party's totals per date in the workspace, the node's view cache
keeps them in memory, and only dates neither holds are counted (one replay of the log for
all of them). So the forces page of an owner with a decade of its own and its peer's
notifications costs two queries once any process (the report's static pages, an earlier
request, a node before a restart) counted that version; a new notification is a miss, never
a stale figure."""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from datetime import date

from sqlalchemy import Engine

import treatyledger
from treatyledger.node.context import NodeContext
from treatyledger.node.views import Treaty, data_dates_from, party_records, series
from treatyledger.store.counted_totals import (
    MAX_DATES,
    Totals,
    log_span,
    read_totals,
    view_key,
    write_totals,
)

#: entries of the node's view cache before it is emptied (as the other views do)
CACHE_LIMIT = 64

_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def basis(current: Treaty) -> str:
    """What a count depends on besides the log, digested: the rule set, the catalog, the
    treaty parties of the policy and the software's version."""
    parts = {
        "rule_set": current.rule_set.model_dump(mode="json"),
        "catalog": [t.model_dump(mode="json") for t in current.catalog],
        "parties": sorted(current.policy.treaty_parties),
        "version": treatyledger.__version__,
    }
    encoded = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def _lock(engine: Engine) -> threading.Lock:
    with _LOCKS_GUARD:
        lock = _LOCKS.get(engine)
        if lock is None:
            lock = _LOCKS[engine] = threading.Lock()
        return lock


def counted_series(
    node: NodeContext, current: Treaty, party: str, as_of: date, max_dates: int
) -> list[tuple[date, Totals]]:
    """``party``'s totals at the rule set's data dates up to ``as_of`` (the latest
    ``max_dates``), as ``node.views.series`` counts them."""
    version, first = log_span(node.engine, party)
    if first is None:
        return []
    dates = data_dates_from(first, as_of, current.rule_set)[-max_dates:]
    known = counted_at(node, current, party, dates, version)
    return [(day, known[day]) for day in dates]


def counted_at(
    node: NodeContext,
    current: Treaty,
    party: str,
    dates: list[date],
    version: tuple[int, int] | None = None,
    *,
    keep: bool = True,
) -> dict[date, Totals]:
    """``party``'s totals on each of ``dates``, counting only those not kept yet. ``keep``:
    store the new ones in the workspace (data dates; not any day a request names, which
    would let requests grow the table), else in memory only, up to ``MAX_DATES`` a version."""
    if version is None:
        version, _first = log_span(node.engine, party)
    digest = basis(current)
    key = ("dashboard", "counted", party, version, digest)
    cache = node.summary_cache
    # one count at a time per workspace: a second request waits for the first one's
    # figures instead of counting the same dates beside it
    with _lock(node.engine):
        known: dict[date, Totals] | None = cache.get(key)
        if known is None:
            known = read_totals(node.engine, party, digest, version, view_key(node.signing_key))
        missing = sorted(set(dates) - set(known))
        if missing:
            records = party_records(node.engine, party)
            fresh = dict(series(records, current, party, missing))
            if keep:
                write_totals(node.engine, party, digest, version, fresh, view_key(node.signing_key))
            if keep or len(known) < MAX_DATES:
                known = {**known, **fresh}
            else:
                return {day: known[day] if day in known else fresh[day] for day in dates}
        if key not in cache and len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[key] = known
    return {day: known[day] for day in dates}

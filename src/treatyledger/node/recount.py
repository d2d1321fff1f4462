"""Bounded recounting of views derived from the log (the observer summary's totals at the
data dates, item-level counts and inventory at a date).

Each view is a replay of the party's notifications, and the log version changes with every
group commit, so a cache keyed on the version alone still replays once per request under
write load (issue 13: observers polling the summary took 80 % of the node's CPU beside 50
submitters). :class:`Recounts` bounds that work three ways:

- at most ``max_keys`` views are kept (least recently used out first);
- one recount at a time: a request whose view is being recounted gets the previous one at
  once if there is one (it never queues a second replay of the same thing);
- with ``lag`` (``treatyledger serve``), a view is reused while the log grows until it is
  older than ``max(min_lag_s, LAG_FACTOR x the time its recount took)``, so recounting takes
  at most about 1/LAG_FACTOR of the node's time whatever the request rate and log size. Each
  answer says what it counted (``counted_notifications``). Without ``lag`` (embedded, tests)
  a view is recounted whenever the log version differs. Item-level counts and inventory were
  exact under serve too until 2026-12-01: with the peer reading counts twice a second beside
  50 submitters, every read replayed the whole log.

Since 2026-12-01 the views at a date at or after the log's latest effective time (today's, as
a rule) are not replays: :class:`Tallies` keeps one ``ledger.tally.Tally`` per view, advanced
by the notifications after the last one it took in (an index range read), and built again
only for a correction or a back-dated notification. A recount of such a view costs the new
notifications and one count of the current state, whatever the log's size; other dates keep
the bounded replays above. The observer summary and today's counts share one such view
(``node.frontier``).

``at_most_every`` does a piece of work (signing the latest checkpoint) at most once per
interval under ``lag``, the requests between reading what it last made.

``recent`` reuses cheaper values (the observer summary's checkpoint, open issues and limit
proofs) for ``min_lag_s`` under ``lag``: a new checkpoint is signed and stored for each new
log size, so under write load every summary request signed and committed one.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from treatyledger.ledger.tally import Tally

T = TypeVar("T")

#: a recount may take at most about 1/LAG_FACTOR of the node's time
LAG_FACTOR = 4.0
MAX_KEYS = 64


@dataclass
class _Entry:
    version: object
    checked: float  # when the version was last seen to be this one
    cost_s: float  # how long the recount took
    value: Any


class Recounts:
    def __init__(
        self,
        *,
        lag: bool = False,
        min_lag_s: float = 1.0,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.lag = lag
        self.min_lag_s = min_lag_s
        self.max_keys = max_keys
        self.clock = clock
        #: recounts done (tests count replays with it)
        self.recounted = 0
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._recent: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._last_done: OrderedDict[Hashable, float] = OrderedDict()
        self._entries_lock = threading.Lock()
        self._recount_lock = threading.Lock()
        #: the incremental tallies behind the views at the log's frontier
        self.tallies = Tallies()

    def get(
        self,
        key: Hashable,
        version: Callable[[], object],
        compute: Callable[[], T],
    ) -> T:
        """The view ``key`` of the log at ``version()`` (or, with ``lag``, of a recent one),
        recounted with ``compute`` when needed."""
        lagging = self.lag
        entry = self._lookup(key)
        if entry is not None and lagging and (self._young(entry) or self._recount_lock.locked()):
            # young, or a recount is running: the previous view at once, without asking the
            # store for its version (beside hostile observers that check was per request)
            value: T = entry.value
            return value
        current = version()
        if entry is not None and entry.version == current:
            entry.checked = self.clock()
            value = entry.value
            return value
        # a recount is running: the previous view at once rather than queueing behind it
        if lagging and entry is not None and not self._recount_lock.acquire(blocking=False):
            value = entry.value
            return value
        if not lagging or entry is None:
            self._recount_lock.acquire()
        try:
            again = self._lookup(key)  # another thread may have just recounted it
            if again is not None and again.version == current:
                value = again.value
                return value
            began = self.clock()
            value = compute()
            now = self.clock()
            self.recounted += 1
            self._store(key, _Entry(current, now, now - began, value))
            return value
        finally:
            self._recount_lock.release()

    def recent(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, or with ``lag`` its value of less than ``min_lag_s`` ago: for the
        cheap parts of a lagging view (a checkpoint, counts of open issues) that would
        otherwise be read or signed again for every request."""
        if not self.lag:
            return compute()
        now = self.clock()
        with self._entries_lock:
            found = self._recent.get(key)
        if found is not None and now - found[0] < self.min_lag_s:
            value: T = found[1]
            return value
        value = compute()
        with self._entries_lock:
            self._recent[key] = (now, value)
            while len(self._recent) > self.max_keys:
                self._recent.popitem(last=False)
        return value

    def at_most_every(
        self,
        key: Hashable,
        interval_s: float,
        compute: Callable[[], T],
        meanwhile: Callable[[], T | None],
    ) -> T:
        """With ``lag``: ``compute()`` at most once per ``interval_s`` for ``key`` (the first
        request after the interval claims it), ``meanwhile()`` for the others, and
        ``compute()`` where that has nothing yet (None). Without ``lag``: ``compute()``."""
        if not self.lag:
            return compute()
        now = self.clock()
        with self._entries_lock:
            last = self._last_done.get(key)
            due = last is None or now - last >= interval_s
            if due:  # claimed: a request meanwhile reads what the last one made
                self._last_done[key] = now
                self._last_done.move_to_end(key)
                while len(self._last_done) > self.max_keys:
                    self._last_done.popitem(last=False)
        if not due:
            found = meanwhile()
            if found is not None:
                return found
        return compute()

    def _young(self, entry: _Entry) -> bool:
        allowed = max(self.min_lag_s, LAG_FACTOR * entry.cost_s)
        return self.clock() - entry.checked < allowed

    def _lookup(self, key: Hashable) -> _Entry | None:
        with self._entries_lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def _store(self, key: Hashable, entry: _Entry) -> None:
        with self._entries_lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_keys:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass
class _Kept:
    basis: object
    tally: Tally[Any]


class Tallies:
    """One incremental tally per view (``ledger.tally``), brought up to date on each use: the
    records after its last sequence are fetched and taken in, or, where the tally refuses them
    (a correction, a back-dated notification) or its basis (the rule set it counts under)
    changed, it is built again from the whole log."""

    def __init__(self, max_keys: int = MAX_KEYS):
        self.max_keys = max_keys
        #: full builds and advances done (tests and benchmarks count them)
        self.built = 0
        self.advanced = 0
        self._kept: OrderedDict[Hashable, _Kept] = OrderedDict()
        self._lock = threading.RLock()

    @contextmanager
    def current(
        self,
        key: Hashable,
        basis: object,
        fetch: Callable[[int], list[dict[str, Any]]],
        build: Callable[[list[dict[str, Any]]], Tally[T]],
    ) -> Iterator[Tally[T]]:
        """The tally ``key`` with every stored record taken in, held (no other thread
        advances it) while the caller reads it. ``fetch(after)``: the records of sequence above
        ``after`` (0: all); ``build(records)``: a fresh tally of the whole log."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept.basis != basis:
                kept = None
            if kept is None:
                yield self.rebuild(key, basis, fetch, build)
                return
            self._kept.move_to_end(key)
            tally: Tally[T] = kept.tally
            new = fetch(max(tally.last_sequence.values(), default=0))
            if new and not tally.advance(new):
                tally = self.rebuild(key, basis, fetch, build)
            elif new:
                self.advanced += 1
            yield tally

    def rebuild(
        self,
        key: Hashable,
        basis: object,
        fetch: Callable[[int], list[dict[str, Any]]],
        build: Callable[[list[dict[str, Any]]], Tally[T]],
    ) -> Tally[T]:
        """Build ``key`` again from the whole log (also for a watched date already passed)."""
        with self._lock:
            tally = build(fetch(0))
            self.built += 1
            self._kept[key] = _Kept(basis, tally)
            self._kept.move_to_end(key)
            while len(self._kept) > self.max_keys:
                self._kept.popitem(last=False)
            return tally

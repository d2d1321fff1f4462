"""A party's declared state as of increasing moments, replayed incrementally.

``findings.declared_state`` replays the whole log for each inspection: right for one record,
too slow for a treaty's worth of them (hundreds of inspections over tens of thousands of
notifications). Inspections come in time order, so ``DeclaredCursor`` keeps the state
replayed up to the last moment asked for and applies only what took effect since; new records
are merged in as long as none takes effect at or before that moment and none is a correction
(either would change a past already replayed: the caller then builds a fresh cursor).

The state as of a moment is the one ``ledger.replay.state_at`` gives (same order: effective
time, then sequence), and the history per item the one ``declared_state`` collects; the tests
hold the two equal.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from treatyledger.inspect.errors import CursorInvalidated
from treatyledger.inspect.findings import ComplianceIssue, InspectionRecord, reconcile
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.records import Record, mentioned_uids, parse_time
from treatyledger.ledger.state import LedgerState
from treatyledger.model.items import Inventory

_BEGINNING = datetime.min.replace(tzinfo=UTC)


class DeclaredCursor:
    def __init__(self, policy: LedgerPolicy, party: str, records: Iterable[Record] = ()):
        self.party = party
        self.state = LedgerState.with_corrections(policy, {})
        self.time = _BEGINNING
        self.last_sequence = 0
        self.seen = 0  # records taken in
        self._pending: list[tuple[datetime, int, Record]] = []
        self._history: dict[str, list[str]] = {}
        self._inventory: Inventory | None = None  # as of ``time``, until something applies
        self.extend(records)

    def extend(self, records: Iterable[Record]) -> None:
        """Add records of the party accepted since (sequence above ``last_sequence``)."""
        for record in records:
            if record["party"] != self.party or record["sequence"] <= self.last_sequence:
                continue
            if record["kind"] == "correction":
                raise CursorInvalidated("a correction rewrites the log: replay it afresh")
            effective = parse_time(record["effective_time"])
            if effective <= self.time:
                raise CursorInvalidated(
                    f"{self.party}#{record['sequence']} takes effect at or before "
                    f"{self.time.isoformat()}, which is already replayed"
                )
            heapq.heappush(self._pending, (effective, record["sequence"], record))
            self.last_sequence = record["sequence"]
            self.seen += 1

    def advance(self, when: datetime) -> None:
        """Apply everything effective up to ``when`` (not before the cursor's moment)."""
        if when < self.time:
            raise CursorInvalidated(f"{when.isoformat()} is before {self.time.isoformat()}")
        pending = self._pending
        party = self.party
        while pending and pending[0][0] <= when:
            self._inventory = None
            _effective, sequence, record = heapq.heappop(pending)
            self.state.apply_out_of_order(record)
            reference = f"{party}#{sequence}"
            for uid in mentioned_uids(record["payload"]):
                self._history.setdefault(uid, []).append(reference)
        self.time = when

    def inventory(self) -> Inventory:
        if self._inventory is None:
            self._inventory = self.state.inventory(self.party)
        return self._inventory

    @property
    def history(self) -> Mapping[str, Sequence[str]]:
        """Per UID the references (``party#sequence``) of the notifications that named it."""
        return self._history

    def reconcile(self, record: InspectionRecord) -> list[ComplianceIssue]:
        """``findings.reconcile_with_ledger`` for a record at or after the cursor's moment."""
        self.advance(record.time.astimezone(UTC))
        return reconcile(record, self.inventory(), self._history)

"""The declared state inspections are reconciled with, kept between inspections.

Reconciling a finding replays the inspected party's log to the inspection time
(``inspect.findings.reconcile_with_ledger``). For a treaty's worth of inspections in time
order that is a replay of the whole log per inspection; here one ``inspect.cursor.
DeclaredCursor`` per (engine, party) is kept and moved forward, reading only the notifications
stored since. Whenever the cursor cannot answer (an inspection earlier than the last one, a
correction, a notification taking effect in the past already replayed, another policy) the
log is replayed afresh, so the answer is always the full replay's."""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import Engine

from treatyledger.inspect.cursor import DeclaredCursor
from treatyledger.inspect.errors import CursorInvalidated
from treatyledger.inspect.findings import ComplianceIssue, InspectionRecord, reconcile_with_ledger
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.store.ledger_reads import load_records, records_version

_LOCK = threading.Lock()
#: engine -> party -> (policy, cursor); weak, so a disposed engine takes its cursors along
_CURSORS: weakref.WeakKeyDictionary[Engine, dict[str, tuple[Any, DeclaredCursor]]] = (
    weakref.WeakKeyDictionary()
)


def reconcile_inspection(
    engine: Engine, record: InspectionRecord, party: str, policy: LedgerPolicy
) -> list[ComplianceIssue]:
    """The issues ``reconcile_with_ledger`` finds for ``record`` in ``party``'s stored log."""
    with _LOCK:
        cursors = _CURSORS.setdefault(engine, {})
        held = cursors.get(party)
        try:
            if held is None or held[0] != policy:
                raise CursorInvalidated("no cursor for this policy")
            cursor = held[1]
            count, last = records_version(engine, party)
            if last < cursor.last_sequence or count < cursor.seen:
                raise CursorInvalidated("the stored log is not the one replayed")
            cursor.extend(load_records(engine, party, after_sequence=cursor.last_sequence))
            issues = cursor.reconcile(record)
        except CursorInvalidated:
            cursors.pop(party, None)
            records = load_records(engine, party)
            if any(r["kind"] == "correction" for r in records):
                return reconcile_with_ledger(record, records, policy)
            cursor = DeclaredCursor(policy, party, records)
            issues = cursor.reconcile(record)
        cursors[party] = (policy, cursor)
        return issues

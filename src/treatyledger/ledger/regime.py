"""Regime events in the ledger: ``regime_status`` notifications read back as
``rules.regime.RegimeEventRecord`` values, and the regime status of a rule set's treaty on a
ledger (``ledger_regime``). A regime event is ledger-neutral (it changes no item); every
party's log may carry one (a party records its own suspension, or the note it received about
the other's), and every log a workspace holds counts: the events of the node's own party and
of the mirrored peers together.

Pure: records in (the JSON form of accepted notifications), values out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from treatyledger.ledger.records import Record, parse_time
from treatyledger.model.notifications import NotificationKind, RegimeEvent
from treatyledger.rules.regime import RegimeEventRecord, RegimeStatus, regime_status
from treatyledger.rules.schema import RuleSet

REGIME_KIND = NotificationKind.REGIME_STATUS.value


def regime_events(records: Iterable[Record]) -> list[RegimeEventRecord]:
    """Every ``regime_status`` notification among ``records``, in effective order."""
    events = [_event(r) for r in records if r["kind"] == REGIME_KIND]
    return sorted(events, key=lambda e: (e.effective, e.notified_by or "", e.sequence or 0))


def _event(record: Record) -> RegimeEventRecord:
    payload = record["payload"]
    until = payload.get("until")
    return RegimeEventRecord(
        treaty=payload["treaty"],
        event=RegimeEvent(payload["event"]),
        effective=parse_time(record["effective_time"]).date(),
        party=payload.get("party"),
        until=date.fromisoformat(until) if until else None,
        superseded_by=payload.get("superseded_by"),
        reference=payload.get("reference", ""),
        notified_by=record["party"],
        sequence=record["sequence"],
    )


def ledger_regime(records: Iterable[Record], rule_set: RuleSet) -> RegimeStatus:
    """The regime of ``rule_set``'s treaty with the events among ``records``."""
    return regime_status(rule_set, regime_events(records))

"""The regime as a workspace holds it: every log's ``regime_status`` events and databases
read from the store, folded by the pure cores (``ledger.regime``, ``ledger.calendar``) into
what every view shows: whether the treaty's limits are in force on a day, and whether a
party's figures on a day are provided or stale since a date. ``count --workspace``,
``series``, ``calendar``, the node's counts, series, calendar and public summary and the
dashboard all take their answer from ``regime_view``, so they cannot disagree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine

from treatyledger.ledger.calendar import calendar, data_state, regime_summary
from treatyledger.ledger.calendar_records import Calendar, DataState, RegimeSummary
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.regime import REGIME_KIND, ledger_regime
from treatyledger.rules.regime import RegimeStatus
from treatyledger.rules.schema import RuleSet
from treatyledger.store.ledger_reads import load_records, recorded_parties, records_of_kinds
from treatyledger.store.policy import workspace_policy


@dataclass(frozen=True)
class RegimeView:
    """A rule set's regime on a workspace as of ``today`` (the day overdue is judged by)."""

    rule_set: RuleSet
    regime: RegimeStatus
    today: date
    #: the databases owed by every party with records, as of ``today``
    schedule: Calendar

    @property
    def applied(self) -> RuleSet:
        """The rule set with the regime's dates: its limits end with the treaty."""
        return self.regime.applied(self.rule_set)

    def state(self, party: str, day: date) -> DataState:
        return data_state(self.regime, party, day, self.schedule)

    def summary(self, day: date) -> RegimeSummary:
        return regime_summary(self.regime, day)

    def not_provided(self, parties: Sequence[str], day: date) -> dict[str, DataState]:
        """The parties among ``parties`` whose figures on ``day`` do not stand."""
        states = {party: self.state(party, day) for party in parties}
        return {party: s for party, s in states.items() if not s.provided}


def regime_records(engine: Engine) -> list[dict[str, Any]]:
    """Every log's regime events and databases (what the regime view reads)."""
    return records_of_kinds(engine, {REGIME_KIND, "database"})


def view_from_records(
    rule_set: RuleSet,
    records: Sequence[dict[str, Any]],
    parties: Sequence[str],
    today: date,
) -> RegimeView:
    regime = ledger_regime(records, rule_set)
    schedule = calendar(rule_set, regime, records, today, parties, judge_events=False)
    return RegimeView(rule_set, regime, today, schedule)


def regime_view(engine: Engine, rule_set: RuleSet, today: date) -> RegimeView:
    """The regime of ``rule_set`` on this workspace, overdue judged as of ``today``."""
    return view_from_records(rule_set, regime_records(engine), recorded_parties(engine), today)


def workspace_calendar(
    engine: Engine,
    rule_set: RuleSet,
    as_of: date,
    parties: Sequence[str] | None = None,
    policy: LedgerPolicy | None = None,
) -> Calendar:
    """The full calendar (databases, every change notification judged, and the changes the
    updates show that no notification reported) of ``parties`` (default: every party with
    records) as of ``as_of``; the ledger replayed under ``policy`` (default: the workspace's
    under ``rule_set``)."""
    wanted = list(parties) if parties else recorded_parties(engine)
    regime = ledger_regime(regime_records(engine), rule_set)
    records = [r for party in wanted for r in load_records(engine, party)]
    replayed_by = policy or workspace_policy(engine, rule_set)
    return calendar(rule_set, regime, records, as_of, wanted, policy=replayed_by)

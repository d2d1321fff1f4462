"""Issue 19: what a view reads on every rebuild (the regime's events and databases, the
parties with records, the latest effective time) is found through indexes, never by
scanning the notifications, so it costs the same at any log size. The plans are checked on
both backends for the very SQL the readers run, and the answers against a plain filter of
everything stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, Select

from factory import notification_data, stream
from treatyledger.ledger import sign
from treatyledger.ledger.regime import REGIME_KIND
from treatyledger.model.notifications import parse_notification
from treatyledger.store.ledger_reads import (
    _after_every_effective_time,
    kinds_query,
    load_records,
    recorded_parties,
    recorded_parties_query,
    records_of_kinds,
)
from treatyledger.store.ledger_store import LedgerStore
from treatyledger.store.workspace import Workspace


def _plan(engine: Engine, query: Select[Any]) -> str:
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            return " | ".join(str(row[3]) for row in rows)
        # a table this small is cheapest to scan: ask what the planner does when it must not
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return " | ".join(str(row[0]) for row in conn.exec_driver_sql(f"EXPLAIN {compiled}"))


def _submit(workspace: Workspace, store: LedgerStore, records: list[dict[str, Any]]) -> None:
    signed = [sign(parse_notification(r), workspace.signing_key) for r in records]
    assert {ack.status for ack in store.submit(signed)} == {"accepted"}


def test_the_regime_records_are_a_range_of_the_kind_index(
    workspace: Workspace, ledger_store: LedgerStore
) -> None:
    retired = [notification_data("US", 28 + n, "retire", {"uid": f"US-WH-{n}"}) for n in (2, 3)]
    _submit(workspace, ledger_store, stream("US", 29) + retired)
    plan = _plan(workspace.engine, kinds_query({REGIME_KIND, "database"}))
    if workspace.engine.dialect.name == "sqlite":
        assert "ix_ledger_notifications_kind (kind=?)" in plan, plan
        assert "SCAN ledger_notifications" not in plan, plan
    else:
        assert "ix_ledger_notifications_kind" in plan, plan
        assert "Seq Scan" not in plan, plan
    everything = load_records(workspace.engine)
    for kinds in ({"move"}, {"load", "unload"}, {REGIME_KIND, "database"}):
        expected = [r for r in everything if r["kind"] in kinds]
        assert records_of_kinds(workspace.engine, kinds) == expected
    assert [r["sequence"] for r in records_of_kinds(workspace.engine, {"retire"})] == [30, 31]


def test_the_recorded_parties_are_probes_of_the_primary_key(
    workspace: Workspace, ledger_store: LedgerStore
) -> None:
    assert recorded_parties(workspace.engine) == []  # registered, nothing stored yet
    records = stream("US", 12)
    _submit(workspace, ledger_store, records)
    assert recorded_parties(workspace.engine) == ["US"]
    plan = _plan(workspace.engine, recorded_parties_query())
    if workspace.engine.dialect.name == "sqlite":
        assert "SCAN ledger_notifications" not in plan, plan
        assert "ledger_notifications USING" in plan and "(party=?)" in plan, plan
    else:
        assert "Seq Scan on ledger_notifications" not in plan, plan
    last = max(parse_notification(r).effective_time for r in records).date()
    assert _after_every_effective_time(workspace.engine, last)
    first = min(parse_notification(r).effective_time for r in records)
    assert first.date() < last
    assert not _after_every_effective_time(workspace.engine, first.date())

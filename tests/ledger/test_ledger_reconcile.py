"""Reconciliation of a database notification with the replay since the previous one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ledger_helpers import T0, Ledger, item

from treatyledger.ledger import ReconcileError, reconcile

AS_OF = T0 + timedelta(days=30)


def database_of(
    ledger: Ledger,
    *,
    change: dict[str, dict[str, Any]] | None = None,
    drop: tuple[str, ...] = (),
    add: tuple[dict[str, Any], ...] = (),
) -> dict:
    """The ledger's own inventory as a database payload, with edits."""
    items = []
    for found in ledger.state.inventory("US").items:
        if found.uid in drop or found.status.value in ("eliminated", "dismantled", "transferred"):
            continue
        record = found.model_dump(mode="json", exclude_none=True)
        record.update((change or {}).get(found.uid, {}))
        items.append(record)
    items.extend(add)
    return {"as_of": AS_OF.strftime("%Y-%m-%dT%H:%M:%SZ"), "items": items}


@pytest.fixture
def force() -> Ledger:
    ledger = Ledger()
    ledger.declare(
        item("L1", "icbm_launcher", "non_deployed", facility="BASE"),
        item("M1", "icbm", "non_deployed", warheads=0, facility="BASE"),
        item("W1", "warhead", "stored", facility="STORE"),
        item("L2", "icbm_launcher", "non_deployed", facility="BASE"),
    )
    ledger.send("load", {"container": "L1", "items": ["M1"]})  # 2
    ledger.send("load", {"container": "M1", "warheads": 2})  # 3
    ledger.send("eliminate", {"uid": "L2"})  # 4
    return ledger


def send_database(ledger: Ledger, payload: dict) -> int:
    ledger.send("database", payload, effective=AS_OF, issued=AS_OF)
    return ledger.sequence


def test_a_faithful_database_is_consistent(force: Ledger) -> None:
    send_database(force, database_of(force))
    result = reconcile(force.records(), force.state.policy, "US")
    assert result.consistent
    assert result.database == "US#5"
    assert result.previous_database is None


def test_an_item_left_out_is_missing(force: Ledger) -> None:
    send_database(force, database_of(force, drop=("W1",)))
    (found,) = reconcile(force.records(), force.state.policy, "US").discrepancies
    assert (found.kind, found.uid, found.notifications) == ("missing", "W1", ("US#1",))


def test_an_undeclared_item_is_extra(force: Ledger) -> None:
    extra = item("W9", "warhead", "stored", facility="STORE")
    send_database(force, database_of(force, add=(extra,)))
    (found,) = reconcile(force.records(), force.state.policy, "US").discrepancies
    assert (found.kind, found.uid, found.notifications) == ("extra", "W9", ())


def test_a_different_status(force: Ledger) -> None:
    send_database(force, database_of(force, change={"W1": {"status": "retired"}}))
    (found,) = reconcile(force.records(), force.state.policy, "US").discrepancies
    assert (found.kind, found.ledger, found.database) == ("status", "stored", "retired")


def test_a_different_location(force: Ledger) -> None:
    send_database(force, database_of(force, change={"W1": {"facility": "ELSEWHERE"}}))
    (found,) = reconcile(force.records(), force.state.policy, "US").discrepancies
    assert (found.kind, found.ledger, found.database) == ("location", "STORE", "ELSEWHERE")


def test_a_different_warhead_count_names_the_loads(force: Ledger) -> None:
    send_database(force, database_of(force, change={"M1": {"warheads": 3}}))
    (found,) = reconcile(force.records(), force.state.policy, "US").discrepancies
    assert (found.kind, found.ledger, found.database) == ("warheads", "2", "3")
    assert found.notifications == ("US#1", "US#2", "US#3")


def test_notifications_involved_are_those_since_the_previous_database(force: Ledger) -> None:
    send_database(force, database_of(force))  # 5
    force.send("unload", {"container": "M1", "warheads": 1}, effective=AS_OF + timedelta(days=1))
    later = AS_OF + timedelta(days=2)
    payload = database_of(force, change={"M1": {"warheads": 2}})
    payload["as_of"] = later.strftime("%Y-%m-%dT%H:%M:%SZ")
    force.send("database", payload, effective=later, issued=later)
    result = reconcile(force.records(), force.state.policy, "US")
    (found,) = result.discrepancies
    assert result.previous_database == "US#5"
    assert found.notifications == ("US#6",)


def test_a_notification_sent_after_the_database_is_not_held_against_it(force: Ledger) -> None:
    sequence = send_database(force, database_of(force))
    force.send(
        "retire",
        {"uid": "W1"},
        effective=AS_OF - timedelta(days=1),
        issued=AS_OF + timedelta(days=3),
    )
    assert reconcile(force.records(), force.state.policy, "US", sequence).consistent


def test_reconciling_a_non_database_notification_is_an_error(force: Ledger) -> None:
    with pytest.raises(ReconcileError):
        reconcile(force.records(), force.state.policy, "US", 2)


def test_a_party_without_a_database_is_an_error(force: Ledger) -> None:
    with pytest.raises(ReconcileError, match="no database"):
        reconcile(force.records(), force.state.policy, "US")


def test_the_report_serialises_to_json(force: Ledger) -> None:
    send_database(force, database_of(force, drop=("W1",)))
    data = reconcile(force.records(), force.state.policy, "US").to_json_dict()
    assert data["consistent"] is False
    assert data["discrepancies"][0]["kind"] == "missing"
    assert datetime.fromisoformat(data["as_of"]) == AS_OF.astimezone(UTC)

"""A small declared force built through the ledger's API, shared by the inspection tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from treatyledger.files.builtin import load_catalog, load_rule_set
from treatyledger.ledger.policy import LedgerPolicy, policy_from_rule_set
from treatyledger.model.notifications import Notification

T0 = datetime(2026, 2, 5, tzinfo=UTC)
BASES = ("BASE-A", "BASE-B")
MISSILES_PER_BASE = 3


def missile_uids(base: str) -> list[str]:
    return [f"US-ICBM-{base[-1]}{i}" for i in range(1, MISSILES_PER_BASE + 1)]


def _notification(sequence: int, kind: str, payload: dict[str, Any], when: datetime) -> dict:
    return Notification(
        party="US",
        sequence=sequence,
        kind=kind,
        effective_time=when,
        issued_time=when,
        payload=payload,
    ).to_json_dict()


def declared_records() -> list[dict]:
    """US declares two ICBM bases and a storage site, three Minuteman III at each base
    carrying one RV each, then notifies a load of one more RV on US-ICBM-A1."""
    facilities = [
        {"id": base, "party": "US", "type": "icbm_base", "name": base} for base in BASES
    ] + [{"id": "STORE-1", "party": "US", "type": "storage", "name": "storage"}]
    items = [
        {
            "uid": uid,
            "party": "US",
            "kind": "icbm",
            "system_type": "Minuteman III",
            "status": "deployed",
            "warheads": 1,
            "facility": base,
        }
        for base in BASES
        for uid in missile_uids(base)
    ]
    return [
        _notification(1, "declare", {"items": items, "facilities": facilities}, T0),
        _notification(
            2, "load", {"container": "US-ICBM-A1", "warheads": 1}, T0 + timedelta(days=30)
        ),
    ]


def policy() -> LedgerPolicy:
    return policy_from_rule_set(
        load_rule_set("new-start"), load_catalog(), require_signatures=False
    )


def type_one() -> Any:
    rule_set = load_rule_set("new-start")
    assert rule_set.inspections is not None
    return next(t for t in rule_set.inspections.types if t.id == "type-one")

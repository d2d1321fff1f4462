"""The ``escrow_commitment`` notification: its schema and bounds, ledger neutrality in
application and replay, and the signature covering its payload."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from ledger_helpers import TEST_KEY_US, Ledger, item, policy

from treatyledger.ledger import replay, verify
from treatyledger.model.errors import NotificationSchemaError
from treatyledger.model.notifications import (
    LEDGER_NEUTRAL_KINDS,
    MAX_ESCROW_CATEGORIES,
    NotificationKind,
    notification_json_schema,
    parse_notification,
)

PAYLOAD: dict[str, Any] = {
    "format": "treatyledger-escrow-commitment/v1",
    "exchange": "2026-03-01",
    "count": 3,
    "categories": [
        {"name": "stored", "where": {"status": ["stored"]}, "measure": "items"},
        {"name": "rvs", "where": {"kind": ["icbm"]}, "measure": "warheads"},
    ],
    "totals": {"stored": 1, "rvs": 2},
    "root": "ab" * 32,
}
ENVELOPE: dict[str, Any] = {
    "party": "US",
    "sequence": 1,
    "kind": "escrow_commitment",
    "effective_time": "2026-03-01T00:00:00Z",
    "issued_time": "2026-03-01T00:00:00Z",
}


def _with(**payload: Any) -> dict[str, Any]:
    return {**ENVELOPE, "payload": {**PAYLOAD, **payload}}


def test_escrow_commitment_is_ledger_neutral() -> None:
    assert NotificationKind.ESCROW_COMMITMENT in LEDGER_NEUTRAL_KINDS


def test_exported_schema_accepts_the_json_form() -> None:
    notification = parse_notification(_with())
    jsonschema.validate(notification.to_json_dict(), notification_json_schema("escrow_commitment"))


def test_exported_schema_refuses_an_unknown_payload_field() -> None:
    schema = notification_json_schema("escrow_commitment")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_with(party="US"), schema)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"root": "AB" * 32}, "root"),
        ({"count": -1}, "count"),
        ({"totals": {"stored": 1}}, "totals"),
        ({"totals": {"stored": -1, "rvs": 2}}, "totals"),
        ({"format": "treatyledger-escrow-commitment/v2"}, "format"),
        ({"exchange": "has space"}, "exchange"),
    ],
)
def test_a_malformed_commitment_payload_is_a_schema_error(
    change: dict[str, Any], field: str
) -> None:
    with pytest.raises(NotificationSchemaError, match=field):
        parse_notification(_with(**change))


def test_the_number_of_categories_is_bounded() -> None:
    many = MAX_ESCROW_CATEGORIES + 1
    categories = [{"name": f"c{n}", "where": {}, "measure": "items"} for n in range(many)]
    with pytest.raises(NotificationSchemaError, match="categories"):
        parse_notification(_with(categories=categories, totals={f"c{n}": 0 for n in range(many)}))


def test_the_values_of_a_category_selection_are_bounded() -> None:
    categories = [{"name": "stored", "where": {"facility": ["F"] * 1001}}]
    with pytest.raises(NotificationSchemaError, match="categories"):
        parse_notification(_with(categories=categories, totals={"stored": 0}))


def test_an_escrow_commitment_changes_no_inventory() -> None:
    ledger = Ledger()
    assert ledger.declare(item("W1", "warhead", "stored")).status == "accepted"
    before = ledger.state.inventory("US")
    outcome = ledger.send("escrow_commitment", PAYLOAD)
    assert outcome.status == "accepted"
    assert ledger.state.inventory("US") == before


def test_replay_through_an_escrow_commitment_keeps_the_items_and_their_history() -> None:
    ledger = Ledger()
    ledger.declare(item("W1", "warhead", "stored"))
    ledger.send("escrow_commitment", PAYLOAD)
    ledger.send("retire", {"uid": "W1"})
    records = ledger.records()
    assert [r["kind"] for r in records] == ["declare", "escrow_commitment", "retire"]
    with_commitment = replay(records, policy())
    assert with_commitment.inventory("US") == ledger.state.inventory("US")
    assert with_commitment.item_fields("W1") == ledger.state.item_fields("W1")
    fields = with_commitment.item_fields("W1")
    assert fields is not None and fields["status"] == "retired"


def test_the_signature_covers_the_commitment_payload() -> None:
    signed = Ledger().build("escrow_commitment", PAYLOAD)
    assert verify(signed, TEST_KEY_US.public_key())
    data = signed.to_json_dict()
    data["payload"]["root"] = "cd" * 32
    assert not verify(data, TEST_KEY_US.public_key())
    data = signed.to_json_dict()
    data["payload"]["totals"]["stored"] = 2
    assert not verify(data, TEST_KEY_US.public_key())

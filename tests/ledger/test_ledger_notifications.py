"""The notification envelope, payload models and exported JSON Schemas."""

from __future__ import annotations

import jsonschema
import pytest
from ledger_helpers import item

from treatyledger.model.errors import NotificationSchemaError
from treatyledger.model.notifications import (
    MAX_ITEMS_PER_LOAD,
    NotificationKind,
    notification_json_schema,
    parse_notification,
)

ENVELOPE = {
    "party": "US",
    "sequence": 7,
    "effective_time": "2011-02-05T00:00:00Z",
    "issued_time": "2011-02-06T00:00:00Z",
}

SAMPLE_PAYLOADS = {
    "declare": {"items": [item("L1", "icbm_launcher", "non_deployed")]},
    "move": {"uid": "M1", "to_facility": "F-2"},
    "load": {"container": "M1", "warheads": 2},
    "unload": {"container": "L1", "items": ["M1"]},
    "status_change": {"uid": "B1", "to_status": "non_deployed"},
    "retire": {"uid": "W1"},
    "dismantle": {"uid": "W1"},
    "eliminate": {"uid": "L1"},
    "convert": {"uid": "L1", "to_status": "in_conversion"},
    "transfer": {"uid": "W1", "to_party": "GB"},
    "correction": {
        "kind": "move",
        "effective_time": "2011-02-04T00:00:00Z",
        "payload": {"uid": "M1", "to_facility": "F-3"},
    },
    "database": {"as_of": "2011-03-01T00:00:00Z", "items": []},
    "randomness_commit": {"round_id": "R1", "commitment": "ab" * 32},
    "randomness_reveal": {"round_id": "R1", "value": "0f" * 16, "salt": "11" * 16},
    "escrow_commitment": {
        "format": "treatyledger-escrow-commitment/v1",
        "exchange": "2026-03-01",
        "count": 11,
        "categories": [{"name": "stored", "where": {"status": ["stored"]}, "measure": "items"}],
        "totals": {"stored": 41},
        "root": "cd" * 32,
    },
    "zk_limit_proof": {
        "format": "treatyledger-zk-limit-proof/v1",
        "rule_set": "new-start",
        "as_of": "2018-02-05",
        "by": "facility",
        "bits": 16,
        "checkpoint": {"origin": "treatyledger.example/US", "size": 3, "root": "A" * 43 + "="},
        "categories": [
            {
                "category": "deployed_warheads",
                "limit": 1550,
                "bases": [{"base": "WARREN", "commitment": "ab" * 32}],
                "proof": {
                    **{k: "01" * 32 for k in ("A", "S", "T1", "T2", "tau_x", "mu", "t_hat")},
                    **{k: "02" * 32 for k in ("a", "b")},
                    "L": ["03" * 32] * 5,
                    "R": ["04" * 32] * 5,
                },
            }
        ],
    },
    "regime_status": {
        "treaty": "new-start",
        "event": "suspension",
        "party": "RU",
        "reference": "Federal Law No. 38-FZ of 2023-02-28",
    },
}


def sample(kind: str) -> dict:
    data = {**ENVELOPE, "kind": kind, "payload": SAMPLE_PAYLOADS[kind]}
    if kind == "correction":
        data["corrects"] = {"party": "US", "sequence": 3}
    return data


def test_every_kind_has_a_sample() -> None:
    assert set(SAMPLE_PAYLOADS) == {k.value for k in NotificationKind}


@pytest.mark.parametrize("kind", [k.value for k in NotificationKind])
def test_json_form_validates_against_the_exported_schema(kind: str) -> None:
    notification = parse_notification(sample(kind))
    schema = notification_json_schema(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(notification.to_json_dict(), schema)


@pytest.mark.parametrize("kind", [k.value for k in NotificationKind])
def test_json_form_round_trips(kind: str) -> None:
    first = parse_notification(sample(kind)).to_json_dict()
    assert parse_notification(first).to_json_dict() == first


def test_schema_of_one_kind_rejects_another_kinds_payload() -> None:
    schema = notification_json_schema("load")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**sample("move"), "kind": "load"}, schema)


def test_payload_of_another_kind_is_a_schema_error_naming_the_field() -> None:
    with pytest.raises(NotificationSchemaError) as info:
        parse_notification({**sample("move"), "kind": "load"})
    assert info.value.field == "payload.container"
    assert info.value.ref == "US#7"


def test_times_are_normalised_to_utc() -> None:
    data = {**sample("move"), "effective_time": "2011-02-05T03:00:00+03:00"}
    assert parse_notification(data).to_json_dict()["effective_time"] == "2011-02-05T00:00:00Z"


def test_a_time_without_zone_is_rejected() -> None:
    with pytest.raises(NotificationSchemaError) as info:
        parse_notification({**sample("move"), "effective_time": "2011-02-05T00:00:00"})
    assert info.value.field == "effective_time"


def test_unknown_envelope_field_is_rejected() -> None:
    with pytest.raises(NotificationSchemaError):
        parse_notification({**sample("move"), "extra": 1})


def test_sequence_starts_at_one() -> None:
    with pytest.raises(NotificationSchemaError) as info:
        parse_notification({**sample("move"), "sequence": 0})
    assert info.value.field == "sequence"


def test_oversized_item_list_is_rejected() -> None:
    payload = {"container": "M1", "items": [f"W{i}" for i in range(MAX_ITEMS_PER_LOAD + 1)]}
    with pytest.raises(NotificationSchemaError) as info:
        parse_notification({**sample("load"), "payload": payload})
    assert info.value.field is not None and info.value.field.startswith("payload.items")


def test_oversized_uid_is_rejected() -> None:
    with pytest.raises(NotificationSchemaError):
        parse_notification({**sample("move"), "payload": {"uid": "U" * 500, "to_facility": "F"}})


def test_correction_needs_corrects() -> None:
    data = sample("correction")
    del data["corrects"]
    with pytest.raises(NotificationSchemaError, match="corrects"):
        parse_notification(data)


def test_corrects_is_only_for_corrections() -> None:
    with pytest.raises(NotificationSchemaError, match="corrects"):
        parse_notification({**sample("move"), "corrects": {"party": "US", "sequence": 1}})


def test_correction_must_name_an_earlier_notification_of_the_same_party() -> None:
    with pytest.raises(NotificationSchemaError, match="earlier"):
        parse_notification({**sample("correction"), "corrects": {"party": "US", "sequence": 7}})
    with pytest.raises(NotificationSchemaError, match="own"):
        parse_notification({**sample("correction"), "corrects": {"party": "RU", "sequence": 1}})


def test_corrected_payload_is_validated_against_its_kind() -> None:
    bad = {**SAMPLE_PAYLOADS["correction"], "payload": {"uid": "M1"}}
    with pytest.raises(NotificationSchemaError):
        parse_notification({**sample("correction"), "payload": bad})


def test_a_database_cannot_be_corrected() -> None:
    bad = {**SAMPLE_PAYLOADS["correction"], "kind": "database"}
    with pytest.raises(NotificationSchemaError, match="database"):
        parse_notification({**sample("correction"), "payload": bad})


def test_load_needs_something_to_load() -> None:
    with pytest.raises(NotificationSchemaError):
        parse_notification({**sample("load"), "payload": {"container": "M1"}})


def test_convert_accepts_only_conversion_statuses() -> None:
    with pytest.raises(NotificationSchemaError):
        parse_notification({**sample("convert"), "payload": {"uid": "L1", "to_status": "deployed"}})


def test_commitment_must_be_hex_sha256() -> None:
    with pytest.raises(NotificationSchemaError):
        parse_notification(
            {**sample("randomness_commit"), "payload": {"round_id": "R1", "commitment": "xyz"}}
        )


def test_unsigned_json_form_has_no_signature_field() -> None:
    assert "signature" not in parse_notification(sample("move")).to_json_dict()

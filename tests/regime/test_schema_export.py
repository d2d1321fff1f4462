"""``treatyledger schema`` exports the JSON Schema of every regime record, and each schema
accepts the record the software emits (checked with jsonschema, an independent validator)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from treatyledger.cli import main
from treatyledger.cli.records import RECORDS
from treatyledger.errors import ExitCode
from treatyledger.files import load_rule_set
from treatyledger.ledger.calendar import calendar, data_state
from treatyledger.model.notifications import NotificationKind
from treatyledger.rules.regime import regime_status

FIXTURE = Path(__file__).parents[1] / "fixtures" / "regime" / "new_start_year_one.jsonl"


def exported(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def year() -> Any:
    rules = load_rule_set("new-start")
    records = [json.loads(line) for line in FIXTURE.read_text().splitlines()]
    return calendar(rules, regime_status(rules), records, date(2012, 4, 15), ["US", "RU"])


def test_every_regime_record_is_exported(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "records"]) == 0
    listed = capsys.readouterr().out
    for name in (
        "calendar",
        "calendar-entry",
        "notification-finding",
        "data-state",
        "regime-summary",
        "notification-category",
    ):
        assert name in RECORDS and name in listed


def test_the_calendar_and_its_parts_validate(capsys: pytest.CaptureFixture[str], year: Any) -> None:
    document = year.model_dump(mode="json")
    jsonschema.validate(document, exported(capsys, "schema", "record", "calendar"))
    entry = exported(capsys, "schema", "record", "calendar-entry")
    for item in document["entries"]:
        jsonschema.validate(item, entry)
    finding = exported(capsys, "schema", "record", "notification-finding")
    assert document["findings"]
    for item in document["findings"]:
        jsonschema.validate(item, finding)
    jsonschema.validate(document["regime"], exported(capsys, "schema", "record", "regime-summary"))
    state = data_state(regime_status(load_rule_set("new-start")), "RU", date(2012, 3, 1), year)
    jsonschema.validate(
        state.model_dump(mode="json"), exported(capsys, "schema", "record", "data-state")
    )


def test_a_finding_schema_refuses_an_unknown_kind(
    capsys: pytest.CaptureFixture[str], year: Any
) -> None:
    finding = year.findings[0].model_dump(mode="json")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {**finding, "kind": "tardy"},
            exported(capsys, "schema", "record", "notification-finding"),
        )


def test_the_catalogue_categories_validate_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    import tomllib

    schema = exported(capsys, "schema", "record", "notification-category")
    path = Path(__file__).parents[2] / "src" / "treatyledger" / "data" / "rules" / "new-start.toml"
    for category in tomllib.loads(path.read_text())["notifications"]["categories"]:
        jsonschema.validate(category, schema)


def test_the_regime_status_notification_schema_is_exported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert NotificationKind.REGIME_STATUS.value == "regime_status"
    schema = exported(capsys, "schema", "notification", "regime_status")
    assert set(schema["properties"]["payload"]["properties"]) >= {"treaty", "event", "party"}


def test_an_unknown_record_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "record", "nope"]) == ExitCode.MALFORMED
    err = capsys.readouterr().err
    assert "unknown record 'nope'" in err and "Traceback" not in err

"""CLI commands: ``schema record NAME`` and ``schema records``, the JSON Schemas of the
records beyond notifications (``schema notification KIND`` gives those, ``regime_status``
included): the inspection and Commission records (what the node's inspection and
compliance-issue endpoints take and answer) and the regime's (the data-exchange calendar, its
findings, the data state and regime summary the views carry, a notification category).
``RECORDS`` is the one registry: a record a command or endpoint emits is added here."""

from __future__ import annotations

import json
from typing import Any, Literal

import typer

from treatyledger.cli.app import console
from treatyledger.cli.errors import CommandLineError
from treatyledger.cli.workspace import schema_app

Mode = Literal["validation", "serialization"]

#: name -> (module:model, mode): requests are validated, records are read as the node answers
#: them. Named, not imported, so that start-up imports no model (docs/performance.md).
RECORDS: dict[str, tuple[str, Mode]] = {
    "arrival-notice": ("treatyledger.inspect.procedure:ArrivalNotice", "validation"),
    "site-designation": ("treatyledger.inspect.procedure:SiteDesignation", "validation"),
    "item-designation": ("treatyledger.inspect.procedure:ItemDesignation", "validation"),
    "inspection-record": ("treatyledger.inspect.findings:InspectionRecord", "validation"),
    "inspection": ("treatyledger.inspect.procedure:Inspection", "serialization"),
    "compliance-issue": (
        "treatyledger.inspect.consultation:ComplianceIssueRecord",
        "serialization",
    ),
    "issue-event": ("treatyledger.inspect.consultation:IssueEvent", "serialization"),
    "inspection-rules": ("treatyledger.rules.schema:Inspections", "validation"),
    # the regime (ledger.calendar, rules.catalogue)
    "calendar": ("treatyledger.ledger.calendar_records:Calendar", "serialization"),
    "calendar-entry": ("treatyledger.ledger.calendar_records:CalendarEntry", "serialization"),
    "notification-finding": (
        "treatyledger.ledger.calendar_records:NotificationFinding",
        "serialization",
    ),
    "data-state": ("treatyledger.ledger.calendar_records:DataState", "serialization"),
    "regime-summary": ("treatyledger.ledger.calendar_records:RegimeSummary", "serialization"),
    "notification-category": ("treatyledger.rules.catalogue:NotificationCategory", "validation"),
}


def record_model(name: str) -> Any:
    """The pydantic model a ``RECORDS`` entry names."""
    import importlib

    module, _, attribute = RECORDS[name][0].partition(":")
    return getattr(importlib.import_module(module), attribute)


@schema_app.command("record")
def schema_record_command(
    name: str = typer.Argument(..., help=f"One of: {', '.join(RECORDS)}."),
) -> None:
    """The JSON Schema of an inspection or compliance-issue record."""
    if name not in RECORDS:
        raise CommandLineError(f"unknown record {name!r}: expected one of {', '.join(RECORDS)}")
    model, mode = record_model(name), RECORDS[name][1]
    typer.echo(json.dumps(model.model_json_schema(mode=mode), indent=2))


@schema_app.command("records")
def schema_records_command() -> None:
    """The records whose JSON Schemas `schema record NAME` exports."""
    for name, (where, _) in RECORDS.items():
        console.print(f"{name}: {where.partition(':')[2]}", highlight=False, markup=False)

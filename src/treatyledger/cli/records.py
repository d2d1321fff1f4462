"""CLI commands: ``schema record NAME`` and ``schema records``, the JSON Schemas of the
records beyond notifications (``schema notification KIND`` gives those, ``regime_status``
included): the inspection and Commission records (what the node's inspection and
compliance-issue endpoints take and answer) and the regime's (the data-exchange calendar, its
findings, the data state and regime summary the views carry, a notification category).
``RECORDS`` is the one registry: a record a command or endpoint emits is added here."""

from __future__ import annotations

import json
from typing import Literal

import typer
from pydantic import BaseModel

from treatyledger.cli.app import console
from treatyledger.cli.options import CommandLineError
from treatyledger.cli.workspace import schema_app
from treatyledger.inspect.consultation import ComplianceIssueRecord, IssueEvent
from treatyledger.inspect.findings import InspectionRecord
from treatyledger.inspect.procedure import (
    ArrivalNotice,
    Inspection,
    ItemDesignation,
    SiteDesignation,
)
from treatyledger.ledger.calendar_records import (
    Calendar,
    CalendarEntry,
    DataState,
    NotificationFinding,
    RegimeSummary,
)
from treatyledger.rules.catalogue import NotificationCategory
from treatyledger.rules.schema import Inspections

Mode = Literal["validation", "serialization"]

#: name -> (model, mode): requests are validated, records are read as the node answers them
RECORDS: dict[str, tuple[type[BaseModel], Mode]] = {
    "arrival-notice": (ArrivalNotice, "validation"),
    "site-designation": (SiteDesignation, "validation"),
    "item-designation": (ItemDesignation, "validation"),
    "inspection-record": (InspectionRecord, "validation"),
    "inspection": (Inspection, "serialization"),
    "compliance-issue": (ComplianceIssueRecord, "serialization"),
    "issue-event": (IssueEvent, "serialization"),
    "inspection-rules": (Inspections, "validation"),
    # the regime (ledger.calendar, rules.catalogue)
    "calendar": (Calendar, "serialization"),
    "calendar-entry": (CalendarEntry, "serialization"),
    "notification-finding": (NotificationFinding, "serialization"),
    "data-state": (DataState, "serialization"),
    "regime-summary": (RegimeSummary, "serialization"),
    "notification-category": (NotificationCategory, "validation"),
}


@schema_app.command("record")
def schema_record_command(
    name: str = typer.Argument(..., help=f"One of: {', '.join(RECORDS)}."),
) -> None:
    """The JSON Schema of an inspection or compliance-issue record."""
    if name not in RECORDS:
        raise CommandLineError(f"unknown record {name!r}: expected one of {', '.join(RECORDS)}")
    model, mode = RECORDS[name]
    typer.echo(json.dumps(model.model_json_schema(mode=mode), indent=2))


@schema_app.command("records")
def schema_records_command() -> None:
    """The records whose JSON Schemas `schema record NAME` exports."""
    for name, (model, _) in RECORDS.items():
        console.print(f"{name}: {model.__name__}", highlight=False, markup=False)

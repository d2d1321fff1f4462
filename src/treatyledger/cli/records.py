"""CLI command: ``schema record NAME``, the JSON Schemas of the inspection and Commission
records (what the node's inspection and compliance-issue endpoints take and answer)."""

from __future__ import annotations

import json
from typing import Literal

import typer
from pydantic import BaseModel

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

"""CLI: the data-exchange calendar. ``treatyledger calendar -w WS [--as-of DATE] [--rules R]
[--party P ...] [--format json]``: per party what is due and when, what is overdue, and every
late or premature notification, from the rule set's notification catalogue and the treaty's
regime as the workspace's logs record it (``store.regime_view``). A report: it exits 0."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from treatyledger.cli.app import app, console
from treatyledger.cli.options import (
    OutputFormat,
    load_checked_rule_set,
    parse_date,
    working,
    workspace_option,
)

if TYPE_CHECKING:
    from rich.table import Table

    from treatyledger.ledger.calendar_records import Calendar, CalendarEntry

LISTED = ("overdue", "due", "late", "premature")


@app.command("calendar")
def calendar_command(
    workspace: Path = workspace_option(),
    as_of: str | None = typer.Option(
        None, "--as-of", help="The day (YYYY-MM-DD) the calendar is as of; default: today (UTC)."
    ),
    rules: str | None = typer.Option(None, "--rules", help="Rule set (default: the workspace's)."),
    party: list[str] | None = typer.Option(
        None, "--party", help="Only this party (repeatable); default: every party with records."
    ),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
) -> None:
    """What each party owes under the rule set's notification catalogue: databases due,
    overdue, late or premature, and late or premature change notifications."""
    from treatyledger.store.regime_view import workspace_calendar
    from treatyledger.store.workspace import Workspace

    day = parse_date(as_of, "--as-of") or datetime.now(UTC).date()
    with Workspace.open(workspace) as ws:
        rule_set = load_checked_rule_set(rules or ws.rules)
        with working("calendar"):
            result = workspace_calendar(ws.engine, rule_set, day, party or None)
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2))
        return
    print_calendar(result)


def print_calendar(result: Calendar) -> None:
    from rich.table import Table

    regime = result.regime
    state = regime.no_limit_reason or f"{regime.treaty} in force"
    console.print(
        f"[bold]{result.rule_set}[/] calendar as of {result.as_of}: {state}", highlight=False
    )
    for event in regime.events:
        console.print(f"  {event}", highlight=False, markup=False)
    totals = Table("party", *LISTED, "on time", title="Notifications by status")
    for party in result.parties:
        counts = result.counts.get(party, {})
        totals.add_row(party, *(str(counts.get(s, 0)) for s in (*LISTED, "provided")))
    console.print(totals)
    for status in LISTED:
        entries = result.entries_with(status)  # type: ignore[arg-type]
        if entries:
            console.print(_entries_table(status, entries))
    if result.unjudged:
        console.print(
            f"{result.unjudged} change notification(s) fall in no category with a deadline",
            highlight=False,
        )


def _entries_table(status: str, entries: list[CalendarEntry]) -> Table:
    from rich.table import Table

    table = Table("party", "obligation", "due", "received", "notification", "source", title=status)
    for entry in entries:
        ref = entry.notification
        table.add_row(
            entry.party,
            entry.obligation + (f" [{entry.note}]" if entry.note else ""),
            str(entry.due),
            str(entry.issued or ""),
            f"{ref.party}#{ref.sequence}" if ref else "",
            entry.source,
        )
    return table

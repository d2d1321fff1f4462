"""CLI commands: counting. ``rules list``, ``rules show NAME``, ``count`` and ``explain``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from treatyledger.cli.app import app, console, err_console
from treatyledger.cli.errors import CommandLineError
from treatyledger.cli.options import (
    OutputFormat,
    load_checked_rule_set,
    parse_date,
    print_table,
    working,
    workspace_option,
)
from treatyledger.errors import ExitCode

if TYPE_CHECKING:
    from rich.table import Table

    from treatyledger.ledger.calendar_records import DataState, RegimeSummary
    from treatyledger.model.catalog import Catalog
    from treatyledger.model.items import Inventory
    from treatyledger.rules import CountResult, Explanation, InventoryTable, RuleSet
    from treatyledger.store.regime_view import RegimeView

rules_app = typer.Typer(help="List and show the built-in treaty rule sets.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

RULES_OPTION = typer.Option(
    None,
    "--rules",
    help="Built-in rule set name or rule-set TOML file (default with --workspace: the "
    "workspace's own).",
)
WORKSPACE_OPTION = workspace_option(
    "Workspace whose notifications are replayed to --as-of (instead of --inventory).",
    required=False,
)
INVENTORY_OPTION = typer.Option(None, "--inventory", help="Inventory file (CSV or JSON).")
CATALOG_OPTION = typer.Option(
    None, "--catalog", help="TOML file of extra system types (added to the built-in catalog)."
)
FORMAT_OPTION = typer.Option(OutputFormat.TABLE, "--format", help="Output format.")


@rules_app.command("list")
def rules_list(output: OutputFormat = FORMAT_OPTION) -> None:
    """The built-in rule sets, their treaties and categories."""
    from rich.table import Table

    from treatyledger.files import load_rule_set, rule_set_names

    rule_sets = {name: load_rule_set(name) for name in rule_set_names()}
    if output is OutputFormat.JSON:
        listed = [
            {"name": name, "treaty": r.treaty.name, "categories": [c.id for c in r.categories]}
            for name, r in rule_sets.items()
        ]
        typer.echo(json.dumps(listed, indent=2))
        return
    table = Table("name", "treaty", "categories", title="Built-in rule sets")
    for name, rule_set in rule_sets.items():
        table.add_row(name, rule_set.treaty.name, ", ".join(c.id for c in rule_set.categories))
    console.print(table)


@rules_app.command("show")
def rules_show(
    name: str = typer.Argument(..., help="Rule set name or TOML file."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """A rule set's definitions, categories, clauses, limits, deadlines and inspection quotas
    (with --format json: the whole rule set as the schema reads it)."""
    from rich.table import Table

    rule_set = load_checked_rule_set(name)
    if output is OutputFormat.JSON:
        typer.echo(rule_set.model_dump_json(by_alias=True, exclude_none=True, indent=2))
        return
    treaty = rule_set.treaty
    dates = ", ".join(
        f"{label} {value}"
        for label, value in (
            ("signed", treaty.signed),
            ("in force", treaty.entry_into_force),
            ("expires", treaty.expires),
        )
        if value is not None
    )
    console.print(f"[bold]{treaty.name}[/] ({rule_set.id})", highlight=False)
    if dates:
        console.print(dates, highlight=False)
    console.print(f"source: {treaty.source}", highlight=False)
    if treaty.notes:
        console.print(treaty.notes, highlight=False)
    if rule_set.definitions:
        console.print("\n[bold]definitions[/] (treaty status from what an item is and where)")
    for definition in rule_set.definitions:
        sets = ", ".join(
            f"{name} {value}"
            for name, value in (("status", definition.status), ("armament", definition.armament))
            if value is not None
        )
        console.print(
            f"  {definition.id} [{sets}]: {definition.text} [{definition.source}]",
            highlight=False,
            markup=False,
        )
    for category in rule_set.categories:
        console.print(f"\n[bold]{category.id}[/]: {category.name}", highlight=False)
        for clause in category.clauses:
            method = clause.method.value + (f" {clause.attribute}" if clause.attribute else "")
            console.print(f"  {clause.id} [{method}]: {clause.text}", highlight=False, markup=False)
    if rule_set.limits:
        limits = Table("category", "limit", "from", "source", title="Limits")
        for limit in rule_set.limits:
            limits.add_row(limit.category, f"{limit.value:,}", str(limit.from_), limit.source)
        console.print(limits)
    if rule_set.notifications is not None:
        print_catalogue(rule_set)
    if rule_set.inspections is not None:
        quotas = Table("type", "per year", "facility types", title="Inspections")
        for kind in rule_set.inspections.types:
            quotas.add_row(kind.id, str(kind.annual_quota), ", ".join(kind.facility_types))
        console.print(quotas)
    if rule_set.transfers is not None:
        forbidden = rule_set.transfers.third_state_forbidden
        console.print(f"transfers to third states: {'forbidden' if forbidden else 'not limited'}")


def print_catalogue(rule_set: RuleSet) -> None:
    """The notification catalogue: each category's schedule, deadline and source."""
    from rich.table import Table

    notifications = rule_set.notifications
    if notifications is None:
        return
    if notifications.deadline_days is not None:
        console.print(f"change notification deadline: {notifications.deadline_days} days")
    if notifications.notes:
        console.print(notifications.notes, highlight=False, markup=False)
    if not notifications.categories:
        return
    table = Table(
        "category", "schedule", "deadline", "ledger kinds", "source", title="Notifications"
    )
    for category in notifications.categories:
        deadline, lead = category.deadline, category.lead
        when = f"{deadline.days} days from {deadline.counted_from}" if deadline else "none"
        if lead is not None:
            when = f"{lead.hours} hours before {lead.before}"
        kinds = ", ".join(category.kinds) or "(not modelled)"
        table.add_row(category.id, category.schedule, when, kinds, category.source)
    console.print(table)


def load_inventory(
    inventory: Path | None,
    catalog: Catalog,
    workspace: Path | None = None,
    as_of: date | None = None,
    rule_set: RuleSet | None = None,
) -> Inventory:
    """The inventory to count. One branch per source: a file, or a workspace's notifications
    replayed to the end of ``as_of`` (all of them without a date). A file's rows are checked
    against the parties of ``rule_set``, so an error names the line."""
    from treatyledger.files import read_inventory

    if inventory is not None and workspace is not None:
        raise CommandLineError("give either --inventory or --workspace, not both")
    if inventory is not None:
        parties = rule_set.treaty.parties if rule_set is not None else ()
        with working(f"reading {inventory.name}"):
            return read_inventory(inventory, catalog, parties)
    if workspace is not None:
        from treatyledger.store.ledger_reads import workspace_inventory

        with working("replaying the workspace's notifications"):
            return workspace_inventory(workspace, as_of, catalog)
    raise CommandLineError("give the inventory to count with --inventory FILE or --workspace DIR")


@app.command("count")
def count_command(
    rules: str | None = RULES_OPTION,
    inventory: Path | None = INVENTORY_OPTION,
    workspace: Path | None = WORKSPACE_OPTION,
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="Date (YYYY-MM-DD) whose limits apply (and, with --workspace, the replay date); "
        "default: the final limits.",
    ),
    output: OutputFormat = FORMAT_OPTION,
    catalog_file: Path | None = CATALOG_OPTION,
    fail_over_limit: bool = typer.Option(
        False, "--fail-over-limit", help="Exit 3 when any total is over its limit."
    ),
) -> None:
    """Count an inventory under a rule set: totals per party and category, with limits."""
    from treatyledger.files import load_catalog
    from treatyledger.rules import count

    as_of_date = parse_date(as_of, "--as-of")
    catalog = load_catalog(catalog_file)
    rule_set = load_checked_rule_set(rules_for(rules, workspace))
    force = _force(inventory, workspace, catalog, as_of_date, rule_set)
    view = workspace_regime(workspace, rule_set) if workspace is not None else None
    counted = view.applied if view is not None else rule_set  # limits end with the treaty
    result = count(force, counted, catalog, as_of=as_of_date)
    day = as_of_date or (view.today if view is not None else None)
    gaps = view.not_provided(list(result.parties), day) if view and day else {}
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(_count_json(result, view, day, as_of_date, gaps), indent=2))
    else:
        console.print(count_table(result, counted, gaps))
        reason = view.summary(as_of_date).no_limit_reason if view and as_of_date else None
        if reason:
            console.print(f"no limit in force: {reason}", highlight=False, markup=False)
        print_count_notes(result)
    if fail_over_limit:
        _fail_over_limit(result)


def _force(
    inventory: Path | None,
    workspace: Path | None,
    catalog: Catalog,
    as_of: date | None,
    rule_set: RuleSet,
) -> Inventory | InventoryTable:
    if inventory is not None and workspace is None:
        # a file is read straight into the counting table (no Item per row: issue 19)
        from treatyledger.files.inventory_table import read_inventory_table

        return read_inventory_table(inventory, catalog, rule_set.treaty.parties)
    return load_inventory(inventory, catalog, workspace, as_of, rule_set)


def _count_json(
    result: CountResult,
    view: RegimeView | None,
    day: date | None,
    as_of: date | None,
    gaps: Mapping[str, DataState],
) -> dict[str, Any]:
    data = result.to_json_dict()
    # what the regime changes is said; a count it changes nothing in reads like a file's
    # (without --as-of the count is of the treaty's final limits: only gaps are said)
    summary = view.summary(day) if view is not None and day is not None else None
    if summary is not None and (gaps or (as_of and _regime_says(summary))):
        data["regime"] = summary.model_dump(mode="json")
    for party, gap in gaps.items():  # never re-show old figures as current
        data["parties"][party] = {
            "categories": {},
            "provided": False,
            **gap.model_dump(mode="json", include=GAP_FIELDS),
        }
    return data


def _fail_over_limit(result: CountResult) -> None:
    """``--fail-over-limit``: exit 3, naming each total over its limit."""
    over = [
        f"{party} {category_id} {category.total:,} > {category.limit:,}"
        for party, party_count in result.parties.items()
        for category_id, category in party_count.categories.items()
        if category.within_limit is False and category.limit is not None
    ]
    if over:
        err_console.print(f"over the limit: {'; '.join(over)}", highlight=False, markup=False)
        raise typer.Exit(ExitCode.REJECTED)


def rules_for(rules: str | None, workspace: Path | None) -> str:
    """The rule set named, else the workspace's own (its config.toml)."""
    if rules is not None:
        return rules
    if workspace is None:
        raise CommandLineError("give the rule set with --rules (or a workspace with -w)")
    from treatyledger.store.errors import WorkspaceError
    from treatyledger.store.workspace import CONFIG_FILE, WorkspaceConfig

    config = workspace / CONFIG_FILE
    if not config.is_file():
        raise WorkspaceError(f"{workspace}: not a workspace (no {CONFIG_FILE}); run `init` first")
    return WorkspaceConfig.from_toml(config.read_text(encoding="utf-8"), source=str(config)).rules


GAP_FIELDS = {"stale_since", "reason"}


def _regime_says(summary: RegimeSummary) -> bool:
    """Whether the regime changes anything in a count (no limit, a suspension)."""
    return bool(summary.no_limit_reason or summary.suspended_parties)


def workspace_regime(workspace: Path, rule_set: RuleSet) -> RegimeView:
    """The treaty's regime as the workspace's logs record it, overdue judged as of today."""
    from treatyledger.store.regime_view import regime_view
    from treatyledger.store.workspace import Workspace

    with Workspace.open(workspace) as ws:
        return regime_view(ws.engine, rule_set, datetime.now(UTC).date())


def print_count_notes(result: CountResult) -> None:
    """Where the count followed the treaty over a declaration, and what counted 0 for want
    of data (`explain` lists every row)."""
    for note in result.overridden:
        more = (
            f" and {note.rows - len(note.examples)} more" if note.rows > len(note.examples) else ""
        )
        console.print(
            f"treaty over declaration: {note.items:,} item(s) in {note.rows:,} row(s) by "
            f"{note.definition_id}: {note.text} [{note.source}] "
            f"(rows: {', '.join(note.examples)}{more})",
            highlight=False,
            markup=False,
        )
    for warning in result.warnings:
        err_console.print(f"warning: {warning}", highlight=False, markup=False)


def count_table(
    result: CountResult, rule_set: RuleSet, gaps: Mapping[str, DataState] | None = None
) -> Table:
    """A Rich table of a count: one row per party and category (one row "not provided" for
    a party whose figures do not stand)."""
    from rich.table import Table

    when = f" as of {result.as_of}" if result.as_of else ""
    table = Table("party", "category", "total", "limit", "status", title=f"{rule_set.id}{when}")
    for party, party_count in result.parties.items():
        gap = (gaps or {}).get(party)
        if gap is not None:
            since = f", stale since {gap.stale_since}" if gap.stale_since else ""
            table.add_row(party, "(all)", "not provided", "", f"{gap.reason}{since}")
            continue
        for category_id, category in party_count.categories.items():
            if category.within_limit is None:
                status = ""
            elif category.within_limit:
                status = "[green]within[/]"
            else:
                status = "[bold red]OVER[/]"
            limit = "" if category.limit is None else f"{category.limit:,}"
            table.add_row(party, category_id, f"{category.total:,}", limit, status)
    return table


@app.command("explain")
def explain_command(
    rules: str | None = RULES_OPTION,
    inventory: Path | None = INVENTORY_OPTION,
    workspace: Path | None = WORKSPACE_OPTION,
    as_of: str | None = typer.Option(
        None, "--as-of", help="With --workspace: the replay date (YYYY-MM-DD)."
    ),
    category: str = typer.Option(..., "--category", help="Category id to explain."),
    party: str | None = typer.Option(None, "--party", help="Only this party's rows."),
    output: OutputFormat = FORMAT_OPTION,
    catalog_file: Path | None = CATALOG_OPTION,
) -> None:
    """Every row that counts toward a category (its clause, facility, type and treaty status
    with the definition that gave it), then every row of its kinds left out, and why."""
    from rich.table import Table

    from treatyledger.files import load_catalog
    from treatyledger.rules import explain

    catalog = load_catalog(catalog_file)
    rule_set = load_checked_rule_set(rules_for(rules, workspace))
    rule_set.category(category)  # an unknown category is an error before any work
    force = load_inventory(inventory, catalog, workspace, parse_date(as_of, "--as-of"), rule_set)
    explanation = explain(force, rule_set, catalog, category, party)
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(explanation_json(explanation), indent=2))
        return
    table = Table(
        "party",
        "row",
        "item",
        "facility",
        "treaty status",
        "clause",
        "amount",
        title=f"{rule_set.id}: {category}",
    )
    for c in explanation.contributions:
        facility = c.row.facility or ""
        if c.row.facility_type:
            facility += f" ({c.row.facility_type})"
        table.add_row(
            c.party,
            str(c.row_index),
            c.item_label,
            facility,
            c.row.status_phrase(),
            c.clause_id,
            f"{c.amount:,}",
        )
    print_table(table)
    rules_used = {c.clause_id: c.clause_text for c in explanation.contributions}
    for clause_id, text in rules_used.items():
        console.print(f"[bold]{clause_id}[/]: {text}", highlight=False)
    for party_id, total in explanation.totals().items():
        console.print(f"{party_id} total: {total:,}", highlight=False)
    if explanation.left_out:
        console.print(f"\n[bold]left out of {category}[/]", highlight=False)
    for left in explanation.left_out:
        console.print(
            f"  {left.row.party} row {left.row.row_index} {left.row.item_label}: {left.reason}",
            highlight=False,
            markup=False,
        )


def explanation_json(explanation: Explanation) -> dict[str, object]:
    """``{"rule_set", "category", "contributions": [...], "left_out": [...]}``; every row
    with its facility, type and declared and treaty status."""

    def row(status: object) -> dict[str, object]:
        return {
            key: value
            for key, value in vars(status).items()
            if key not in ("row_index", "party", "item_label")
        }

    return {
        "rule_set": explanation.rule_set,
        "category": explanation.category,
        "contributions": [
            {
                "party": c.party,
                "item": c.item_label,
                "row": c.row_index,
                "clause": c.clause_id,
                "rule": c.clause_text,
                "amount": c.amount,
                **row(c.row),
            }
            for c in explanation.contributions
        ],
        "left_out": [
            {
                "party": left.row.party,
                "item": left.row.item_label,
                "row": left.row.row_index,
                "reason": left.reason,
                **row(left.row),
            }
            for left in explanation.left_out
        ],
    }

"""CLI commands: ``analyze upload|breakout|compare|trajectory``.

Each takes ``--format table|json`` and ``--plot FILE`` (.png or .svg). The force comes from
an inventory file (or the name of a bundled inventory, e.g. ``us-2020-hedge``) or, where
noted, from a workspace's notifications replayed to a date. Upload and breakout parameters
are the built-in ones unless ``--params FILE`` names the user's own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from treatyledger.analysis.breakout import BreakoutTimeline
    from treatyledger.analysis.parameters import UploadParameters
    from treatyledger.analysis.scenarios import Comparison
    from treatyledger.analysis.trajectory import Trajectory
    from treatyledger.analysis.upload import UploadResult
    from treatyledger.ledger import LedgerPolicy
    from treatyledger.model import Catalog, Inventory

from treatyledger.cli.app import app, console
from treatyledger.cli.counting import CATALOG_OPTION
from treatyledger.cli.errors import CommandLineError
from treatyledger.cli.options import (
    OutputFormat,
    load_checked_rule_set,
    parse_date,
    split_list,
    working,
    workspace_option,
)

if TYPE_CHECKING:
    from rich.table import Table

#: analysis.scenarios.SCENARIOS, named here so that --help imports no analysis (tested equal)
SCENARIO_NAMES = ("stockpile", "destroy")

analyze_app = typer.Typer(
    help="Upload capacity, breakout timelines, stockpile-vs-destroy, force trajectories.",
    no_args_is_help=True,
)
app.add_typer(analyze_app, name="analyze")

INVENTORY_OPTION = typer.Option(
    None, "--inventory", help="Inventory file (CSV or JSON) or a bundled inventory name."
)
WORKSPACE_OPTION = workspace_option("Workspace directory (replayed).", required=False)
AS_OF_OPTION = typer.Option(
    None, "--as-of", help="Date (YYYY-MM-DD): workspace state and limits in force then."
)
PARTY_OPTION = typer.Option(None, "--party", help="The party to analyse (default: the only one).")
PARAMS_OPTION = typer.Option(
    None, "--params", help="Upload-parameter TOML file (default: the built-in US 2020 one)."
)
FORMAT_OPTION = typer.Option(OutputFormat.TABLE, "--format", help="Output format.")
PLOT_OPTION = typer.Option(None, "--plot", help="Write a plot to this .png or .svg file.")
LEVEL_OPTION = typer.Option(
    None, "--level", help="Deployed-warhead level to time breakout to (repeatable)."
)


def _inventory(
    inventory: str | None, workspace: Path | None, as_of: date | None, catalog: Catalog
) -> Inventory:
    from treatyledger.files import bundled_inventory_names, read_bundled_inventory, read_inventory

    if inventory is not None and workspace is not None:
        raise CommandLineError("give either --inventory or --workspace, not both")
    if inventory is not None:
        path = Path(inventory)
        if not path.exists() and inventory in bundled_inventory_names():
            return read_bundled_inventory(inventory, catalog)
        with working(f"reading {path.name}"):
            return read_inventory(path, catalog)
    if workspace is not None:
        from treatyledger.store.ledger_reads import workspace_inventory

        with working("replaying the workspace's notifications"):
            return workspace_inventory(workspace, as_of, catalog)
    raise CommandLineError("give the force with --inventory FILE or --workspace DIR")


def _workspace_records(workspace: Path) -> tuple[str, list[dict[str, Any]], LedgerPolicy]:
    """(party, notification records, ledger policy) of a workspace."""
    from treatyledger.store.ledger_reads import load_records
    from treatyledger.store.policy import workspace_policy
    from treatyledger.store.workspace import Workspace

    with Workspace.open(workspace) as ws:
        return ws.party, load_records(ws.engine), workspace_policy(ws.engine, ws.rules)


def _params(path: Path | None) -> UploadParameters:
    from treatyledger.files.analysis_params import load_upload_parameters

    return load_upload_parameters(path)


def _plot(kind: str, value: Any, path: Path | None, **options: Any) -> None:
    if path is None:
        return
    from treatyledger.report import analysis_plots as plots

    builders: dict[str, Callable[..., Any]] = {
        "upload": plots.build_upload_figure,
        "breakout": plots.build_breakout_figure,
        "compare": plots.build_comparison_figure,
        "trajectory": plots.build_trajectory_figure,
    }
    plots.save_figure(builders[kind](value, **options), path)
    console.print(f"plot written to {path}", highlight=False)


@analyze_app.command("upload")
def upload_command(
    inventory: str | None = INVENTORY_OPTION,
    workspace: Path | None = WORKSPACE_OPTION,
    as_of: str | None = AS_OF_OPTION,
    party: str | None = PARTY_OPTION,
    params_file: Path | None = PARAMS_OPTION,
    output: OutputFormat = FORMAT_OPTION,
    plot: Path | None = PLOT_OPTION,
    catalog_file: Path | None = CATALOG_OPTION,
) -> None:
    """How many stored warheads the force could upload, per system, and what binds."""
    from treatyledger.analysis.upload import upload_potential
    from treatyledger.files import load_catalog

    catalog = load_catalog(catalog_file)
    force = _inventory(inventory, workspace, parse_date(as_of, "--as-of"), catalog)
    with working("analyze upload"):
        result = upload_potential(force, catalog, _params(params_file), party=party)
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(result.to_json_dict(), indent=2))
    else:
        console.print(_upload_table(result))
    _plot("upload", result, plot)


def _upload_table(result: UploadResult) -> Table:
    from rich.table import Table

    table = Table(
        "system",
        "leg",
        "deployed",
        "warheads now",
        "free slots",
        "compatible stored",
        "upload",
        "binding",
        title=(
            f"{result.party}: {result.currently_deployed_warheads:,} deployed, "
            f"up to {result.max_deployed_warheads:,} after upload"
        ),
    )
    for type_id, s in result.systems.items():
        table.add_row(
            type_id,
            s.force.leg,
            f"{s.force.deployed_vehicles:,}",
            f"{s.force.current_warheads:,}",
            f"{s.force.headroom:,}",
            f"{s.compatible_warheads:,}",
            f"{s.uploaded:,}",
            s.binding,
        )
    return table


@analyze_app.command("breakout")
def breakout_command(
    inventory: str | None = INVENTORY_OPTION,
    workspace: Path | None = WORKSPACE_OPTION,
    as_of: str | None = AS_OF_OPTION,
    party: str | None = PARTY_OPTION,
    level: list[int] | None = LEVEL_OPTION,
    params_file: Path | None = PARAMS_OPTION,
    output: OutputFormat = FORMAT_OPTION,
    plot: Path | None = PLOT_OPTION,
    catalog_file: Path | None = CATALOG_OPTION,
) -> None:
    """Deployed warheads against days from a decision to upload; what binds at each stage."""
    from treatyledger.analysis.breakout import breakout
    from treatyledger.files import load_catalog

    catalog = load_catalog(catalog_file)
    force = _inventory(inventory, workspace, parse_date(as_of, "--as-of"), catalog)
    with working("analyze breakout"):
        timeline = breakout(force, catalog, _params(params_file), party=party)
    levels = tuple(float(v) for v in (level or ()))
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(timeline.to_json_dict(levels=levels), indent=2))
    else:
        console.print(_breakout_table(timeline))
        for value in levels:
            reached = timeline.days_to_reach(value)
            when = "never" if reached is None else f"day {reached:,.1f}"
            console.print(f"{int(value):,} deployed warheads: {when}", highlight=False)
    _plot("breakout", timeline, plot, levels=levels)


def _breakout_table(timeline: BreakoutTimeline) -> Table:
    from rich.table import Table

    table = Table(
        "from day",
        "to day",
        "deployed",
        "binding constraints",
        title=(
            f"{timeline.party}: breakout from {timeline.current:,.0f} to {timeline.final:,.0f} "
            "deployed warheads"
        ),
    )
    for stage in timeline.stages:
        end = "-" if stage.end is None else f"{stage.end:,.1f}"
        table.add_row(
            f"{stage.start:,.1f}",
            end,
            f"{stage.deployed_start:,.0f} -> {stage.deployed_end:,.0f}",
            "; ".join(f"{system}: {code}" for system, code in stage.binding.items()),
        )
    return table


@analyze_app.command("compare")
def compare_command(
    inventory: str | None = INVENTORY_OPTION,
    workspace: Path | None = WORKSPACE_OPTION,
    as_of: str | None = AS_OF_OPTION,
    party: str | None = PARTY_OPTION,
    scenarios: str = typer.Option(
        "stockpile,destroy", "--scenarios", help=f"Comma-separated: {', '.join(SCENARIO_NAMES)}."
    ),
    rules: str = typer.Option(
        "sort-us-2002,sort-ru-2002,new-start,total-stockpile",
        "--rules",
        help="Comma-separated rule set names or files.",
    ),
    level: list[int] | None = LEVEL_OPTION,
    params_file: Path | None = PARAMS_OPTION,
    output: OutputFormat = FORMAT_OPTION,
    plot: Path | None = PLOT_OPTION,
    catalog_file: Path | None = CATALOG_OPTION,
) -> None:
    """The same force under each scenario: what each rule set counts, hedge, breakout time."""
    from treatyledger.analysis.scenarios import compare
    from treatyledger.files import load_catalog

    catalog = load_catalog(catalog_file)
    when = parse_date(as_of, "--as-of")
    force = _inventory(inventory, workspace, when, catalog)
    names = split_list(scenarios, "--scenarios")
    rule_sets = [load_checked_rule_set(name) for name in split_list(rules, "--rules")]
    with working("analyze compare"):
        result = compare(
            force,
            catalog,
            _params(params_file),
            rule_sets,
            scenarios=names,
            party=party,
            levels=tuple(float(v) for v in (level or ())),
            as_of=when,
        )
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(result.to_json_dict(), indent=2))
    else:
        console.print(_compare_table(result))
    _plot("compare", result, plot)


def _days(value: float | None) -> str:
    return "never" if value is None else f"{value:,.1f}"


def _compare_table(result: Comparison) -> Table:
    from rich.table import Table

    table = Table(
        "",
        *(r.name for r in result.scenarios),
        title=f"{result.party}: stockpile or destroy",
        caption="rule-set rows: the count now -> after the full upload (limit)",
    )
    table.add_row("dismantled warheads", *(f"{r.dismantled:,}" for r in result.scenarios))
    table.add_row("hedge (usable stored warheads)", *(f"{r.hedge:,}" for r in result.scenarios))
    table.add_row(
        "max deployed after upload",
        *(f"{r.upload.max_deployed_warheads:,}" for r in result.scenarios),
    )
    table.add_row(
        "days to its own full upload",
        *(_days(r.timeline.days_to_reach(r.timeline.final)) for r in result.scenarios),
    )
    for level in result.levels:
        table.add_row(
            f"days to {int(level):,} deployed",
            *(_days(r.timeline.days_to_reach(level)) for r in result.scenarios),
        )
    for rule_set in result.rule_sets:
        for category in result.scenarios[0].counts.get(rule_set, {}):
            cells = []
            for r in result.scenarios:
                total, limit = r.counts[rule_set][category]
                after = r.counts_after_upload[rule_set][category]
                cells.append(
                    f"{total:,} -> {after:,}" + ("" if limit is None else f" (limit {limit:,})")
                )
            table.add_row(f"{rule_set}: {category}", *cells)
    return table


@analyze_app.command("trajectory")
def trajectory_command(
    workspace: Path = workspace_option(),
    rules: str = typer.Option("new-start", "--rules", help="Rule set name or file."),
    party: str | None = PARTY_OPTION,
    start: str | None = typer.Option(None, "--from", help="First date (default: first notice)."),
    end: str | None = typer.Option(
        None, "--to", help="Last date (default: the data date on or after the last notice)."
    ),
    official: bool = typer.Option(
        True, "--official/--no-official", help="Overlay the official New START aggregates."
    ),
    output: OutputFormat = FORMAT_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Counts over time from a workspace's notifications, with limits and official figures."""
    from treatyledger.analysis.trajectory import trajectory
    from treatyledger.files.aggregates import read_new_start_aggregates
    from treatyledger.ledger import time_series

    rule_set = load_checked_rule_set(rules)
    with working("reading the notifications"):
        ws_party, records, policy = _workspace_records(workspace)
    effective = sorted(date.fromisoformat(str(r["effective_time"])[:10]) for r in records)
    if not effective:
        raise CommandLineError(f"{workspace}: the workspace holds no notifications")
    first = parse_date(start, "--from") or effective[0]
    exchange = rule_set.data_exchange
    last = parse_date(end, "--to") or (
        exchange.next_on_or_after(effective[-1]) if exchange else effective[-1]
    )
    dates = rule_set.series_dates(first, last)
    dates = sorted(set(dates) | {li.from_ for li in rule_set.limits if first <= li.from_ <= last})
    with working("analyze trajectory: replaying"):
        points = time_series(records, policy, rule_set, dates)
    figures = read_new_start_aggregates() if official else []
    result = trajectory(points, rule_set, party or ws_party, figures)
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(result.to_json_dict(), indent=2))
    else:
        console.print(_trajectory_table(result))
    _plot("trajectory", result, plot)


def _trajectory_table(result: Trajectory) -> Table:
    from rich.table import Table

    categories = list(result.series)
    table = Table("date", *categories, title=f"{result.party} under {result.rule_set}")
    official = {c: dict(figures) for c, figures in result.official.items()}
    for i, when in enumerate(result.dates):
        cells = []
        for c in categories:
            cell = f"{result.series[c][i]:,}"
            if when in official.get(c, {}):
                cell += f" (official {official[c][when]:,})"
            limit = result.limit_on(c, when)
            if limit is not None:
                cell += f" / {limit:,}"
            cells.append(cell)
        table.add_row(when.isoformat(), *cells)
    return table

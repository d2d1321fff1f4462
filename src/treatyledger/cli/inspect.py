"""CLI commands: ``inspect odds``, ``inspect select`` (and ``--verify``), ``inspect record``,
``inspect issues`` and ``inspect simulate``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from treatyledger.cli.app import app, console
from treatyledger.cli.errors import CommandLineError
from treatyledger.cli.options import (
    OutputFormat,
    load_checked_rule_set,
    progress_bar,
    workspace_option,
)

if TYPE_CHECKING:
    from treatyledger.inspect import simulation
    from treatyledger.inspect.findings import ComplianceIssue, InspectionRecord
    from treatyledger.model.notifications import Notification
    from treatyledger.rules import InspectionType, RuleSet


class Strategy(StrEnum):
    EXTRA_RVS = "extra-rvs"
    UNDECLARED_WARHEADS = "undeclared-warheads"
    UNNOTIFIED_MOVE = "unnotified-move"
    BOMBER_RECONVERTED = "bomber-reconverted"


inspect_app = typer.Typer(
    help="Inspections: detection odds, joint-random selection, findings, regime simulation.",
    no_args_is_help=True,
)
app.add_typer(inspect_app, name="inspect")

FORMAT_OPTION = typer.Option(OutputFormat.TABLE, "--format", help="Output format.")
RULES_OPTION = typer.Option("new-start", "--rules", help="Rule set name or TOML file.")
NOTIFICATIONS_OPTION = typer.Option(
    None, "--notifications", help="Notification file (JSON lines), repeatable, in recorded order."
)
WORKSPACE_OPTION = workspace_option(
    "Workspace whose accepted notifications to use (signatures were verified on "
    "acceptance; recorded order is the order of acceptance).",
    required=False,
)


PARTY_KEY_OPTION = typer.Option(
    None,
    "--party-key",
    help="PARTY=KEY: a party's Ed25519 public key (raw 32 bytes, base64), repeatable. Every "
    "notification read from --notifications files must carry a valid signature of its party.",
)


def _verified(
    notifications: list[Notification], party_keys: list[str] | None
) -> list[Notification]:
    """The notifications, once each carries a valid signature by a given key of its party
    (files come from anywhere; a workspace verified its notifications on acceptance)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from treatyledger.ledger.signing import public_key_from_base64, verify

    keys: dict[str, list[Ed25519PublicKey]] = {}
    for entry in party_keys or []:
        party, separator, text = entry.partition("=")
        if not separator or not party:
            raise CommandLineError(f"--party-key: expected PARTY=BASE64KEY, found {entry!r}")
        try:
            keys.setdefault(party, []).append(public_key_from_base64(text))
        except ValueError as exc:
            raise CommandLineError(f"--party-key {party}: {exc}") from None
    for notification in notifications:
        name = f"notification {notification.party}#{notification.sequence}"
        candidates = keys.get(notification.party)
        if not candidates:
            raise CommandLineError(
                f"{name}: no --party-key for {notification.party}; notifications from files "
                "are used only once their signature verifies"
            )
        if not any(verify(notification, key) for key in candidates):
            raise CommandLineError(
                f"{name}: the signature does not verify with the --party-key of "
                f"{notification.party}"
            )
    return notifications


def _notifications(
    files: list[Path] | None, workspace: Path | None, party_keys: list[str] | None
) -> list[Notification]:
    """Notifications in recorded order, from files or from a workspace's ledger."""
    from treatyledger.files.inspection import read_notifications
    from treatyledger.store.ledger_reads import notifications_in_acceptance_order
    from treatyledger.store.workspace import Workspace

    if bool(files) == (workspace is not None):
        raise CommandLineError("give either --notifications files or --workspace")
    if files:
        return _verified(read_notifications(files), party_keys)
    assert workspace is not None
    with Workspace.open(workspace) as opened:
        return notifications_in_acceptance_order(opened.engine)


def _print_json(value: Any) -> None:
    console.print_json(json.dumps(value))


def _print_mapping(title: str, values: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table("quantity", "value", title=title)
    for key, value in values.items():
        table.add_row(key, f"{value:.6f}" if isinstance(value, float) else str(value))
    console.print(table)


# --- odds ----------------------------------------------------------------------------------


@inspect_app.command("odds")
def odds(
    population: int = typer.Option(..., "--population", help="Items in the population (N)."),
    noncompliant: int = typer.Option(..., "--noncompliant", help="Non-compliant items (M)."),
    sample: int | None = typer.Option(None, "--sample", help="Items examined (n)."),
    goal: float | None = typer.Option(
        None, "--goal", help="Detection goal instead of --sample: print the smallest sample."
    ),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Exact hypergeometric detection probability, or the smallest sample for a goal."""
    from treatyledger.inspect import statistics

    if (sample is None) == (goal is None):
        raise CommandLineError("give exactly one of --sample and --goal")
    result: dict[str, Any] = {"population": population, "noncompliant": noncompliant}
    if sample is not None:
        p = statistics.detection_probability(population, noncompliant, sample)
        result |= {"sample": sample, "detection_probability": p, "nondetection_probability": 1 - p}
        title = "Detection probability (exact hypergeometric)"
    else:
        assert goal is not None
        exact = statistics.smallest_sample(population, noncompliant, goal)
        approx = statistics.iaea_sample_size(population, noncompliant, goal)
        result |= {
            "goal": goal,
            "sample_size": exact,
            "iaea_approximation": approx,
            "detection_probability": statistics.detection_probability(
                population, noncompliant, exact
            ),
            "detection_probability_at_iaea": statistics.detection_probability(
                population, noncompliant, approx
            ),
        }
        title = "Smallest sample (exact) and the IAEA approximation N(1 - beta^(1/M))"
    if output is OutputFormat.JSON:
        _print_json(result)
    else:
        _print_mapping(title, result)


# --- select --------------------------------------------------------------------------------


def _inspection_type(rule_set: RuleSet, type_id: str) -> InspectionType:
    types = rule_set.inspections.types if rule_set.inspections else ()
    for inspection_type in types:
        if inspection_type.id == type_id:
            return inspection_type
    raise CommandLineError(
        f"rule set {rule_set.treaty.id} has no inspection type {type_id!r}; expected one of "
        f"{', '.join(t.id for t in types) or '(none)'}"
    )


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CommandLineError(f"--at: expected an ISO 8601 time, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _conducted(
    conducted: Path | None, workspace: Path | None, party: str
) -> list[tuple[str, date]]:
    """(inspection type, date) of the inspections already conducted: from a findings file,
    and those recorded in the workspace."""
    from treatyledger.files.inspection import read_inspection_records
    from treatyledger.store.inspection_store import list_inspections
    from treatyledger.store.workspace import Workspace

    records = read_inspection_records(conducted) if conducted is not None else []
    if workspace is not None:
        with Workspace.open(workspace) as opened:
            records += [s.record for s in list_inspections(opened.engine, party)]
    return [(r.inspection_type, r.time.date()) for r in records]


@inspect_app.command("select")
def select(
    notifications: list[Path] | None = NOTIFICATIONS_OPTION,
    party_keys: list[str] | None = PARTY_KEY_OPTION,
    workspace: Path | None = WORKSPACE_OPTION,
    round_id: str = typer.Option(..., "--round", help="Joint-randomness round id."),
    parties: str = typer.Option(..., "--parties", help="Parties of the round, e.g. US,RU."),
    party: str = typer.Option(..., "--party", help="The inspected party."),
    inspection_type: str = typer.Option(..., "--type", help="Inspection type id of the rules."),
    at: str = typer.Option(..., "--at", help="Inspection time (ISO 8601)."),
    items: int = typer.Option(1, "--items", help="Items to examine at the site."),
    rules: str = RULES_OPTION,
    conducted: Path | None = typer.Option(
        None,
        "--conducted",
        help="Findings file: inspections already conducted (for the quota); with --workspace "
        "the inspections recorded in it count too.",
    ),
    verify: Path | None = typer.Option(
        None, "--verify", help="Selection JSON to check against the recomputed one."
    ),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Draw (or, with --verify, check) the site and items from the round's joint seed."""
    from treatyledger.files import load_catalog
    from treatyledger.files.inspection import read_selection
    from treatyledger.inspect.findings import declared_state
    from treatyledger.inspect.procedure import check_begun
    from treatyledger.inspect.randomness import evaluate_round
    from treatyledger.inspect.selection import check_quota, select_inspection, verify_selection
    from treatyledger.ledger.policy import policy_from_rule_set

    rule_set = load_checked_rule_set(rules)
    kind = _inspection_type(rule_set, inspection_type)
    moment = _moment(at)
    if rule_set.inspections is not None and rule_set.treaty.entry_into_force is not None:
        check_begun(rule_set.inspections, rule_set.treaty.entry_into_force, moment, "--at")
    done = _conducted(conducted, workspace, party)
    if conducted is not None or done:
        if rule_set.treaty.entry_into_force is None:
            raise CommandLineError(f"rule set {rules} has no entry-into-force date for quotas")
        check_quota(kind, moment.date(), rule_set.treaty.entry_into_force, done)
    events = _notifications(notifications, workspace, party_keys)
    seed = evaluate_round(round_id, parties.split(","), events).require_seed()
    policy = policy_from_rule_set(rule_set, load_catalog(), require_signatures=False)
    records = [n.to_json_dict() for n in events]
    inventory = declared_state(records, policy, party, moment).inventory
    if verify is not None:
        selection = verify_selection(read_selection(verify), seed, inventory, kind, items)
        status = "verified"
    else:
        selection = select_inspection(seed, inventory, kind, party, items)
        status = "selected"
    if output is OutputFormat.JSON:
        _print_json({**selection.to_json_dict(), "status": status})
    else:
        _print_mapping(
            f"Inspection {status} ({kind.id}, round {round_id})",
            {"seed": selection.seed, "site": selection.site, "items": ", ".join(selection.items)},
        )


# --- record and issues ---------------------------------------------------------------------


def _local_user() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name in this environment
        return "cli"


@inspect_app.command("record")
def record(
    finding: Path = typer.Argument(..., help="Inspection record (JSON), or JSON lines of them."),
    findings: Path | None = typer.Option(
        None, "--findings", help="Findings file to append to (file mode, without a workspace)."
    ),
    workspace: Path | None = workspace_option(
        "Workspace to record into: each finding is reconciled with its party's declared "
        "state and stored with the compliance issues found.",
        required=False,
    ),
    by: str = typer.Option(
        _local_user, "--by", help="Who submits (stored with the record); default: the local user."
    ),
    rules: str = RULES_OPTION,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Validate inspection records and store them in a workspace (or a findings file)."""
    from treatyledger.files.inspection import append_inspection_record, read_inspection_records
    from treatyledger.inspect.exhibitions import exhibition_of
    from treatyledger.inspect.procedure import check_record_begun

    if (findings is None) == (workspace is None):
        raise CommandLineError("give either --findings FILE or --workspace")
    rule_set = load_checked_rule_set(rules)
    entries = read_inspection_records(finding)
    for entry in entries:  # all checked before any is stored
        if exhibition_of(rule_set.inspections, entry.inspection_type) is None:
            _inspection_type(rule_set, entry.inspection_type)
        check_record_begun(entry, rule_set.inspections, rule_set.treaty.entry_into_force)
    recorded = _Recorded(output)
    if workspace is not None:
        _record_into_workspace(workspace, entries, rule_set, by, recorded)
    else:
        assert findings is not None
        existing = {r.id for r in read_inspection_records(findings)} if findings.exists() else set()
        for entry in entries:
            if entry.id in existing:
                raise CommandLineError(f"inspection record {entry.id} is already in {findings}")
            append_inspection_record(findings, entry)
            existing.add(entry.id)
            recorded.add(entry, None)
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(recorded.entries, indent=2))


class _Recorded:
    """What ``inspect record`` stored: a line as each is stored (so a later failure leaves
    the earlier ones said), or one JSON list at the end."""

    def __init__(self, output: OutputFormat) -> None:
        self.output = output
        self.entries: list[dict[str, Any]] = []

    def add(self, entry: InspectionRecord, issues: int | None) -> None:
        data: dict[str, Any] = {"id": entry.id, "inspection_type": entry.inspection_type}
        data["site"] = entry.site
        if issues is not None:
            data["compliance_issues"] = issues
        self.entries.append(data)
        if self.output is OutputFormat.TABLE:
            found = "" if issues is None else f": {issues} compliance issue(s)"
            console.print(f"recorded {entry.id} ({entry.inspection_type} at {entry.site}){found}")


def _record_into_workspace(
    path: Path, entries: list[InspectionRecord], rule_set: RuleSet, by: str, recorded: _Recorded
) -> None:
    from treatyledger.inspect.exhibitions import exhibition_types
    from treatyledger.store.inspection_store import record_inspection
    from treatyledger.store.policy import workspace_policy
    from treatyledger.store.workspace import Workspace

    types = [t.id for t in rule_set.inspections.types] if rule_set.inspections else []
    types += exhibition_types(rule_set.inspections)
    with Workspace.open(path) as opened:
        policy = workspace_policy(opened.engine, rule_set)
        for entry in entries:
            found = record_inspection(
                opened.engine,
                entry,
                party=opened.party,
                policy=policy,
                inspection_types=types,
                submitted_by=by,
                inspections=rule_set.inspections,
                entry_into_force=rule_set.treaty.entry_into_force,
            )
            recorded.add(entry, len(found))


def _issue_json(issue: ComplianceIssue) -> dict[str, Any]:
    value = issue.model_dump(mode="json")
    value["evidence"]["finding"] = issue.evidence.finding.id
    return value


@inspect_app.command("issues")
def issues(
    findings: Path | None = typer.Option(
        None, "--findings", help="Findings file (JSON lines), reconciled with --notifications."
    ),
    notifications: list[Path] | None = NOTIFICATIONS_OPTION,
    party_keys: list[str] | None = PARTY_KEY_OPTION,
    workspace: Path | None = workspace_option(
        "Workspace whose recorded compliance issues to list.", required=False
    ),
    rules: str = RULES_OPTION,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """List compliance issues: those recorded in a workspace, or those of a findings file
    reconciled with notification files (each finding with the declared state at its time)."""
    from rich.table import Table

    from treatyledger.files import load_catalog
    from treatyledger.files.inspection import read_inspection_records, read_notifications
    from treatyledger.inspect.findings import declared_state, reconcile
    from treatyledger.ledger.policy import policy_from_rule_set
    from treatyledger.store.inspection_store import list_issues
    from treatyledger.store.workspace import Workspace

    if workspace is not None:
        if notifications or findings is not None:
            raise CommandLineError(
                "give either --notifications files or --workspace; a workspace lists the "
                "issues of the findings recorded in it (inspect record --workspace)"
            )
        with Workspace.open(workspace) as opened:
            found = [i.to_json_dict() for i in list_issues(opened.engine)]
    else:
        if findings is None or not notifications:
            raise CommandLineError("give --findings with --notifications files, or --workspace")
        rule_set = load_checked_rule_set(rules)
        policy = policy_from_rule_set(rule_set, load_catalog(), require_signatures=False)
        verified = _verified(read_notifications(notifications), party_keys)
        records = [n.to_json_dict() for n in verified]
        found = []
        for entry in read_inspection_records(findings):
            declared = declared_state(records, policy, entry.inspected_party, entry.time)
            found += [
                _issue_json(i) for i in reconcile(entry, declared.inventory, declared.history)
            ]
    if output is OutputFormat.JSON:
        _print_json(found)
        return
    table = Table(
        "finding",
        "kind",
        "site",
        "item",
        "expected",
        "found",
        "evidence",
        title=f"Compliance issues ({len(found)})",
    )
    for issue in found:
        table.add_row(
            issue["evidence"]["finding"],
            issue["kind"],
            issue["site"],
            issue["item"] or "-",
            issue["expected"],
            issue["found"],
            ", ".join(issue["evidence"]["notifications"]) or "-",
        )
    console.print(table)


# --- simulate ------------------------------------------------------------------------------


def _integers(text: str, option: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise CommandLineError(f"{option}: expected integers separated by commas") from None
    if not values or any(v < 0 for v in values):
        raise CommandLineError(f"{option}: expected non-negative integers, got {text!r}")
    return values


def _scenario(
    strategy: Strategy, sites: list[int], size: int, quota: int, examine: int, revisits: bool
) -> simulation.Scenario:
    from treatyledger.inspect import simulation

    if strategy is Strategy.EXTRA_RVS:
        return simulation.extra_rvs_scenario(
            sites, size, quota, missiles_examined=examine, with_replacement=revisits
        )
    if strategy is Strategy.UNDECLARED_WARHEADS:
        return simulation.undeclared_warheads_scenario(
            sites[0], size, sites[1:], quota, uids_read=examine, with_replacement=revisits
        )
    if strategy is Strategy.UNNOTIFIED_MOVE:
        if len(sites) < 2:
            raise CommandLineError("--sites: a move needs at least two sites")
        return simulation.unnotified_move_scenario(
            sites, 0, 1, quota, items_examined=examine, with_replacement=revisits
        )
    return simulation.reconverted_bomber_scenario(
        sites, 0, quota, bombers_examined=examine, reconverted=size, with_replacement=revisits
    )


@inspect_app.command("simulate")
def simulate(
    strategy: Strategy = typer.Option(Strategy.EXTRA_RVS, "--strategy", help="Cheating strategy."),
    sites: str = typer.Option(
        "50,50,50,50,50,50,50,50,50,50,50,50",
        "--sites",
        help="Eligible items per site (first site: the storage site or the move's origin).",
    ),
    cheating: str = typer.Option("1,2,5,10,20", "--cheating", help="Cheating sizes to evaluate."),
    quota: int = typer.Option(10, "--quota", help="Inspections per treaty year."),
    examine: int = typer.Option(1, "--examine", help="Items examined per inspection."),
    years: int = typer.Option(100_000, "--years", help="Simulated treaty years per size."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random generator."),
    revisits: bool = typer.Option(False, "--revisits", help="Sites may be visited twice a year."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a PNG of detection vs size."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Monte Carlo of treaty years against a cheating strategy, with the exact answer beside."""
    import numpy as np
    from rich.table import Table

    from treatyledger.inspect import simulation

    site_items = _integers(sites, "--sites")
    sizes = _integers(cheating, "--cheating")
    rng = np.random.default_rng(seed)
    curve = []
    with progress_bar() as progress:
        task = progress.add_task("inspect simulate", total=len(sizes))
        for size in sizes:
            scenario = _scenario(strategy, site_items, size, quota, examine, revisits)
            result = simulation.simulate_years(scenario, years, rng)
            curve.append((size, result, simulation.exact_detection_probability(scenario)))
            progress.advance(task)
    rows = [{"size": s, **r.to_json_dict(), "exact": e} for s, r, e in curve]
    if plot is not None:
        from treatyledger.report.inspection_plots import plot_detection_curve

        plot_detection_curve(curve, plot, title=f"Detection per treaty year: {strategy}")
    if output is OutputFormat.JSON:
        _print_json({"strategy": strategy.value, "results": rows})
        return
    table = Table("size", "P(detect)", "95% interval", "exact", title=f"{strategy}, {years} years")
    for row in rows:
        table.add_row(
            str(row["size"]),
            f"{row['detection_probability']:.4f}",
            f"{row['confidence_low']:.4f} .. {row['confidence_high']:.4f}",
            f"{row['exact']:.4f}",
        )
    console.print(table)

"""CLI commands on a party's workspace: ``init``, ``notify``, ``import-inventory``,
``inventory``, ``history``, ``reconcile``, ``series`` and ``schema notification KIND``.

``notify`` reads JSON Lines, one notification per line: unsigned lines of the workspace's
party (``party``, ``sequence`` and ``issued_time`` filled in, then signed with the workspace
key), or with ``--signed`` signed lines of any registered party, submitted as they are; in
batches, each durably committed before its acknowledgements are reported. Re-running a file
of complete envelopes is idempotent (``duplicate``), so an interrupted import resumes.

Exit codes: 0 all accepted (or duplicate), 3 some notifications rejected, 2 a usage error.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from treatyledger.cli.app import app, console, err_console, real_console
from treatyledger.cli.errors import CommandLineError
from treatyledger.cli.notifying import (
    NODE_OPTION,
    NODE_TOKEN_FILE_OPTION,
    NODE_TOKEN_OPTION,
    Report,
    busy_hint,
    json_object_line,
    notify_node,
)
from treatyledger.cli.options import (
    WORKSPACE_ENV,
    OutputFormat,
    format_option,
    load_checked_rule_set,
    parse_date,
    print_json,
    print_table,
    progress_bar,
    resolve_token,
    working,
    workspace_option,
)
from treatyledger.errors import ExitCode

if TYPE_CHECKING:
    from rich.progress import Progress

    from treatyledger.ledger.calendar_records import DataState
    from treatyledger.store.ledger_store import LedgerStore
    from treatyledger.store.regime_view import RegimeView
    from treatyledger.store.workspace import Workspace

MAX_LINE_BYTES = 32 << 20  # a line may declare a whole force; a longer one is refused
DEFAULT_BATCH = 1_000
# store.ledger_store.MAX_BATCH and ledger.policy.DEFAULT_MAX_FUTURE, named here so that
# --help imports neither the store nor the ledger (tested equal)
MAX_BATCH = 10_000
DEFAULT_MAX_FUTURE_DAYS = 1
#: Files larger than this get a progress bar.
PROGRESS_BYTES = 256 << 10
EXIT_REJECTED = ExitCode.REJECTED


class InventoryFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    TABLE = "table"


WORKSPACE = workspace_option()
# notify --node URL submits to the node and opens no workspace
NOTIFY_WORKSPACE = workspace_option(
    "The party's workspace directory (not needed with --node).", required=False, from_env=True
)
FORMAT = format_option()
MAX_FUTURE_OPTION = typer.Option(
    DEFAULT_MAX_FUTURE_DAYS,
    "--max-future-days",
    min=0,
    help="Refuse notifications dated more than this many days after now (0: no bound).",
)


def _max_future(days: float) -> timedelta | None:
    return timedelta(days=days) if days > 0 else None


AS_OF_HELP = "Date (YYYY-MM-DD): the state at the end of that day (UTC)."
AS_OF_OPTION = typer.Option(None, "--as-of", help=AS_OF_HELP)

schema_app = typer.Typer(help="JSON Schemas of TreatyLedger documents.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")


# ---------------------------------------------------------------------- init


@app.command("init")
def init_command(
    workspace: Path = WORKSPACE,
    party: str = typer.Option(..., "--party", help="The party this workspace notifies for."),
    db: str | None = typer.Option(
        None, "--db", help="Database URL (postgresql+psycopg://...); default: SQLite in WORKSPACE."
    ),
    rules: str = typer.Option("new-start", "--rules", help="Default rule set (name or file)."),
    output: OutputFormat = FORMAT,
) -> None:
    """Create a workspace: config, migrated database, Ed25519 signing key (0600)."""
    from treatyledger.store.workspace import Workspace

    load_checked_rule_set(rules)  # an unknown rule set is an error before anything is created
    with Workspace.init(workspace, party, db_url=db, rules=rules) as ws:
        key_id = next(iter(ws.party_keys(party)))
        if output is OutputFormat.JSON:
            made = {"workspace": str(ws.path), "party": party, "rules": rules, "key_id": key_id}
            print_json(made | {"signing_key": str(ws.key_path), "public_key": ws.public_key})
            return
        console.print(f"workspace {ws.path} for party {party} (rules {rules})", highlight=False)
        console.print(f"signing key {ws.key_path} (id {key_id})", highlight=False)
        console.print(f"public key {ws.public_key}", highlight=False)


# ---------------------------------------------------------------------- notify


def _lines(path: Path, progress: Progress | None) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of a JSON Lines file, blank lines skipped, lines bounded."""
    from treatyledger.files.errors import InputFileError

    task = None if progress is None else progress.add_task("notify", total=path.stat().st_size)
    with path.open("rb") as handle:
        number = 0
        while True:
            line = handle.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            number += 1
            if progress is not None and task is not None:
                progress.advance(task, len(line))
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                raise InputFileError(
                    f"line longer than {MAX_LINE_BYTES} bytes", path=str(path), line=number
                )
            if line.strip():
                yield number, line


class _Submitter:
    """Turns lines into notifications and submits them in batches."""

    def __init__(self, ws: Workspace, store: LedgerStore, *, signed: bool, batch_size: int):
        self.ws = ws
        self.store = store
        self.signed = signed
        self.batch_size = batch_size
        self.now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.report = Report()
        self.batch: list[tuple[int, Any]] = []

    def add(self, line_number: int, line: bytes) -> None:
        from treatyledger.model.errors import NotificationSchemaError

        data = json_object_line(line)
        if isinstance(data, str):
            self.report.rejected.append((line_number, data))
            return
        if not self.signed:
            try:
                data = self._sign(data)
            except NotificationSchemaError as exc:
                self.report.rejected.append((line_number, str(exc)))
                return
        self.batch.append((line_number, data))
        if len(self.batch) >= self.batch_size:
            self.flush()

    def _sign(self, data: dict[str, Any]) -> Any:
        from treatyledger.ledger import sign
        from treatyledger.model.notifications import parse_notification
        from treatyledger.store.ledger_store import Unsigned

        if "signature" in data:
            raise CommandLineError(
                "the file holds signed notifications: use --signed to submit them as they are"
            )
        party = data.setdefault("party", self.ws.party)
        if party != self.ws.party:
            raise CommandLineError(
                f"notification for {party} in a workspace of {self.ws.party}: only the "
                "workspace's party signs here (use --signed for another party's signed log)"
            )
        data.setdefault("issued_time", self.now)
        if "sequence" not in data:
            # numbered when the store judges it: a rejected line takes no number
            return Unsigned(data, self.ws.signing_key)
        return sign(parse_notification(data), self.ws.signing_key)

    def flush(self) -> None:
        if not self.batch:
            return
        acks = self.store.submit([data for _, data in self.batch])
        for (line_number, _), ack in zip(self.batch, acks, strict=True):
            self.report.add(line_number, ack)
        self.batch = []


@app.command("notify")
def notify_command(
    workspace: Path | None = NOTIFY_WORKSPACE,
    file: Path = typer.Argument(..., help="JSON Lines file, one notification per line."),
    signed: bool = typer.Option(False, "--signed", help="Lines are signed: submit as they are."),
    batch_size: int = typer.Option(
        DEFAULT_BATCH, "--batch-size", min=1, max=MAX_BATCH, help="Notifications per commit."
    ),
    max_future_days: float = MAX_FUTURE_OPTION,
    node: str | None = NODE_OPTION,
    token: str | None = NODE_TOKEN_OPTION,
    token_file: Path | None = NODE_TOKEN_FILE_OPTION,
    output: OutputFormat = FORMAT,
) -> None:
    """Sign (unless --signed) and submit notifications; report accepted, rejected, late.

    Every line is judged on its own, in order: a rejected line changes nothing and takes no
    sequence number, so the lines after it are still submitted (one that depends on it, say a
    move of an item it failed to declare, is rejected for its own reason). Lines that give
    their own "sequence", and --signed lines, keep it: after a rejected one, that party's later
    lines are sequence gaps. Exit 3 if any line was rejected (each is named on stderr).
    With --node URL the --signed lines go to the party's running node (owner token)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from treatyledger.files.errors import InputFileError
    from treatyledger.store.errors import WorkspaceBusy
    from treatyledger.store.ledger_store import open_ledger
    from treatyledger.store.workspace import Workspace

    if not file.is_file():
        raise InputFileError("no such file", path=str(file))
    if node is not None:
        secret = resolve_token(token, token_file)
        lines = _lines(file, None)
        notify_node(node, secret, lines, signed=signed, batch_size=batch_size, output=output)
        return
    if workspace is None:
        raise CommandLineError(
            f"notify needs the workspace: -w/--workspace DIR (or {WORKSPACE_ENV}), "
            "or --node URL to submit signed lines to the party's node"
        )
    try:
        opened = Workspace.open(workspace, writer="notify")
    except WorkspaceBusy as exc:
        raise WorkspaceBusy(busy_hint(workspace, str(exc))) from None
    with opened as ws:
        store = open_ledger(ws, max_future=_max_future(max_future_days))
        submitter = _Submitter(ws, store, signed=signed, batch_size=batch_size)
        bar_console = real_console(err_console)
        show = file.stat().st_size >= PROGRESS_BYTES and bar_console.is_terminal
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeRemainingColumn(),
            console=bar_console,
            transient=True,
            disable=not show,
        )
        with progress:
            for line_number, line in _lines(file, progress if show else None):
                submitter.add(line_number, line)
            submitter.flush()
    submitter.report.print(output)
    if submitter.report.rejected:
        raise typer.Exit(EXIT_REJECTED)


# ---------------------------------------------------------------------- import-inventory


@app.command("import-inventory")
def import_inventory_command(
    workspace: Path = WORKSPACE,
    file: Path = typer.Argument(..., help="Inventory file (CSV or JSON) of this party."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Effective date of the declaration (YYYY-MM-DD); default today."
    ),
    catalog_file: Path | None = typer.Option(None, "--catalog", help="Extra system types."),
    max_future_days: float = MAX_FUTURE_OPTION,
    output: OutputFormat = FORMAT,
) -> None:
    """Declare an inventory file's items (generated stable UIDs where a row has none) and load
    deployed missiles into launchers, as signed notifications."""
    from treatyledger.files import load_catalog, read_inventory
    from treatyledger.ledger import sign
    from treatyledger.model.notifications import parse_notification
    from treatyledger.store.inventory_import import inventory_notifications
    from treatyledger.store.ledger_store import open_ledger
    from treatyledger.store.workspace import Workspace

    when = parse_date(as_of, "--as-of") or datetime.now(UTC).date()
    catalog = load_catalog(catalog_file)
    inventory = read_inventory(file, catalog)
    with Workspace.open(workspace, writer="import-inventory") as ws:
        store = open_ledger(ws, catalog=catalog, max_future=_max_future(max_future_days))
        notifications = inventory_notifications(
            inventory,
            ws.party,
            first_sequence=store.next_sequence(ws.party),
            effective=datetime.combine(when, time(), tzinfo=UTC),
            issued=datetime.now(UTC),
        )
        report = Report()
        with progress_bar() as progress:
            task = progress.add_task("import-inventory", total=2 * len(notifications))
            signed = []
            for n in notifications:
                signed.append(sign(parse_notification(n), ws.signing_key))
                progress.advance(task)
            for start in range(0, len(signed), DEFAULT_BATCH):
                batch = signed[start : start + DEFAULT_BATCH]
                for offset, ack in enumerate(store.submit(batch)):
                    report.add(start + offset + 1, ack)
                progress.advance(task, len(batch))
    report.print(output)
    if report.rejected:
        raise typer.Exit(EXIT_REJECTED)


# ---------------------------------------------------------------------- inventory


@app.command("inventory")
def inventory_command(
    workspace: Path = WORKSPACE,
    as_of: str | None = AS_OF_OPTION,
    party: str | None = typer.Option(None, "--party", help="Only this party's items."),
    output: InventoryFormat = typer.Option(InventoryFormat.CSV, "--format", help="Output format."),
) -> None:
    """The inventory replayed from the notifications as of a date, in the inventory file
    format (CSV or JSON, readable by `count --inventory`)."""
    import csv

    from rich.table import Table

    from treatyledger.files.inventory import COLUMNS as INVENTORY_COLUMNS
    from treatyledger.files.inventory import inventory_rows, visible_row
    from treatyledger.store.ledger_reads import workspace_inventory

    with working("inventory: replaying the notifications"):
        inventory = workspace_inventory(workspace, parse_date(as_of, "--as-of"), party=party)
    rows = inventory_rows(inventory)
    if output is InventoryFormat.JSON:
        facilities = [
            f.model_dump(mode="json", exclude_none=True) for f in inventory.facilities.values()
        ]
        typer.echo(
            json.dumps(
                {
                    "items": [
                        {k: v for k, v in row.items() if k != "facility_type"} for row in rows
                    ],
                    "facilities": facilities,
                },
                indent=2,
            )
        )
    elif output is InventoryFormat.CSV:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(INVENTORY_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(visible_row(row) for row in rows)
        typer.echo(buffer.getvalue(), nl=False)
    else:
        table = Table("uid", "kind", "system type", "status", "warheads", "facility", "in")
        for row in rows:
            table.add_row(
                row.get("uid", ""),
                row["kind"],
                row.get("system_type", ""),
                row["status"],
                str(row.get("warheads", "")),
                row.get("facility", ""),
                row.get("contained_in", ""),
            )
        print_table(table)


# ---------------------------------------------------------------------- history


@app.command("history")
def history_command(
    workspace: Path = WORKSPACE,
    uid: str = typer.Option(..., "--uid", help="The item's UID."),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
) -> None:
    """Every notification that touched an item, in sequence order."""
    from rich.table import Table

    from treatyledger.store.ledger_reads import notification_history
    from treatyledger.store.workspace import Workspace

    with Workspace.open(workspace) as ws:
        entries = notification_history(ws.engine, uid)
    if not entries:
        raise CommandLineError(f"no notification touched item {uid!r}")
    if output is OutputFormat.JSON:
        typer.echo(
            json.dumps(
                [
                    {
                        "party": e.party,
                        "sequence": e.sequence,
                        "kind": e.kind,
                        "effective_time": e.record["effective_time"],
                        "issued_time": e.record["issued_time"],
                        "late": e.late,
                        "leaf_index": e.leaf_index,
                        "payload": e.record["payload"],
                    }
                    for e in entries
                ],
                indent=2,
            )
        )
        return
    table = Table("notification", "kind", "effective", "issued", "late", "leaf", title=uid)
    for e in entries:
        table.add_row(
            f"{e.party}#{e.sequence}",
            e.kind,
            e.record["effective_time"],
            e.record["issued_time"],
            "late" if e.late else "",
            "" if e.leaf_index is None else str(e.leaf_index),
        )
    print_table(table)


# ---------------------------------------------------------------------- reconcile


@app.command("reconcile")
def reconcile_command(
    workspace: Path = WORKSPACE,
    party: str | None = typer.Option(None, "--party", help="Whose database (default: own)."),
    database: int | None = typer.Option(
        None, "--database", help="Sequence of the database notification (default: latest)."
    ),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
) -> None:
    """Compare a database notification with the replay of the notifications before it; list
    every discrepancy with the notifications involved. Exit 3 if any."""
    from treatyledger.ledger.reconcile import reconcile
    from treatyledger.store.ledger_reads import load_records
    from treatyledger.store.policy import workspace_policy
    from treatyledger.store.workspace import Workspace

    with Workspace.open(workspace) as ws:
        who = party or ws.party
        policy = workspace_policy(ws.engine, ws.rules)
        records = load_records(ws.engine, who)
    result = reconcile(records, policy, who, database)
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(result.to_json_dict(), indent=2))
    else:
        previous = result.previous_database or "none"
        console.print(
            f"database {result.database} as of {result.as_of} (previous: {previous})",
            highlight=False,
        )
        for discrepancy in result.discrepancies:
            console.print(discrepancy.describe(), highlight=False, markup=False)
        console.print(
            "consistent" if result.consistent else f"{len(result.discrepancies)} discrepancies",
            highlight=False,
        )
    if not result.consistent:
        raise typer.Exit(EXIT_REJECTED)


# ---------------------------------------------------------------------- series


@app.command("series")
def series_command(
    workspace: Path = WORKSPACE,
    rules: str | None = typer.Option(None, "--rules", help="Rule set (default: the workspace's)."),
    dates: str | None = typer.Option(
        None,
        "--dates",
        help="Comma-separated dates (YYYY-MM-DD); default: the first and last effective "
        "dates and every data-exchange date of the rule set between them.",
    ),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
) -> None:
    """Totals of every category at each date, replayed from the notifications in one pass."""
    from rich.table import Table

    from treatyledger.ledger import time_series
    from treatyledger.store.ledger_reads import load_records
    from treatyledger.store.policy import workspace_policy
    from treatyledger.store.regime_view import regime_view
    from treatyledger.store.workspace import Workspace

    with Workspace.open(workspace) as ws:
        rule_set = load_checked_rule_set(rules or ws.rules)
        policy = workspace_policy(ws.engine, rule_set)
        with working("series: reading the notifications"):
            records = load_records(ws.engine)
            regime = regime_view(ws.engine, rule_set, datetime.now(UTC).date())
    if dates is not None:
        wanted = [parse_date(text.strip(), "--dates") for text in dates.split(",") if text.strip()]
        when = [d for d in wanted if d is not None]
    else:
        effective = sorted(r["effective_time"][:10] for r in records)
        if not effective:
            raise CommandLineError(f"{workspace}: the workspace holds no notifications")
        when = rule_set.series_dates(
            date.fromisoformat(effective[0]), date.fromisoformat(effective[-1])
        )
    with working("series: replaying"):
        points = time_series(records, policy, rule_set, when)
    # a party whose figures on a date do not stand (suspended, update overdue) is a gap there
    gaps = [regime.not_provided(list(p.totals), _day(p.when)) for p in points]
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(_series_json(rule_set.id, points, gaps, regime), indent=2))
        return
    categories = [c.id for c in rule_set.categories]
    table = Table("date", "party", *categories, title=f"{rule_set.id} over time")
    for point, missing in zip(points, gaps, strict=True):
        for party_id, totals in point.totals.items():
            gap = missing.get(party_id)
            if gap is not None:
                since = f"stale since {gap.stale_since}" if gap.stale_since else gap.reason
                table.add_row(str(point.when), party_id, "not provided", since)
                continue
            table.add_row(str(point.when), party_id, *(f"{totals.get(c, 0):,}" for c in categories))
    print_table(table)


def _day(when: date | datetime) -> date:
    return when.date() if isinstance(when, datetime) else when


def _series_json(
    rule_set: str, points: list[Any], gaps: list[dict[str, DataState]], regime: RegimeView
) -> dict[str, Any]:
    """``{"rule_set", "points": [{"date", "parties": {P: totals | null}}]}``; a point where
    a party's figures do not stand adds ``"not_provided": {P: {stale_since, reason}}`` (its
    totals null), one outside the treaty's life ``"limits_in_force": false``."""
    out = []
    for point, missing in zip(points, gaps, strict=True):
        parties = {p: (None if p in missing else t) for p, t in point.totals.items()}
        entry: dict[str, Any] = {"date": str(point.when), "parties": parties}
        # said only where the regime changes something
        if missing:
            entry["not_provided"] = {
                p: s.model_dump(mode="json", include={"stale_since", "reason"})
                for p, s in missing.items()
            }
        if not regime.regime.in_force(_day(point.when)):
            entry["limits_in_force"] = False
        out.append(entry)
    return {"rule_set": rule_set, "points": out}


# ---------------------------------------------------------------------- schema


@schema_app.command("notification")
def schema_notification_command(
    kind: str = typer.Argument(..., help="Notification kind, e.g. declare, load, database."),
) -> None:
    """The JSON Schema of a notification of KIND."""
    from treatyledger.model.notifications import NotificationKind, notification_json_schema

    if kind not in NotificationKind._value2member_map_:
        choices = ", ".join(k.value for k in NotificationKind)
        raise CommandLineError(f"unknown notification kind {kind!r}: expected one of {choices}")
    typer.echo(json.dumps(notification_json_schema(kind), indent=2))

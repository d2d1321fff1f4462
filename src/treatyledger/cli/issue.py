"""CLI commands: ``issue list|raise|answer|resolve|sync`` (compliance issues and the minimal
Bilateral Consultative Commission workflow, ``treatyledger.inspect.consultation``).

The workspace's party acts: it raises issues about the other party of the treaty, answers
those about itself, resolves those it raised. ``sync`` takes the other party's node's copies
so both hold the same events."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from treatyledger.cli.app import app, console
from treatyledger.cli.errors import CommandLineError
from treatyledger.cli.options import (
    TOKEN_ENV,
    OutputFormat,
    resolve_token,
    token_file_option,
    token_option,
    workspace_option,
)

if TYPE_CHECKING:
    from treatyledger.inspect.consultation import ComplianceIssueRecord, IssueAction
    from treatyledger.store.workspace import Workspace


issue_app = typer.Typer(
    help="Compliance issues: list, raise, answer, resolve (the Commission workflow), sync.",
    no_args_is_help=True,
)
app.add_typer(issue_app, name="issue")

FORMAT = typer.Option(OutputFormat.TABLE, "--format", help="Output format.")


def _user() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name in this environment
        return "cli"


BY = typer.Option(_user, "--by", help="Who acts (stored with the event); default: local user.")
TEXT = typer.Option("", "--text", help="What the party says (at most 4,000 characters).")


def _show(issues: list[ComplianceIssueRecord], output: OutputFormat, title: str) -> None:
    from rich.table import Table

    if output is OutputFormat.JSON:
        print(json.dumps([i.model_dump(mode="json") for i in issues], indent=2))
        return
    table = Table(
        "id", "status", "party", "raised by", "kind", "site", "item", "message", title=title
    )
    for issue in issues:
        table.add_row(
            issue.id,
            issue.status.value,
            issue.party,
            issue.raised_by,
            issue.kind.value,
            issue.site or "-",
            issue.item or "-",
            issue.message,
        )
    console.print(table)


def _other(opened: Workspace) -> str:
    from treatyledger.files import load_rule_set
    from treatyledger.inspect.consultation import other_party
    from treatyledger.inspect.errors import IssueError

    parties = sorted(load_rule_set(opened.rules).treaty.parties)
    try:
        return other_party(parties, opened.party)
    except IssueError as exc:
        raise CommandLineError(str(exc)) from None


class StatusFilter(StrEnum):
    """inspect.consultation.IssueStatus, named here so that --help imports no inspect model
    (tested equal)."""

    OPEN = "open"
    ANSWERED = "answered"
    RESOLVED = "resolved"


@issue_app.command("list")
def list_command(
    workspace: Path = workspace_option(),
    party: str | None = typer.Option(None, "--party", help="Only issues about this party."),
    status: StatusFilter | None = typer.Option(
        None, "--status", help="Only issues in this status."
    ),
    output: OutputFormat = FORMAT,
) -> None:
    """The compliance issues the workspace holds, with status, party and who raised them."""
    from treatyledger.store.issue_store import issue_records
    from treatyledger.store.workspace import Workspace

    with Workspace.open(workspace) as opened:
        found = issue_records(opened.engine, party=party, status=status.value if status else None)
    _show(found, output, f"Compliance issues ({len(found)})")


@issue_app.command("raise")
def raise_command(
    workspace: Path = workspace_option(),
    message: str = typer.Option(..., "--message", help="The issue, in words."),
    site: str | None = typer.Option(None, "--site", help="The facility it concerns."),
    item: str | None = typer.Option(None, "--item", help="The item (UID) it concerns."),
    text: str = TEXT,
    by: str = BY,
    output: OutputFormat = FORMAT,
) -> None:
    """Raise an issue about the other party of the treaty."""
    from treatyledger.store.issue_store import raise_issue
    from treatyledger.store.workspace import Workspace

    with Workspace.open(workspace) as opened:
        issue = raise_issue(
            opened.engine,
            origin=opened.party,
            party=_other(opened),
            raised_by=opened.party,
            by=by,
            message=message,
            site=site,
            item=item,
            text=text,
        )
    _show([issue], output, f"Raised {issue.id}")


def _event(
    workspace: Path,
    issue_id: str,
    action: IssueAction,
    text: str,
    by: str,
    output: OutputFormat,
) -> None:
    from treatyledger.store.issue_store import add_event
    from treatyledger.store.workspace import Workspace

    with Workspace.open(workspace) as opened:
        issue = add_event(
            opened.engine,
            issue_id,
            action,
            origin=opened.party,
            party=opened.party,
            by=by,
            text=text,
        )
    if output is OutputFormat.JSON:
        _show([issue], output, issue.id)
        return
    console.print(f"{issue.id}: {issue.status.value}", highlight=False)


@issue_app.command("answer")
def answer_command(
    issue_id: str = typer.Argument(..., help="The issue's id (e.g. US-3)."),
    workspace: Path = workspace_option(),
    text: str = TEXT,
    by: str = BY,
    output: OutputFormat = FORMAT,
) -> None:
    """Answer an issue about the workspace's party."""
    from treatyledger.inspect.consultation import IssueAction

    _event(workspace, issue_id, IssueAction.ANSWER, text, by, output)


@issue_app.command("resolve")
def resolve_command(
    issue_id: str = typer.Argument(..., help="The issue's id (e.g. RU-2)."),
    workspace: Path = workspace_option(),
    text: str = TEXT,
    by: str = BY,
    output: OutputFormat = FORMAT,
) -> None:
    """Resolve an issue the workspace's party raised (satisfied, or withdrawn)."""
    from treatyledger.inspect.consultation import IssueAction

    _event(workspace, issue_id, IssueAction.RESOLVE, text, by, output)


@issue_app.command("sync")
def sync_command(
    workspace: Path = workspace_option(),
    peer: str = typer.Option(..., "--peer", help="URL of the other party's node."),
    token: str | None = token_option("This party's token on that node (peer role)."),
    token_file: Path | None = token_file_option(),
    output: OutputFormat = FORMAT,
) -> None:
    """Take the other party's node's issues and events into the workspace."""
    from treatyledger.node.issue_sync import sync_issues
    from treatyledger.node.peer_client import PeerClient
    from treatyledger.store.workspace import Workspace

    token = resolve_token(token, token_file)
    if token is None:
        raise CommandLineError(
            f"--peer needs this party's token on that node: --token-file F or {TOKEN_ENV}"
        )
    with Workspace.open(workspace) as opened, PeerClient(peer, token) as client:
        report = sync_issues(opened.engine, opened.party, client)
    if output is OutputFormat.JSON:
        print(json.dumps({"peer": peer, "issues": report.issues, "added": report.added}))
        return
    console.print(f"{report.issues} issues at {peer}: {report.added} issues or events added")

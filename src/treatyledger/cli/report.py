"""CLI command: ``report -w WS --out DIR`` writes the verification report of a workspace
(``treatyledger.report.verification``): per data date the counts beside the official figures
and the limits, gaps as gaps, inspections and findings, checkpoints and cosignatures with the
commands that re-verify them, software, rule-set versions and keys; the dashboard's static
pages beside it. ``--exercise demo-out/exercise.json`` adds what only the demo's exercise
knows (the cheat and its detection curve, every inspection, the evidence bundles)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from treatyledger.cli.app import app, console
from treatyledger.cli.errors import CommandLineError
from treatyledger.cli.options import OutputFormat, workspace_option


@app.command("report")
def report_command(
    workspace: Path = workspace_option(),
    out: Path = typer.Option(..., "--out", help="The directory to write the report into."),
    exercise: Path | None = typer.Option(
        None, "--exercise", help="The demo exercise's document (demo-out/exercise.json)."
    ),
    pages: bool = typer.Option(True, "--pages/--no-pages", help="Also the dashboard's pages."),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
) -> None:
    """Write the verification report of a workspace (HTML with PNG plots) into a directory."""
    from treatyledger.report.verification import read_exercise, write_report
    from treatyledger.store.workspace import Workspace

    document = None
    if exercise is not None:
        try:
            document = read_exercise(exercise)
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandLineError(f"{exercise}: not an exercise document: {exc}") from None
    with Workspace.open(workspace) as opened:
        written = write_report(opened, out, exercise=document, pages=pages)
    if output is OutputFormat.JSON:
        print(json.dumps({"report": str(written[0]), "files": [str(p) for p in written]}))
        return
    console.print(f"{written[0]}: verification report ({len(written)} files)", highlight=False)

"""CLI commands: ``log export-tiles`` (the log as a static C2SP tlog-tiles tree) and
``log witness add|list|remove|push`` (the witnesses this party's log is pushed to by the
C2SP tlog-witness protocol)."""

from __future__ import annotations

from pathlib import Path

import typer

from treatyledger.cli.app import console
from treatyledger.cli.errors import CommandLineError
from treatyledger.cli.log import DB_OPTION, FORMAT, WORKSPACE, _signer, _workspace, log_app
from treatyledger.cli.options import OutputFormat, print_json, progress_bar
from treatyledger.errors import ExitCode

witness_app = typer.Typer(
    help="Witnesses this log's checkpoints are pushed to (C2SP tlog-witness add-checkpoint).",
    no_args_is_help=True,
)
log_app.add_typer(witness_app, name="witness")


@log_app.command("export-tiles")
def export_tiles_command(
    workspace: Path = WORKSPACE,
    directory: Path = typer.Argument(..., help="the directory to write (created if missing)"),
    hashes_only: bool = typer.Option(
        False,
        "--hashes-only",
        help="leave out entry bundles and blobs (item-level notifications): a tree safe to "
        "publish to everyone",
    ),
    db: str | None = DB_OPTION,
    output: OutputFormat = FORMAT,
) -> None:
    """Write the log as a static C2SP tlog-tiles tree (checkpoint, tile/..., tile/entries/...),
    incrementally, the checkpoint last. Serve it with any static web server; entry bundles
    carry notifications, so serve those only to the peer party and inspectors."""
    from treatyledger.store.tlog_export import export_tiles

    with _workspace(workspace, db) as (ws, origin), progress_bar() as progress:
        task = progress.add_task("export-tiles", total=None)
        report = export_tiles(
            ws.engine,
            origin,
            ws.party,
            _signer(ws),
            directory,
            entries=not hashes_only,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    if output is OutputFormat.JSON:
        fields = ("previous_size", "size", "tiles", "bundles", "blobs")
        print_json({"origin": origin, **{k: getattr(report, k) for k in fields}})
        return
    console.print(
        f"{origin}: size {report.previous_size} -> {report.size}; wrote {report.tiles} hash "
        f"tiles, {report.bundles} entry bundles, {report.blobs} blobs to {directory}"
    )


@witness_app.command("add")
def witness_add_command(
    workspace: Path = WORKSPACE,
    name: str = typer.Argument(..., help="a name for the witness (yours to choose)"),
    url: str = typer.Argument(..., help="its submission prefix, e.g. https://w.example/v1/witness"),
    vkey: list[str] = typer.Option(..., "--vkey", help="its cosigner vkey (repeat for each)"),
    token_file: Path | None = typer.Option(
        None, "--token-file", help="a file (mode 600) with the bearer token it wants, if any"
    ),
    db: str | None = DB_OPTION,
) -> None:
    """Configure a witness; ``log witness push`` then sends it every new checkpoint."""
    from treatyledger.store.witness_store import add_witness
    from treatyledger.tlog.verifier import VerificationError, parse_vkey

    try:
        keys = [parse_vkey(v) for v in vkey]
    except VerificationError as exc:
        raise CommandLineError(f"--vkey: {exc}") from None
    for key in keys:
        if key.sig_type not in (0x04, 0x06):
            raise CommandLineError(f"--vkey {key.name}: a cosigner key has type 0x04 or 0x06")
    with _workspace(workspace, db) as (ws, _origin):
        add_witness(ws.engine, name, url, keys, str(token_file) if token_file else None)
    console.print(f"witness {name} at {url} configured ({len(keys)} key(s))")


@witness_app.command("remove")
def witness_remove_command(
    workspace: Path = WORKSPACE, name: str = typer.Argument(...), db: str | None = DB_OPTION
) -> None:
    from treatyledger.store.witness_store import remove_witness

    with _workspace(workspace, db) as (ws, _origin):
        if not remove_witness(ws.engine, name):
            raise CommandLineError(f"no witness named {name!r}")
    console.print(f"witness {name} removed")


@witness_app.command("list")
def witness_list_command(
    workspace: Path = WORKSPACE, db: str | None = DB_OPTION, output: OutputFormat = FORMAT
) -> None:
    """The configured witnesses, their keys and the last size each cosigned."""
    from rich.table import Table

    from treatyledger.store.witness_store import list_witnesses

    with _workspace(workspace, db) as (ws, _origin):
        witnesses = list_witnesses(ws.engine)
    if output is OutputFormat.JSON:
        print_json(
            [
                {"name": w.name, "url": w.url, "vkeys": [str(k) for k in w.vkeys], "size": w.size}
                for w in witnesses
            ]
        )
        return
    table = Table("name", "url", "keys", "last cosigned size")
    for w in witnesses:
        table.add_row(w.name, w.url, "\n".join(str(k)[:48] for k in w.vkeys), str(w.size))
    console.print(table)


@witness_app.command("push")
def witness_push_command(
    workspace: Path = WORKSPACE, db: str | None = DB_OPTION, output: OutputFormat = FORMAT
) -> None:
    """Send the current checkpoint to every configured witness and store their cosignatures.
    Exit 0 when every witness cosigned, 1 when any could not be reached or refused."""
    from treatyledger.node.context import NodeContext
    from treatyledger.node.witness_push import push_to_witnesses

    with _workspace(workspace, db) as (ws, _origin):
        results = push_to_witnesses(NodeContext.from_workspace(ws))
    if not results:
        raise CommandLineError("no witnesses configured; add one with `log witness add`")
    if output is OutputFormat.JSON:
        print_json([{"witness": r.witness, "size": r.size, "error": r.error} for r in results])
    for result in results if output is OutputFormat.TABLE else ():
        if result.error is None:
            console.print(f"{result.witness}: cosigned size {result.size}")
        else:
            console.print(f"{result.witness}: {result.error}", highlight=False)
    if any(r.error for r in results):
        raise typer.Exit(ExitCode.INVALID)

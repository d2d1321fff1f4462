"""``treatyledger keys``: the node's note keys. Every node has the party's Ed25519 key; ``keys
add --type mldsa44`` gives it an ML-DSA-44 key too, which then signs its checkpoints and
cosigns as a witness beside the Ed25519 one (``node.keys``)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from treatyledger.cli.app import app, console, err_console
from treatyledger.cli.options import CommandLineError, OutputFormat, workspace_option

keys_app = typer.Typer(help="The node's signing keys (Ed25519, ML-DSA-44).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

KEY_TYPES = ("mldsa44",)


def _vkeys(workspace: Path) -> list[dict[str, str]]:
    from treatyledger.node.keys import cosigners_for, log_signers
    from treatyledger.store.workspace import Workspace

    with Workspace.open(workspace) as ws:
        seed = ws.mldsa_seed
        logs = log_signers(ws.party, ws.signing_key, seed)
        cosigners = cosigners_for(ws.party, ws.signing_key, seed)
    rows = []
    for use, signers in (("log", logs), ("cosigner", cosigners)):
        for signer in signers:
            kind = "mldsa44" if signer.sig_type == 0x06 else "ed25519"
            rows.append({"use": use, "type": kind, "vkey": str(signer.verifier_key())})
    return rows


@keys_app.command("add")
def keys_add(
    workspace: Path = workspace_option(),
    key_type: str = typer.Option(..., "--type", help="the key type to add: mldsa44"),
) -> None:
    """Add an ML-DSA-44 key: it signs the node's checkpoints and cosigns beside Ed25519."""
    from treatyledger.store.workspace import Workspace

    if key_type not in KEY_TYPES:
        raise CommandLineError(f"--type: expected one of {', '.join(KEY_TYPES)}, got {key_type!r}")
    with Workspace.open(workspace) as ws:
        ws.add_mldsa_key()
    err_console.print("added an ML-DSA-44 key; its verifier keys:")
    for row in _vkeys(workspace):
        if row["type"] == "mldsa44":
            print(f"{row['use']}\t{row['vkey']}")


@keys_app.command("list")
def keys_list(
    workspace: Path = workspace_option(),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="table or json"),
) -> None:
    """The verifier keys of the node's log and cosignatures, each key type."""
    rows = _vkeys(workspace)
    if output is OutputFormat.JSON:
        print(json.dumps(rows, indent=2))
        return
    for row in rows:
        console.print(f"{row['use']}\t{row['type']}\t{row['vkey']}", highlight=False)

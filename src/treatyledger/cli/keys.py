"""``treatyledger keys``: the node's note keys. Every node has the party's Ed25519 key; ``keys
add --type mldsa44`` gives it an ML-DSA-44 key too, which then signs its checkpoints and
cosigns as a witness beside the Ed25519 one (``node.keys``). ``keys show`` prints every form
of the party key that the other party, its witnesses and verifiers take, so nothing has to
be copied from ``init``'s output or pieced together from ``log vkey``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from treatyledger.cli.app import app, console, err_console
from treatyledger.cli.errors import CommandLineError
from treatyledger.cli.options import OutputFormat, workspace_option

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


SHOW_LABELS = {
    "party": "party",
    "origin": "log origin",
    "public_key": "public key (Ed25519, base64; for `peer trust`)",
    "key_id": "key id",
    "fingerprint_sha256": "fingerprint (SHA-256 of the raw key)",
    "log_vkey": "log vkey (for `peer trust`, `log verify --vkey`, witnesses)",
    "cosigner_vkey": "cosigner vkey (for the other node's `principal add --vkey`)",
    "mldsa44_log_vkey": "ML-DSA-44 log vkey (after `keys add --type mldsa44`)",
    "mldsa44_cosigner_vkey": "ML-DSA-44 cosigner vkey",
}


@keys_app.command("show")
def keys_show(
    workspace: Path = workspace_option(),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
    field: str | None = typer.Option(
        None, "--field", help=f"print only this value, for a file: {', '.join(SHOW_LABELS)}"
    ),
) -> None:
    """Print the party, its public key, log and cosigner verifier keys and fingerprints."""
    from treatyledger.node.keys import peer_formats
    from treatyledger.store.workspace import Workspace

    if field is not None and field not in SHOW_LABELS:
        raise CommandLineError(
            f"--field: expected one of {', '.join(SHOW_LABELS)}, found {field!r}"
        )
    with Workspace.open(workspace) as ws:
        formats = peer_formats(ws.party, ws.public_key)
        has_mldsa = ws.mldsa_seed is not None
    if has_mldsa:
        for row in _vkeys(workspace):
            if row["type"] == "mldsa44":
                formats[f"mldsa44_{row['use']}_vkey"] = row["vkey"]
    if field is not None:
        if field not in formats:
            raise CommandLineError(f"--field {field}: this workspace has no ML-DSA-44 key")
        typer.echo(formats[field])
        return
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(formats, indent=2))
        return
    # plain lines, never cut to the terminal's width: the values are copied by hand
    for key, label in SHOW_LABELS.items():
        if key in formats:
            typer.echo(f"{label}:\n  {formats[key]}")

"""CLI commands of the party node: ``serve``, ``principal add|list|revoke``, ``peer sync``."""

from __future__ import annotations

from pathlib import Path

import typer

from treatyledger.cli.app import app, console, err_console
from treatyledger.cli.options import db_option, workspace_option
from treatyledger.errors import Unavailable

principal_app = typer.Typer(
    help="Who may call this node, and with which role.", no_args_is_help=True
)
peer_app = typer.Typer(help="Verify and mirror the other party's node.", no_args_is_help=True)
app.add_typer(principal_app, name="principal")
app.add_typer(peer_app, name="peer")

WORKSPACE = workspace_option()
DB_OPTION = db_option()


@app.command("serve")
def serve(
    workspace: Path = WORKSPACE,
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8080, help="port to listen on (0: any free port)"),
    db: str | None = DB_OPTION,
    max_body_bytes: int = typer.Option(1 << 20, help="largest request body accepted"),
    witness_push: float = typer.Option(
        5.0, help="seconds between pushes of new checkpoints to the witnesses (0: off)"
    ),
) -> None:
    """Serve the party node for WORKSPACE over HTTP until interrupted; new checkpoints go to
    the witnesses of `log witness add` in the background."""
    from treatyledger.node.context import NodeContext
    from treatyledger.node.server import bind, make_server, url_of
    from treatyledger.report.dashboard import create_node_app
    from treatyledger.store.workspace import Workspace

    ws = Workspace.open(workspace, db_url=db)
    try:
        context = NodeContext.from_workspace(
            ws,
            max_body_bytes=max_body_bytes,
            freeze_gc=True,
            witness_push_seconds=witness_push or None,
        )
        application = create_node_app(context)  # the API under /v1 and the dashboard
        try:
            sock = bind(host, port)
        except OSError as exc:
            raise Unavailable(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        # The first line names the real address (useful with --port 0); flushed at once.
        print(f"serving party {ws.party} on {url_of(sock)}", flush=True)
        print(f"dashboard: {url_of(sock)}/observer (log in at /login)", flush=True)
        make_server(application, log_level="warning", access_log=True).run(sockets=[sock])
    finally:
        ws.close()


@principal_app.command("add")
def principal_add(
    workspace: Path = WORKSPACE,
    name: str = typer.Argument(..., help="who the token is for"),
    role: str = typer.Option(..., help="owner, peer, inspector, witness or observer"),
    vkey: str | None = typer.Option(
        None, help="C2SP verifier key of a peer or witness; its cosignatures must verify"
    ),
    db: str | None = DB_OPTION,
) -> None:
    """Add a principal and print its token. The token is shown this once and stored hashed."""
    from treatyledger.node.auth import add_principal, parse_role
    from treatyledger.store.workspace import Workspace

    parsed = parse_role(role)
    with Workspace.open(workspace, db_url=db) as ws:
        token = add_principal(ws.engine, name, parsed, vkey=vkey)
    err_console.print(f"added {name} ({parsed.value}); the token is shown only now:")
    print(token)


@principal_app.command("list")
def principal_list(workspace: Path = WORKSPACE, db: str | None = DB_OPTION) -> None:
    """List principals (never their tokens)."""
    from treatyledger.node.auth import list_principals
    from treatyledger.store.workspace import Workspace

    with Workspace.open(workspace, db_url=db) as ws:
        for name, role, active in list_principals(ws.engine):
            console.print(f"{name}\t{role.value}\t{'active' if active else 'revoked'}")


@principal_app.command("revoke")
def principal_revoke(
    workspace: Path = WORKSPACE,
    name: str = typer.Argument(...),
    db: str | None = DB_OPTION,
) -> None:
    """Revoke a principal's token."""
    from treatyledger.node.auth import revoke_principal
    from treatyledger.store.workspace import Workspace

    with Workspace.open(workspace, db_url=db) as ws:
        revoke_principal(ws.engine, name)
    err_console.print(f"revoked {name}")


@peer_app.command("sync")
def peer_sync(
    workspace: Path = WORKSPACE,
    peer: str | None = typer.Option(None, "--peer", help="URL of the other party's node"),
    token: str | None = typer.Option(
        None, "--token", help="this party's token on that node (peer role)"
    ),
    tiles: str | None = typer.Option(
        None,
        "--tiles",
        help="follow the log through C2SP tlog-tiles alone: a node's .../v1/tlog URL or a "
        "static copy (URL or directory) written by `log export-tiles`; a node's tiles with "
        "--token get the cosignature, a static copy none",
    ),
    page_size: int = typer.Option(256, min=1, max=1000, help="entries fetched per request"),
    evidence_dir: Path | None = typer.Option(
        None, help="where an equivocation evidence file goes (default: the workspace)"
    ),
    db: str | None = DB_OPTION,
) -> None:
    """Verify the other party's log, mirror and count its notifications, cosign its checkpoint.

    Exit 0 synced; 1 peer unreachable or refused (run again to resume); 2 something did not
    verify; 3 the peer's log forked (evidence file written)."""
    from treatyledger.cli.options import CommandLineError
    from treatyledger.node.peer import sync_peer
    from treatyledger.node.tiles_sync import TilesSource, sync_from_tiles
    from treatyledger.store.workspace import Workspace

    if (peer is None) == (tiles is None):
        raise CommandLineError("give either --peer URL --token T or --tiles URL|DIR")
    with Workspace.open(workspace, db_url=db) as ws:
        if tiles is not None:
            with TilesSource(tiles, token) as source:
                report = sync_from_tiles(ws, source, evidence_dir=evidence_dir)
        else:
            if token is None:
                raise CommandLineError("--peer needs --token (this party's token on that node)")
            assert peer is not None
            report = sync_peer(ws, peer, token, page_size=page_size, evidence_dir=evidence_dir)
    console.print(
        f"{report.origin}: size {report.previous_size} -> {report.size}, "
        f"{report.replayed} new notifications mirrored and replayed"
        + (", checkpoint cosigned" if report.cosigned else "")
    )
    for category, value in report.counts.get("categories", {}).items():
        limit = value.get("limit")
        status = (
            "" if limit is None else f" / {limit} ({'ok' if value['within_limit'] else 'OVER'})"
        )
        console.print(f"  {category}: {value['total']}{status}")
    for check in report.limit_proofs:
        verdict = "within the limit, proven" if check.valid else f"INVALID: {check.reason}"
        console.print(
            f"  zk limit proof {check.party}#{check.sequence} ({check.rule_set} as of "
            f"{check.as_of}, checkpoint size {check.checkpoint_size}): {verdict}",
            highlight=False,
            soft_wrap=True,
        )


@peer_app.command("trust")
def peer_trust(
    workspace: Path = WORKSPACE,
    party: str = typer.Argument(..., help="the other party's id"),
    public_key: str = typer.Argument(
        ..., help="its public key (base64) or log vkey, as its `keys show` prints them"
    ),
    db: str | None = DB_OPTION,
) -> None:
    """Register the other party's public key: its checkpoints and notifications must verify."""
    from treatyledger.node.keys import cosigner_vkey, party_public_key
    from treatyledger.store.workspace import Workspace

    with Workspace.open(workspace, db_url=db) as ws:
        key_id = ws.register_party_key(party, party_public_key(party, public_key))
        own = cosigner_vkey(ws.party, ws.public_key)
    console.print(f"registered key {key_id} for party {party}")
    err_console.print(f"give the other node this party's cosigner key: --vkey {own}")


witness_app = typer.Typer(
    help="Witness a party node's log: check consistency, then cosign.", no_args_is_help=True
)
app.add_typer(witness_app, name="witness")


@witness_app.command("keygen")
def witness_keygen(
    name: str = typer.Argument(..., help="the witness's key name, e.g. witness.example/w1"),
    out: Path = typer.Option(..., "--out", help="file for the private key (created, mode 0600)"),
) -> None:
    """Create a witness cosigner key; print its verifier key (give it to the node's owner for
    `principal add ... --role witness --vkey`)."""
    import os

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from treatyledger.tlog.note import NoteSigner
    from treatyledger.tlog.verifier import SIG_TYPE_COSIGNATURE

    signer = NoteSigner(name, Ed25519PrivateKey.generate(), SIG_TYPE_COSIGNATURE)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(signer.skey() + "\n")
    print(signer.verifier_key())


@witness_app.command("cosign")
def witness_cosign(
    node: str = typer.Option(..., "--node", help="URL of the party node"),
    token: str = typer.Option(..., "--token", help="this witness's token on that node"),
    log_vkey: str = typer.Option(..., "--log-vkey", help="the log's verifier key"),
    key: Path = typer.Option(..., "--key", help="this witness's key file (from keygen)"),
    state: Path = typer.Option(..., "--state", help="JSON file of the checkpoints accepted"),
    evidence_dir: Path = typer.Option(Path("."), help="where equivocation evidence goes"),
) -> None:
    """One witness round: exit 0 cosigned; 1 node unreachable or refused; 2 did not verify;
    3 the log forked (evidence written)."""
    from treatyledger.node.peer_client import PeerClient
    from treatyledger.node.witnessing import witness_round
    from treatyledger.tlog.note import parse_skey
    from treatyledger.tlog.verifier import parse_vkey

    cosigner = parse_skey(key.read_text(encoding="utf-8"))
    with PeerClient(node, token) as client:
        result = witness_round(
            client, parse_vkey(log_vkey), cosigner, state, evidence_dir=evidence_dir
        )
    console.print(
        f"{result.origin}: size {result.previous_size} -> {result.size} consistent; cosigned "
        f"({result.cosignatures} cosignatures on that checkpoint)"
    )

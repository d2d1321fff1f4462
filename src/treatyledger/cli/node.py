"""CLI commands of the party node: ``serve``, ``principal add|list|revoke``, ``peer sync``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from treatyledger.cli.app import app, console, err_console
from treatyledger.cli.errors import CommandLineError
from treatyledger.cli.options import (
    TOKEN_ENV,
    OutputFormat,
    db_option,
    format_option,
    resolve_token,
    token_file_option,
    token_option,
    working,
    workspace_option,
    write_private,
)
from treatyledger.errors import Unavailable

principal_app = typer.Typer(
    help="Who may call this node, and with which role.", no_args_is_help=True
)
peer_app = typer.Typer(help="Verify and mirror the other party's node.", no_args_is_help=True)
app.add_typer(principal_app, name="principal")
app.add_typer(peer_app, name="peer")

WORKSPACE = workspace_option()
DB_OPTION = db_option()
FORMAT = format_option()


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
    rate_limit: list[str] = typer.Option(
        [],
        help="ROLE=N/second|minute|hour (or ROLE=none) over the defaults: peer and inspector "
        "200/second, witness and observer 20/second per principal, anonymous 100/second per "
        "address; the owner is not limited; repeatable",
    ),
    header_timeout: float = typer.Option(10.0, help="seconds a client has to send its headers"),
    body_timeout: float = typer.Option(30.0, help="seconds a client has to send its body"),
    max_connections: int = typer.Option(
        1_000, help="open connections at most (further ones: 503), within the descriptor limit"
    ),
    forensic: bool = typer.Option(
        False,
        "--forensic",
        help="serve a store that failed its check read-only (every write refused), to examine it",
    ),
    full_audit: bool = typer.Option(
        False,
        "--full-audit",
        help="run the full audit at start (as `log audit`: every signature, a full replay) "
        "instead of the start-up check",
    ),
) -> None:
    """Serve the party node for WORKSPACE over HTTP until interrupted; new checkpoints go to
    the witnesses of `log witness add` in the background.

    The store is checked first: every row against its log leaf and the signed root, the
    derived state from its sound snapshot plus the rows after it (their signatures checked),
    the derived tables against it; --full-audit runs `log audit` instead. A store that fails
    is not served (exit 4, the first bad entry named) unless --forensic."""
    from dataclasses import replace

    from treatyledger.node.connections import ConnectionLimits
    from treatyledger.node.context import NodeContext
    from treatyledger.node.errors import RateLimitError
    from treatyledger.node.ratelimit import RateLimits
    from treatyledger.node.recount import Recounts
    from treatyledger.node.server import bind, make_server, url_of
    from treatyledger.node.tarpit import Tarpit
    from treatyledger.report.dashboard import create_node_app
    from treatyledger.store.workspace import Workspace

    # A thread waiting for the GIL (the writer between SQLite calls, the event loop) waits up
    # to the switch interval while another computes (a count, a replay): 5 ms by default, so
    # a commit's many GIL hand-offs each lost up to 5 ms beside the readers (issue 13, A/B in
    # docs/performance.md: honest-only p99 at 0.5 ms 174-181 ms, at 5 ms 234-303 ms)
    sys.setswitchinterval(0.0005)
    try:
        limits = RateLimits().with_overrides(rate_limit)
    except RateLimitError as exc:
        raise CommandLineError(str(exc)) from None
    if min(header_timeout, body_timeout) <= 0 or max_connections < 1:
        raise CommandLineError("timeouts must be positive and --max-connections at least 1")
    connections = ConnectionLimits(header_timeout, body_timeout, max_connections)
    ws = Workspace.open(workspace, db_url=db, writer="serve")
    try:
        context = NodeContext.from_workspace(
            ws,
            max_body_bytes=max_body_bytes,
            freeze_gc=True,
            witness_push_seconds=witness_push or None,
        )
        # the observer summary may lag a growing log: its recounts stay a bounded share;
        # refusals are held in the tarpit, slowing whoever earns them (node.tarpit)
        context = replace(context, rate_limits=limits, recounts=Recounts(lag=True), tarpit=Tarpit())
        context.full_audit = full_audit
        context.audited = _audit_before_serving(ws, workspace, context, forensic)
        context.forensic = forensic
        application = create_node_app(context)  # the API under /v1 and the dashboard
        try:
            sock = bind(host, port)
        except OSError as exc:
            raise Unavailable(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        # The first line names the real address (useful with --port 0); flushed at once.
        print(f"serving party {ws.party} on {url_of(sock)}", flush=True)
        print(f"dashboard: {url_of(sock)}/observer (log in at /login)", flush=True)
        print(f"API documentation (offline): {url_of(sock)}/v1/docs", flush=True)
        server = make_server(
            application, log_level="warning", access_log=True, connections=connections
        )
        server.run(sockets=[sock])
    finally:
        ws.close()


def _audit_before_serving(ws: Any, path: Path, context: Any, forensic: bool) -> tuple[Any, Any]:
    from rich.markup import escape

    from treatyledger.node.integrity import check_on_start

    report, state = check_on_start(context)
    if report.ok:
        return report, state
    for finding in report.findings[:10]:
        err_console.print(f"[bold red]tampered:[/] {escape(str(finding))}", highlight=False)
    if not forensic:
        raise Unavailable(
            f"refusing to serve party {ws.party}: its store failed the "
            f"{'audit' if context.full_audit else 'start-up check'} at "
            f"{report.summary()}; `treatyledger log audit -w {path}` lists every finding, "
            "`serve --forensic` serves it read-only"
        )
    err_console.print("serving read-only for forensic use: every write is refused")
    return report, state


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
def principal_list(
    workspace: Path = WORKSPACE, db: str | None = DB_OPTION, output: OutputFormat = FORMAT
) -> None:
    """List principals (never their tokens)."""
    from treatyledger.node.auth import list_principals
    from treatyledger.store.workspace import Workspace

    with Workspace.open(workspace, db_url=db) as ws:
        principals = list_principals(ws.engine)
    if output is OutputFormat.JSON:
        rows = [{"name": n, "role": r.value, "active": a} for n, r, a in principals]
        print(json.dumps(rows, indent=2))
        return
    for name, role, active in principals:
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
    token: str | None = token_option("This party's token on that node (peer role)."),
    token_file: Path | None = token_file_option(),
    tiles: str | None = typer.Option(
        None,
        "--tiles",
        help="follow the log through C2SP tlog-tiles alone: a node's .../v1/tlog URL or a "
        "static copy (URL or directory) written by `log export-tiles`; a node's tiles with "
        "--token get the cosignature, a static copy none",
    ),
    page_size: int = typer.Option(256, min=1, max=1000, help="entries fetched per request"),
    recheck: bool = typer.Option(
        False,
        "--recheck",
        help="fetch and verify again the entries already mirrored: each in the signed tree "
        "and byte for byte this workspace's copy (with --peer)",
    ),
    evidence_dir: Path | None = typer.Option(
        None, help="where an equivocation evidence file goes (default: the workspace)"
    ),
    db: str | None = DB_OPTION,
    output: OutputFormat = FORMAT,
) -> None:
    """Verify the other party's log, mirror and count its notifications, cosign its checkpoint.

    Exit 0 synced; 1 something did not verify, the peer refused, or its log forked (evidence
    file written); 4 the peer could not be reached (run again to resume)."""
    from treatyledger.node.peer import sync_peer
    from treatyledger.node.tiles_sync import TilesSource, sync_from_tiles
    from treatyledger.store.workspace import Workspace

    if (peer is None) == (tiles is None):
        raise CommandLineError("give either --peer URL --token-file F or --tiles URL|DIR")
    if recheck and tiles is not None:
        raise CommandLineError("--recheck works with --peer (a tiles sync checks new entries)")
    secret = resolve_token(token, token_file)
    with Workspace.open(workspace, db_url=db) as ws, working("peer sync"):
        if tiles is not None:
            with TilesSource(tiles, secret) as source:
                report = sync_from_tiles(ws, source, evidence_dir=evidence_dir)
        else:
            if secret is None:
                raise CommandLineError(
                    f"--peer needs this party's token on that node: --token-file F or {TOKEN_ENV}"
                )
            assert peer is not None
            report = sync_peer(
                ws, peer, secret, page_size=page_size, evidence_dir=evidence_dir, recheck=recheck
            )
    if output is OutputFormat.JSON:
        print(json.dumps(_sync_json(report), indent=2))
        return
    console.print(
        f"{report.origin}: size {report.previous_size} -> {report.size}, "
        f"{report.replayed} new notifications mirrored and replayed"
        + (f", {report.rechecked} mirrored before verified again" if recheck else "")
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


def _sync_json(report: Any) -> dict[str, Any]:
    return {
        "peer_party": report.peer_party,
        "origin": report.origin,
        "previous_size": report.previous_size,
        "size": report.size,
        "mirrored": report.mirrored,
        "replayed": report.replayed,
        "rechecked": report.rechecked,
        "cosigned": report.cosigned,
        "counts": report.counts,
        "limit_proofs": [
            {
                "party": c.party,
                "sequence": c.sequence,
                "rule_set": c.rule_set,
                "as_of": str(c.as_of),
                "checkpoint_size": c.checkpoint_size,
                "valid": c.valid,
                "reason": c.reason,
            }
            for c in report.limit_proofs
        ],
    }


@peer_app.command("trust")
def peer_trust(
    workspace: Path = WORKSPACE,
    party: str = typer.Argument(..., help="the other party's id"),
    public_key: str = typer.Argument(
        ..., help="its public key (base64) or log vkey, as its `keys show` prints them"
    ),
    add_own_key: bool = typer.Option(
        False,
        "--add-own-key",
        help="Allow a second signing key for this workspace's own party (its notifications "
        "signed by that key then enter this log).",
    ),
    db: str | None = DB_OPTION,
    output: OutputFormat = FORMAT,
) -> None:
    """Register the other party's public key: its checkpoints and notifications must verify."""
    from treatyledger.node.keys import cosigner_vkey, party_public_key
    from treatyledger.store.workspace import Workspace

    with Workspace.open(workspace, db_url=db) as ws:
        if party == ws.party and not add_own_key:
            raise CommandLineError(
                f"{party} is this workspace's own party: a key registered for it signs "
                "notifications into this log; give --add-own-key if that is meant"
            )
        key_id = ws.register_party_key(party, party_public_key(party, public_key))
        own = cosigner_vkey(ws.party, ws.public_key)
    if output is OutputFormat.JSON:
        print(json.dumps({"party": party, "key_id": key_id, "cosigner_vkey": str(own)}, indent=2))
        return
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

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from treatyledger.tlog.note import NoteSigner
    from treatyledger.tlog.verifier import SIG_TYPE_COSIGNATURE

    signer = NoteSigner(name, Ed25519PrivateKey.generate(), SIG_TYPE_COSIGNATURE)
    write_private(out, signer.skey() + "\n")
    print(signer.verifier_key())


@witness_app.command("cosign")
def witness_cosign(
    node: str = typer.Option(..., "--node", help="URL of the party node"),
    token: str | None = token_option("This witness's token on that node."),
    token_file: Path | None = token_file_option(),
    log_vkey: str = typer.Option(..., "--log-vkey", help="the log's verifier key"),
    key: Path = typer.Option(..., "--key", help="this witness's key file (from keygen)"),
    state: Path = typer.Option(..., "--state", help="JSON file of the checkpoints accepted"),
    evidence_dir: Path = typer.Option(Path("."), help="where equivocation evidence goes"),
    output: OutputFormat = FORMAT,
) -> None:
    """One witness round: exit 0 cosigned; 1 node unreachable or refused; 2 did not verify;
    3 the log forked (evidence written)."""
    from treatyledger.node.peer_client import PeerClient
    from treatyledger.node.witnessing import witness_round
    from treatyledger.tlog.note import parse_skey
    from treatyledger.tlog.verifier import parse_vkey

    secret = resolve_token(token, token_file)
    if secret is None:
        raise CommandLineError(f"give this witness's token: --token-file F or {TOKEN_ENV}")
    cosigner = parse_skey(key.read_text(encoding="utf-8"))
    with PeerClient(node, secret) as client:
        result = witness_round(
            client, parse_vkey(log_vkey), cosigner, state, evidence_dir=evidence_dir
        )
    if output is OutputFormat.JSON:
        fields = ("origin", "previous_size", "size", "cosignatures")
        print(json.dumps({k: getattr(result, k) for k in fields}, indent=2))
        return
    console.print(
        f"{result.origin}: size {result.previous_size} -> {result.size} consistent; cosigned "
        f"({result.cosignatures} cosignatures on that checkpoint)"
    )

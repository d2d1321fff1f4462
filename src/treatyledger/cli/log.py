"""CLI commands: ``log`` (the party's transparency log).

``log verify ...`` and ``log verify-evidence`` need no workspace: they check what someone
hands you with the standalone verifier. Exit codes: 0 valid, 1 invalid (with the reason),
2 malformed input. The workspace commands read and sign the party's own log.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from treatyledger.cli.app import app, console, err_console
from treatyledger.cli.errors import MalformedInputError
from treatyledger.cli.options import (
    OutputFormat,
    db_option,
    format_option,
    invalid,
    print_json,
    working,
    workspace_option,
)
from treatyledger.errors import ExitCode

if TYPE_CHECKING:
    from treatyledger.tlog.verifier import VerifierKey


if TYPE_CHECKING:
    from treatyledger.store.workspace import Workspace
    from treatyledger.tlog.note import NoteSigner, Signer

log_app = typer.Typer(
    help="The transparency log: checkpoints, proofs, audit.", no_args_is_help=True
)
verify_app = typer.Typer(
    help="Verify proofs and checkpoints someone hands you (no workspace needed).",
    no_args_is_help=True,
)
log_app.add_typer(verify_app, name="verify")
app.add_typer(log_app, name="log")

WORKSPACE = workspace_option()
DB_OPTION = db_option()
FORMAT = format_option()
MAX_INPUT_BYTES = 1 << 20

INVALID = ExitCode.INVALID


def _hash(text: str, what: str) -> bytes:
    from treatyledger.tlog.verifier import ProofError, decode_hash

    try:
        return decode_hash(text, what=what)
    except ProofError as exc:
        raise MalformedInputError(str(exc)) from None


def _proof(text: str) -> list[bytes]:
    items = [p for p in text.replace("\n", ",").split(",") if p.strip()]
    if len(items) > 64:
        raise MalformedInputError(f"--proof: {len(items)} hashes, at most 64")
    return [_hash(p, f"--proof[{i}]") for i, p in enumerate(items)]


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MalformedInputError(f"{path}: cannot read: {exc.strerror}") from None
    if len(data) > MAX_INPUT_BYTES:
        raise MalformedInputError(f"{path}: {len(data)} bytes, at most {MAX_INPUT_BYTES}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedInputError(f"{path}: not UTF-8 text") from None


def _vkey(text: str) -> VerifierKey:
    """A vkey given inline or as the path of a file holding one."""
    from treatyledger.tlog.verifier import NoteError, parse_vkey

    candidate = Path(text)
    if "+" not in text or candidate.is_file():
        text = _read_text(candidate).strip()
    try:
        return parse_vkey(text)
    except NoteError as exc:
        raise MalformedInputError(str(exc)) from None


def _nonnegative(value: int, name: str) -> int:
    if value < 0:
        raise MalformedInputError(f"{name} must not be negative, found {value}")
    return value


def _proof_file(path: Path | None, keys: tuple[str, ...]) -> dict[str, object]:
    """The JSON a ``log prove``/``log consistency`` printed: the named keys, or nothing."""
    if path is None:
        return {}
    try:
        data = json.loads(_read_text(path))
    except ValueError as exc:
        raise MalformedInputError(f"{path}: not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MalformedInputError(f"{path}: expected a JSON object")
    missing = [k for k in keys if k not in data]
    if missing:
        raise MalformedInputError(f"{path}: missing {', '.join(missing)}")
    return {k: data[k] for k in (*keys, "proof") if k in data}


def _given(values: dict[str, object], name: str, option: str, given: object) -> object:
    """An option's value, else the proof file's; one of the two is needed."""
    if given is not None:
        return given
    if name in values:
        return values[name]
    raise MalformedInputError(f"missing {option} (or a proof FILE that holds it)")


def _int(value: object, option: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedInputError(f"{option}: expected an integer, found {value!r}")
    return _nonnegative(value, option)


def _proof_value(values: dict[str, object], given: str) -> str:
    stored = values.get("proof", [])
    if given or not isinstance(stored, list):
        return given
    return ",".join(str(h) for h in stored)


INCLUSION_KEYS = ("index", "size", "leaf_hash", "root")
CONSISTENCY_KEYS = ("old_size", "new_size", "old_root", "new_root")


@verify_app.command("inclusion")
def verify_inclusion_command(
    file: Path | None = typer.Argument(
        None, help="a proof as `log prove` prints it in JSON (instead of the options)"
    ),
    index: int | None = typer.Option(None, "--index", help="0-based leaf index"),
    size: int | None = typer.Option(None, "--size", help="tree size"),
    leaf_hash: str | None = typer.Option(
        None, "--leaf-hash", help="RFC 6962 leaf hash, hex or base64"
    ),
    root: str | None = typer.Option(None, "--root", help="root hash of the tree, hex or base64"),
    proof: str = typer.Option("", "--proof", help="proof hashes, comma-separated, leaf first"),
    output: OutputFormat = FORMAT,
) -> None:
    """Check that a leaf is in a tree (RFC 9162 2.1.3.2)."""
    from treatyledger.tlog.verifier import RFC6962, ProofError, verify_inclusion

    stored = _proof_file(file, INCLUSION_KEYS)
    index = _int(_given(stored, "index", "--index", index), "--index")
    size = _int(_given(stored, "size", "--size", size), "--size")
    args = (
        index,
        size,
        _hash(str(_given(stored, "leaf_hash", "--leaf-hash", leaf_hash)), "--leaf-hash"),
        _proof(_proof_value(stored, proof)),
        _hash(str(_given(stored, "root", "--root", root)), "--root"),
    )
    try:
        verify_inclusion(RFC6962, *args)
    except ProofError as exc:
        raise invalid(output, str(exc)) from None
    if output is OutputFormat.JSON:
        print_json({"valid": True, "index": index, "size": size})
        return
    console.print(f"valid: leaf {index} is in the tree of size {size}")


@verify_app.command("consistency")
def verify_consistency_command(
    file: Path | None = typer.Argument(
        None, help="a proof as `log consistency` prints it (instead of the options)"
    ),
    old_size: int | None = typer.Option(None, "--old-size", help="size of the earlier tree"),
    new_size: int | None = typer.Option(None, "--new-size", help="size of the later tree"),
    old_root: str | None = typer.Option(
        None, "--old-root", help="root of the earlier tree, hex or base64"
    ),
    new_root: str | None = typer.Option(
        None, "--new-root", help="root of the later tree, hex or base64"
    ),
    proof: str = typer.Option("", "--proof", help="proof hashes, comma-separated"),
    output: OutputFormat = FORMAT,
) -> None:
    """Check that one tree is a prefix of another (RFC 9162 2.1.4.2)."""
    from treatyledger.tlog.verifier import RFC6962, ProofError, verify_consistency

    stored = _proof_file(file, CONSISTENCY_KEYS)
    old = _int(_given(stored, "old_size", "--old-size", old_size), "--old-size")
    new = _int(_given(stored, "new_size", "--new-size", new_size), "--new-size")
    args = (
        old,
        new,
        _proof(_proof_value(stored, proof)),
        _hash(str(_given(stored, "old_root", "--old-root", old_root)), "--old-root"),
        _hash(str(_given(stored, "new_root", "--new-root", new_root)), "--new-root"),
    )
    try:
        verify_consistency(RFC6962, *args)
    except ProofError as exc:
        raise invalid(output, str(exc)) from None
    if output is OutputFormat.JSON:
        print_json({"valid": True, "old_size": old, "new_size": new})
        return
    console.print(f"valid: the tree of size {old} is a prefix of the tree of size {new}")


@verify_app.command("checkpoint")
def verify_checkpoint_command(
    file: Path = typer.Argument(..., help="signed checkpoint note"),
    vkey: str = typer.Option(..., "--vkey", help="the log's verifier key (or a file with it)"),
    witness: list[str] = typer.Option(
        [], "--witness", help="a cosigner's verifier key (or file); repeatable"
    ),
    output: OutputFormat = FORMAT,
) -> None:
    """Check a checkpoint's log signature and its cosignatures by the given witnesses."""
    from treatyledger.tlog.verifier import VerificationError, verify_checkpoint

    note = _read_text(file)
    log_key = _vkey(vkey)
    witness_keys = [_vkey(w) for w in witness]
    try:
        verified = verify_checkpoint(note, log_key, witness_keys)
    except VerificationError as exc:
        raise invalid(output, str(exc)) from None
    cp = verified.checkpoint
    missing = {w.name for w in witness_keys} - {c.name for c in verified.cosignatures}
    if output is OutputFormat.JSON:
        cosigned = [{"name": c.name, "timestamp": c.timestamp} for c in verified.cosignatures]
        print_json(
            {
                "valid": True,
                "origin": cp.origin,
                "size": cp.size,
                "root": cp.root.hex(),
                "cosignatures": cosigned,
                "missing": sorted(missing),
            }
        )
        return
    console.print(f"valid: {cp.origin} size {cp.size} root {cp.root.hex()}", highlight=False)
    for cosig in verified.cosignatures:
        console.print(f"  cosigned by {cosig.name} at {cosig.timestamp}", highlight=False)
    for name in sorted(missing):
        console.print(f"  no cosignature by {name}", highlight=False)


@verify_app.command("proof")
def verify_proof_command(
    file: Path = typer.Argument(..., help="C2SP tlog-proof bundle (as `log prove` prints it)"),
    leaf_file: Path = typer.Option(..., "--leaf-file", help="the leaf bytes (e.g. a notification)"),
    vkey: str = typer.Option(..., "--vkey", help="the log's verifier key (or a file with it)"),
    witness: list[str] = typer.Option(
        [], "--witness", help="a cosigner's verifier key (or file); repeatable"
    ),
    output: OutputFormat = FORMAT,
) -> None:
    """Check that a leaf is in a log under a signed checkpoint (tlog-proof bundle)."""
    from treatyledger.tlog.verifier import VerificationError, verify_tlog_proof

    bundle = _read_text(file)
    try:
        leaf = leaf_file.read_bytes()
    except OSError as exc:
        raise MalformedInputError(f"{leaf_file}: cannot read: {exc.strerror}") from None
    log_key = _vkey(vkey)
    witness_keys = [_vkey(w) for w in witness]
    try:
        verified = verify_tlog_proof(bundle, leaf, log_key, witness_keys)
    except VerificationError as exc:
        raise invalid(output, str(exc)) from None
    cp = verified.checkpoint
    if output is OutputFormat.JSON:
        names = [c.name for c in verified.cosignatures]
        print_json({"valid": True, "origin": cp.origin, "size": cp.size, "cosigned_by": names})
        return
    console.print(
        f"valid: the leaf is in {cp.origin} at size {cp.size} "
        f"({len(verified.cosignatures)} cosignatures verified)",
        highlight=False,
    )


@log_app.command("verify-evidence")
def verify_evidence_command(
    file: Path = typer.Argument(..., help="equivocation evidence (JSON)"),
    vkey: str | None = typer.Option(
        None, "--vkey", help="the log key you trust; the evidence must name exactly it"
    ),
    output: OutputFormat = FORMAT,
) -> None:
    """Check offline that a log signed two checkpoints that cannot both be true."""
    from treatyledger.tlog.verifier import VerificationError, verify_evidence

    try:
        data = json.loads(_read_text(file))
    except ValueError as exc:
        raise MalformedInputError(f"{file}: not JSON: {exc}") from None
    trusted = _vkey(vkey) if vkey else None
    try:
        summary = verify_evidence(data, trusted)
    except VerificationError as exc:
        raise invalid(output, str(exc)) from None
    if output is OutputFormat.JSON:
        print_json({"valid": True, "log_key": str(summary.log_key), "reason": summary.reason})
        return
    console.print(
        f"valid evidence: log {summary.log_key} equivocated: {summary.reason}", highlight=False
    )


# --------------------------------------------------------------------------- workspace


@contextmanager
def _workspace(path: Path, db: str | None) -> Iterator[tuple[Workspace, str]]:
    from treatyledger.store.workspace import Workspace
    from treatyledger.tlog.checkpoint import origin_for_party

    ws = Workspace.open(path, db_url=db)
    try:
        yield ws, origin_for_party(ws.party)
    finally:
        ws.close()


def _signer(ws: Workspace) -> NoteSigner:
    from treatyledger.node.keys import log_signer

    return log_signer(ws.party, ws.signing_key)


def _signers(ws: Workspace) -> list[Signer]:
    """Every key that signs the party's checkpoints (Ed25519, and ML-DSA-44 if added)."""
    from treatyledger.node.keys import log_signers

    return log_signers(ws.party, ws.signing_key, ws.mldsa_seed)


@log_app.command("vkey")
def vkey_command(workspace: Path = WORKSPACE, db: str | None = DB_OPTION) -> None:
    """Print the verifier key of the party's log (give it to whoever checks the log)."""
    with _workspace(workspace, db) as (ws, _origin):
        print(_signer(ws).verifier_key())


@log_app.command("checkpoint")
def checkpoint_command(workspace: Path = WORKSPACE, db: str | None = DB_OPTION) -> None:
    """Sign (once per size) and print the checkpoint of the party's log, with cosignatures."""
    from treatyledger.store import tlog_store

    with _workspace(workspace, db) as (ws, origin):
        engine = ws.engine
        with engine.begin() as conn:
            tlog_store.ensure_log(conn, origin)
            tlog_store.publish_checkpoint(conn, origin, _signers(ws))
        with engine.connect() as conn:
            note = tlog_store.latest_checkpoint(conn, origin)
    print(note, end="")


@log_app.command("prove")
def prove_command(
    workspace: Path = WORKSPACE,
    index: int = typer.Option(..., "--index", help="0-based leaf index"),
    size: int | None = typer.Option(None, "--size", help="tree size (default: current)"),
    db: str | None = DB_OPTION,
) -> None:
    """Print an inclusion proof as a C2SP tlog-proof (with the signed checkpoint of that
    size when one is stored, signing the current size if needed), else as JSON."""
    from treatyledger.store import tlog_store
    from treatyledger.tlog.verifier import TlogProof

    with _workspace(workspace, db) as (ws, origin):
        engine = ws.engine
        with engine.begin() as conn:
            current = tlog_store.log_size(conn, origin)
            target = current if size is None else size
            if target == current and target > 0:
                tlog_store.publish_checkpoint(conn, origin, _signers(ws))
        with engine.connect() as conn:
            reader = tlog_store.TlogReader(conn, origin)
            proof = reader.inclusion_proof(index, target)
            note = tlog_store.checkpoint_note(conn, origin, target)
            leaf_hash, root = reader.leaf_hash(index), reader.root(target)
    if note is not None:
        print(TlogProof(index, tuple(proof), note).text(), end="")
        return
    b64 = [base64.b64encode(h).decode() for h in proof]
    print(
        json.dumps(
            {
                "origin": origin,
                "index": index,
                "size": target,
                "leaf_hash": base64.b64encode(leaf_hash).decode(),
                "root": base64.b64encode(root).decode(),
                "proof": b64,
            },
            indent=2,
        )
    )


@log_app.command("consistency")
def consistency_command(
    workspace: Path = WORKSPACE,
    old_size: int = typer.Option(..., "--old-size", help="earlier tree size"),
    new_size: int | None = typer.Option(
        None, "--new-size", help="later tree size (default: current)"
    ),
    db: str | None = DB_OPTION,
) -> None:
    """Print a consistency proof between two sizes of the party's log (JSON, the input of
    `log verify consistency FILE`)."""
    from treatyledger.store import tlog_store

    with _workspace(workspace, db) as (ws, origin), ws.engine.connect() as conn:
        reader = tlog_store.TlogReader(conn, origin)
        target = reader.size if new_size is None else new_size
        proof = reader.consistency_proof(old_size, target)
        old_root, new_root = reader.root(old_size), reader.root(target)
    print(
        json.dumps(
            {
                "origin": origin,
                "old_size": old_size,
                "new_size": target,
                "old_root": base64.b64encode(old_root).decode(),
                "new_root": base64.b64encode(new_root).decode(),
                "proof": [base64.b64encode(h).decode() for h in proof],
            },
            indent=2,
        )
    )


@log_app.command("audit")
def audit_command(
    workspace: Path = WORKSPACE, db: str | None = DB_OPTION, output: OutputFormat = FORMAT
) -> None:
    """Trust nothing stored: recompute every log from its leaves (tiles, checkpoint roots and
    signatures), check every notification against its leaf and its signature, replay them
    against the derived tables and each mirror's signed checkpoint. Exit 1 and list each
    finding, the first bad entry first, if any row was tampered with."""
    from rich.markup import escape

    from treatyledger.node.integrity import audit_store

    with _workspace(workspace, db) as (ws, origin), working("log audit"):
        report, _state = audit_store(ws.engine, ws.rules)
    if output is OutputFormat.JSON:
        print_json({"origin": origin, **report.to_json_dict()})
        if not report.ok:
            raise typer.Exit(INVALID)
        return
    for finding in report.findings:
        err_console.print(f"[bold red]tampered:[/] {escape(str(finding))}", highlight=False)
    if report.more:
        err_console.print(f"[bold red]tampered:[/] {report.more} more findings", highlight=False)
    data = report.to_json_dict()
    console.print(
        f"{origin}: {report.notifications_checked} notifications, {data['leaves_checked']} "
        f"leaves, {data['tiles_checked']} tiles, {data['checkpoints_checked']} checkpoints, "
        f"{report.items_checked} items checked; "
        + ("no discrepancy" if report.ok else f"{len(report.findings) + report.more} findings"),
        highlight=False,
    )
    if not report.ok:
        raise typer.Exit(INVALID)

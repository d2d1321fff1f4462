"""CLI commands: ``evidence bundle`` (one file a third party verifies offline with the
standalone verifier) and ``evidence verify`` (the same check, plus the attached commitment
openings against their logged commitments)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from treatyledger.cli.app import app, console
from treatyledger.cli.errors import CommandLineError, InvalidBundleError, MalformedInputError
from treatyledger.cli.log import DB_OPTION, WORKSPACE, _read_text, _signer, _signers
from treatyledger.cli.log import _workspace as open_workspace
from treatyledger.cli.options import OutputFormat
from treatyledger.errors import TreatyLedgerError

evidence_app = typer.Typer(
    help="Offline evidence: bundles of notifications with their proofs, checkpoint and policy.",
    no_args_is_help=True,
)
app.add_typer(evidence_app, name="evidence")


def _opening_attachment(text: str) -> dict[str, Any]:
    """``SEQUENCE=FILE``: an opening (``escrow open``) of the commitment logged as
    notification SEQUENCE."""
    sequence, sep, path = text.partition("=")
    if not sep or not sequence.isdigit():
        raise CommandLineError(f"--opening: expected SEQUENCE=FILE, found {text!r}")
    try:
        opening = json.loads(_read_text(Path(path)))
    except ValueError as exc:
        raise MalformedInputError(f"{path}: not JSON: {exc}") from None
    if not isinstance(opening, dict):
        raise MalformedInputError(f"{path}: expected a JSON object (an opening)")
    return {"commitment_sequence": int(sequence), "opening": opening}


@evidence_app.command("bundle")
def bundle_command(
    workspace: Path = WORKSPACE,
    out: Path = typer.Option(..., "--out", help="the bundle file to write"),
    sequence: list[int] = typer.Option([], "--sequence", help="a notification, by sequence"),
    uid: list[str] = typer.Option([], "--uid", help="every notification touching this item"),
    policy: Path | None = typer.Option(
        None,
        "--policy",
        help="the tlog-policy the bundle states (default: this log and any one of its "
        "configured witnesses, or no quorum without witnesses)",
    ),
    opening: list[str] = typer.Option(
        [], "--opening", help="SEQUENCE=FILE: an opening of the commitment logged as SEQUENCE"
    ),
    inspection: list[str] = typer.Option([], "--inspection", help="an inspection record id"),
    db: str | None = DB_OPTION,
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
) -> None:
    """Write one file with the notifications asked for, their tlog-proofs, the checkpoint
    with its cosignatures and the verifier policy; a third party checks it offline with
    ``python verifier.py bundle FILE --policy THEIR_POLICY`` (treatyledger.tlog.verifier)."""
    from treatyledger.store.evidence_store import (
        default_policy,
        gather_entries,
        inspection_records,
    )
    from treatyledger.tlog.bundle import build_bundle, bundle_json
    from treatyledger.tlog.verifier import VerificationError, parse_policy

    openings = [_opening_attachment(text) for text in opening]
    with open_workspace(workspace, db) as (ws, _origin):
        signer = _signer(ws)
        wanted = [*sequence, *(o["commitment_sequence"] for o in openings)]
        note, entries, _indexes = gather_entries(
            ws.engine, ws.party, signer, sequences=wanted, uids=uid, signers=_signers(ws)
        )
        policy_text = (
            _read_text(policy)
            if policy is not None
            else default_policy(ws.engine, [s.verifier_key() for s in _signers(ws)])
        )
        try:
            parse_policy(policy_text)
        except VerificationError as exc:
            raise MalformedInputError(f"--policy: {exc}") from None
        records = inspection_records(ws.engine, ws.party, inspection)
        keys = {ws.party: list(ws.party_keys(ws.party).values())}
    try:
        document, summary = build_bundle(
            note,
            policy_text,
            entries,
            openings=openings,
            inspections=records,
            created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            party_keys=keys,
        )
    except VerificationError as exc:
        raise InvalidBundleError(f"the bundle would not verify: {exc}") from None
    out.write_text(bundle_json(document), encoding="utf-8")
    if output is OutputFormat.JSON:
        print(
            json.dumps(
                {
                    "bundle": str(out),
                    "origin": summary.origin,
                    "size": summary.size,
                    "notifications": len(summary.entries),
                    "cosigners": list(summary.cosigners),
                    "openings": len(openings),
                    "inspections": len(records),
                },
                indent=2,
            )
        )
        return
    console.print(
        f"{out}: {len(summary.entries)} notifications of {summary.origin} at size "
        f"{summary.size}, cosigned by {', '.join(summary.cosigners) or 'no witness'}; "
        f"{len(openings)} openings, {len(records)} inspection records"
    )


@evidence_app.command("verify")
def verify_command(
    bundle: Path = typer.Argument(..., help="an evidence bundle"),
    policy: Path | None = typer.Option(
        None, "--policy", help="your tlog-policy (without it the bundle's own, untrusted)"
    ),
    output: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="table or json"),
) -> None:
    """Verify a bundle as the standalone verifier does, then each attached opening against
    the commitment its logged notification publishes (exit 0 valid, 1 invalid, 2 malformed)."""
    from treatyledger.tlog.verifier import (
        MAX_BUNDLE_BYTES,
        VerificationError,
        parse_policy,
        verify_bundle,
    )

    raw = bundle.read_bytes() if bundle.stat().st_size <= MAX_BUNDLE_BYTES else b""
    if not raw:
        raise MalformedInputError(f"{bundle}: empty or larger than {MAX_BUNDLE_BYTES} bytes")
    try:
        trusted = parse_policy(_read_text(policy)) if policy is not None else None
        summary = verify_bundle(raw, trusted)
        openings = _verify_openings(json.loads(raw), summary)
    except VerificationError as exc:
        raise InvalidBundleError(f"invalid: {exc}") from None
    result = {**summary.to_json_dict(), "openings_verified": openings}
    if output is OutputFormat.JSON:
        print(json.dumps(result, indent=2))
        return
    console.print(
        f"valid: {len(summary.entries)} notifications in {summary.origin} at size "
        f"{summary.size}; cosigned by {', '.join(summary.cosigners) or 'no witness'}; "
        f"{'your' if summary.policy_trusted else 'the bundle’s own (untrusted)'} policy met; "
        f"{len(openings)} openings verified"
    )


def _verify_openings(document: dict[str, Any], summary: Any) -> list[str]:
    from treatyledger.escrow.commitment import parse_opening, verify_opening
    from treatyledger.escrow.errors import InvalidOpeningError
    from treatyledger.escrow.published import commitment_of
    from treatyledger.model.notifications import parse_notification

    by_sequence: dict[int, Any] = {}
    for entry in summary.entries:
        try:
            notification = parse_notification(json.loads(entry.entry))
        except (ValueError, TreatyLedgerError):
            continue
        by_sequence[notification.sequence] = notification
    verified = []
    for attachment in document.get("openings", []):
        sequence = attachment.get("commitment_sequence")
        logged = by_sequence.get(sequence)
        if logged is None:
            raise InvalidBundleError(f"an opening names notification {sequence}, not in the bundle")
        opening = parse_opening(attachment.get("opening"))
        try:
            item = verify_opening(commitment_of(logged), opening)
        except InvalidOpeningError as exc:
            raise InvalidBundleError(f"opening {opening.key}: {exc}") from None
        verified.append(f"{opening.key}: {item.label}")
    return verified

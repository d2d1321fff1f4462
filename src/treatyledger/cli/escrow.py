"""CLI commands: ``escrow`` (commitments to declarations and staged disclosure).

``commit`` writes the public commitment and, separately and readable by the owner only, the
secret opening material. ``publish`` puts a commitment into the party's transparency log as an
``escrow_commitment`` notification and can write a log entry document (the logged entry with
its C2SP tlog-proof). The ``verify-*`` commands and ``account`` need nothing but the files
handed to them: a commitment file, or a log entry document and the log's verifier key, in
which case the commitment is used only after its inclusion under a signed checkpoint verified.
Exit codes of the verifiers: 0 valid, 1 invalid (with the reason), 2 malformed input.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from treatyledger.cli.app import app, console, err_console
from treatyledger.cli.errors import CommandLineError
from treatyledger.cli.escrow_files import (
    MAX_LARGE_FILE,
    _categories,
    _disclosures,
    _document,
    _openings_in,
    _parse_plan,
    _parse_total,
)
from treatyledger.cli.options import (
    OutputFormat,
    format_option,
    invalid,
    print_json,
    working,
    workspace_option,
    write_private,
)
from treatyledger.errors import ExitCode

if TYPE_CHECKING:
    from treatyledger.escrow.commitment import Commitment, OpenableTree, Opening
    from treatyledger.escrow.schedule import DisclosurePlan
    from treatyledger.escrow.totals import TotalProof
    from treatyledger.tlog.verifier import VerifierKey


escrow_app = typer.Typer(
    help="Commit to a declaration without revealing it; open items and totals verifiably.",
    no_args_is_help=True,
)
app.add_typer(escrow_app, name="escrow")

INVALID = ExitCode.INVALID
FORMAT = format_option()
#: escrow.published.LOG_ENTRY_FORMAT, named here so that --help imports no escrow (tested equal)
LOG_ENTRY_FORMAT = "treatyledger-escrow-log-entry/v1"
COMMITMENT_FILE = "commitment.json"
SECRET_FILE = "secret.json"


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True))


@escrow_app.command("commit")
def commit_command(
    inventory: Path = typer.Option(..., "--inventory", help="inventory file (CSV or JSON)"),
    out: Path = typer.Option(..., "--out", help="directory for commitment.json and secret.json"),
    categories: Path | None = typer.Option(
        None, "--categories", help="JSON list of categories whose totals are published"
    ),
    party: str | None = typer.Option(None, "--party", help="committing party (default: the one)"),
    exchange: str | None = typer.Option(
        None, "--exchange", help="label of this data exchange (default: the file's stem)"
    ),
    output: OutputFormat = FORMAT,
) -> None:
    """Commit to an inventory: public commitment.json, private secret.json (mode 0600)."""
    import secrets

    from treatyledger.escrow.commitment import commit
    from treatyledger.escrow.errors import EscrowError
    from treatyledger.files import load_catalog, read_inventory

    if out.exists() and not out.is_dir():
        raise CommandLineError(f"--out {out}: a file exists there; expected a directory")
    cats = _categories(categories)
    inv = read_inventory(inventory, load_catalog())
    if party is None:
        if len(inv.parties) != 1:
            raise EscrowError(
                f"{inventory}: items of {len(inv.parties)} parties; name one with --party"
            )
        party = inv.parties[0]
    inv = inv.for_party(party)
    with working("escrow commit"):
        secret = commit(
            inv,
            party=party,
            exchange=exchange or inventory.stem,
            categories=cats,
            random_bytes=secrets.token_bytes,
        )
    out.mkdir(parents=True, exist_ok=True)
    public_path, secret_path = out / COMMITMENT_FILE, out / SECRET_FILE
    for path in (public_path, secret_path):
        if path.exists():
            raise EscrowError(f"{path} exists; expected a fresh output directory")
    write_private(secret_path, secret.model_dump_json(exclude_none=True))
    public_path.write_text(json.dumps(secret.commitment.public(), indent=2) + "\n")
    c = secret.commitment
    if output is OutputFormat.JSON:
        print_json(
            {
                "party": c.party,
                "exchange": c.exchange,
                "items": c.count,
                "root": c.root,
                "totals": dict(c.totals),
                "commitment": str(public_path),
                "secret": str(secret_path),
            }
        )
        return
    console.print(
        f"committed {c.count} items of {c.party}, root {c.root}", highlight=False, soft_wrap=True
    )
    for name, total in c.totals.items():
        console.print(f"  total {name}: {total}", highlight=False, soft_wrap=True)
    console.print(
        f"public: {public_path}\nsecret: {secret_path} (keep private)",
        highlight=False,
        soft_wrap=True,
    )


def _tree(secret: Path) -> OpenableTree:
    from treatyledger.escrow.commitment import OpenableTree, parse_secret

    return OpenableTree.from_secret(_document(secret, parse_secret, MAX_LARGE_FILE))


@escrow_app.command("open")
def open_command(
    secret: Path = typer.Option(..., "--secret", help="the secret.json of the commitment"),
    uid: str = typer.Option(..., "--uid", help="UID of the item (#n for the n-th row without)"),
) -> None:
    """Print the opening of one committed item (JSON)."""
    _print_json(_tree(secret).open(uid).public())


@escrow_app.command("prove-total")
def prove_total_command(
    secret: Path = typer.Option(..., "--secret", help="the secret.json of the commitment"),
    category: str = typer.Option(..., "--category", help="name of the category"),
) -> None:
    """Print a total proof: the openings of every item that counts in the category (JSON)."""
    from treatyledger.escrow.totals import prove_total

    _print_json(prove_total(_tree(secret), category).public())


def _vkey(text: str) -> VerifierKey:
    from treatyledger.cli.log import _vkey as parse_vkey_argument

    return parse_vkey_argument(text)


def _commitment_from(
    commitment: Path | None,
    log_entry: Path | None,
    vkey: str | None,
    names: tuple[str, str],
    output: OutputFormat = OutputFormat.TABLE,
) -> Commitment:
    """The commitment of a file, or of a log entry document verified against the log key."""
    from treatyledger.escrow.commitment import parse_commitment
    from treatyledger.escrow.errors import LogEntryError, MalformedEscrowDocument
    from treatyledger.escrow.published import parse_log_entry_document, read_logged_commitment

    if (commitment is None) == (log_entry is None):
        raise MalformedEscrowDocument(f"give exactly one of {names[0]} and {names[1]}")
    if commitment is not None:
        result: Commitment = _document(commitment, parse_commitment)
        return result
    assert log_entry is not None
    if vkey is None:
        raise MalformedEscrowDocument(f"{names[1]} needs --vkey, the verifier key of the log")
    document = _document(log_entry, parse_log_entry_document)
    key = _vkey(vkey)
    try:
        logged = read_logged_commitment(document, key)
    except LogEntryError as exc:
        raise invalid(output, f"{log_entry}: {exc}") from None
    cp = logged.checkpoint.checkpoint
    if output is OutputFormat.JSON:
        return logged.commitment
    console.print(
        f"logged: {logged.notification.ref} is leaf {logged.index} of {cp.origin} "
        f"at size {cp.size}",
        highlight=False,
        soft_wrap=True,
    )
    return logged.commitment


COMMITMENT_OPTION = typer.Option(None, "--commitment", help="the published commitment (file)")
LOG_ENTRY_OPTION = typer.Option(
    None,
    "--log-entry",
    help=f"a log entry document ({LOG_ENTRY_FORMAT}, from `escrow publish --out`) instead",
)
VKEY_OPTION = typer.Option(
    None, "--vkey", help="verifier key of the party's log (or a file with it), for log entries"
)


@escrow_app.command("verify-opening")
def verify_opening_command(
    opening: Path = typer.Option(..., "--opening", help="an opening (JSON)"),
    commitment: Path | None = COMMITMENT_OPTION,
    log_entry: Path | None = LOG_ENTRY_OPTION,
    vkey: str | None = VKEY_OPTION,
    output: OutputFormat = FORMAT,
) -> None:
    """Check one opening against the commitment, given as a file or as a log entry whose
    inclusion in the party's log is verified first (exit 0 valid, 1 invalid, 2 malformed)."""
    from treatyledger.escrow.commitment import (
        opening_values,
        parse_opening,
        verify_opening,
    )
    from treatyledger.escrow.errors import InvalidOpeningError

    o: Opening = _document(opening, parse_opening)
    c = _commitment_from(commitment, log_entry, vkey, ("--commitment", "--log-entry"), output)
    try:
        item = verify_opening(c, o)
    except InvalidOpeningError as exc:
        raise invalid(output, str(exc)) from None
    counts = opening_values(c, o)
    if output is OutputFormat.JSON:
        print_json(
            {
                "valid": True,
                "key": o.key,
                "index": o.index,
                "party": c.party,
                "exchange": c.exchange,
                "item": item.label,
                "kind": item.kind.value,
                "status": item.status.value,
                "counts": counts,
            }
        )
        return
    values = ", ".join(f"{k} {v}" for k, v in counts.items())
    console.print(
        f"valid: {o.key} is leaf {o.index} of {c.party} {c.exchange}: {item.label}, "
        f"{item.kind.value} {item.status.value}" + (f"; counts {values}" if values else ""),
        highlight=False,
        soft_wrap=True,
    )


@escrow_app.command("verify-total")
def verify_total_command(
    commitment: Path = typer.Option(..., "--commitment", help="the published commitment"),
    proof: Path = typer.Option(..., "--proof", help="a total proof (from prove-total)"),
    output: OutputFormat = FORMAT,
) -> None:
    """Check that the published total of a category is the sum of the opened items and that
    every other committed item counts 0 in it (exit 0 valid, 1 invalid, 2 malformed)."""
    from treatyledger.escrow.commitment import parse_commitment
    from treatyledger.escrow.errors import EscrowError, InvalidOpeningError, MalformedEscrowDocument
    from treatyledger.escrow.totals import verify_total

    c: Commitment = _document(commitment, parse_commitment)
    p: TotalProof = _document(proof, _parse_total, MAX_LARGE_FILE)
    try:
        c.category(p.category)
    except EscrowError as exc:
        raise MalformedEscrowDocument(str(exc)) from None
    try:
        report = verify_total(c, p)
    except InvalidOpeningError as exc:
        raise invalid(output, str(exc)) from None
    if output is OutputFormat.JSON:
        print_json(
            {
                "valid": True,
                "party": c.party,
                "exchange": c.exchange,
                "category": report.category,
                "total": report.total,
                "opened": len(report.keys),
            }
        )
        return
    console.print(
        f"valid: {c.party} {c.exchange} total {report.category} = {report.total}, "
        f"the sum of {len(report.keys)} opened items; every other item counts 0",
        highlight=False,
        soft_wrap=True,
    )


@escrow_app.command("account")
def account_command(
    opening: list[Path] = typer.Option(
        ..., "--opening", help="file of openings (either exchange); repeatable"
    ),
    earlier: Path | None = typer.Option(
        None, "--earlier", help="commitment of the earlier exchange"
    ),
    later: Path | None = typer.Option(None, "--later", help="commitment of the later exchange"),
    earlier_entry: Path | None = typer.Option(
        None, "--earlier-entry", help="log entry document of the earlier exchange instead"
    ),
    later_entry: Path | None = typer.Option(
        None, "--later-entry", help="log entry document of the later exchange instead"
    ),
    vkey: str | None = VKEY_OPTION,
    output: OutputFormat = FORMAT,
) -> None:
    """Report items opened from the earlier exchange that vanished from the later one
    (exit 1 if any did). Commitments come from files or from the party's log."""
    from rich.markup import escape

    from treatyledger.escrow.accounting import account_between
    from treatyledger.escrow.errors import InvalidOpeningError, MalformedEscrowDocument

    first = _commitment_from(earlier, earlier_entry, vkey, ("--earlier", "--earlier-entry"), output)
    second = _commitment_from(later, later_entry, vkey, ("--later", "--later-entry"), output)
    mine: dict[str, list[Opening]] = {first.root: [], second.root: []}
    for path in opening:
        for o in _openings_in(path):
            if o.root not in mine:
                raise MalformedEscrowDocument(f"{path}: opening {o.key} is of neither commitment")
            mine[o.root].append(o)
    try:
        report = account_between(first, mine[first.root], second, mine[second.root])
    except InvalidOpeningError as exc:
        raise invalid(output, str(exc)) from None
    if output is OutputFormat.JSON:
        print_json(
            {
                "ok": report.ok,
                "carried": [
                    {"key": row.key, "before": row.before, "after": row.after}
                    for row in report.carried
                ],
                "retired": list(report.retired),
                "untracked": list(report.untracked),
                "total_changes": {
                    name: {"before": before, "after": after}
                    for name, (before, after) in report.total_changes.items()
                },
                "vanished": list(report.vanished),
            }
        )
        if not report.ok:
            raise typer.Exit(INVALID)
        return
    for row in report.carried:
        console.print(
            f"carried  {row.key}: {row.before} -> {row.after}", highlight=False, soft_wrap=True
        )
    for key in report.retired:
        console.print(f"retired  {key}", highlight=False, soft_wrap=True)
    for key in report.untracked:
        console.print(f"untracked {key} (no UID)", highlight=False, soft_wrap=True)
    for name, (before, after) in report.total_changes.items():
        console.print(f"total    {name}: {before} -> {after}", highlight=False, soft_wrap=True)
    for key in report.vanished:
        err_console.print(f"[bold red]vanished:[/] {escape(key)}", highlight=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(INVALID)


@escrow_app.command("verify-schedule")
def verify_schedule_command(
    commitment: Path = typer.Option(..., "--commitment", help="the published commitment"),
    plan: Path = typer.Option(..., "--plan", help="the disclosure plan (JSON)"),
    disclosures: Path = typer.Option(
        ..., "--disclosures", help="JSON list of {published: date, opening}"
    ),
    as_of: str = typer.Option(..., "--as-of", help="judge as of this date (YYYY-MM-DD)"),
    output: OutputFormat = FORMAT,
) -> None:
    """Check published openings against the plan (exit 1 if any is late, missing or
    invalid)."""
    from rich.markup import escape

    from treatyledger.escrow.commitment import parse_commitment
    from treatyledger.escrow.errors import EscrowError, MalformedEscrowDocument
    from treatyledger.escrow.schedule import verify_schedule

    try:
        when = dt.date.fromisoformat(as_of)
    except ValueError:
        raise MalformedEscrowDocument(f"--as-of {as_of!r}: expected YYYY-MM-DD") from None
    c: Commitment = _document(commitment, parse_commitment)
    p: DisclosurePlan = _document(plan, _parse_plan, MAX_LARGE_FILE)
    try:
        report = verify_schedule(c, p, _disclosures(disclosures), when)
    except EscrowError as exc:
        raise MalformedEscrowDocument(str(exc)) from None
    problems = [f"late {k}: due {d}, published {p}" for k, d, p in report.late]
    problems += [f"missing {k}: due {d}" for k, d in report.missing]
    problems += [f"invalid {k}: {reason}" for k, reason in report.invalid]
    if output is OutputFormat.JSON:
        print_json(
            {
                "ok": report.ok,
                "on_time": len(report.on_time),
                "pending": len(report.pending),
                "unplanned": len(report.unplanned),
                "problems": problems,
            }
        )
        if not report.ok:
            raise typer.Exit(INVALID)
        return
    console.print(
        f"{len(report.on_time)} on time, {len(report.pending)} not yet due, "
        f"{len(report.unplanned)} opened outside the plan",
        highlight=False,
        soft_wrap=True,
    )
    for line in problems:
        err_console.print(f"[bold red]{escape(line)}[/]", highlight=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(INVALID)


@escrow_app.command("publish")
def publish_command(
    workspace: Path = workspace_option("The committing party's workspace."),
    commitment: Path = typer.Option(..., "--commitment", help="commitment.json to publish"),
    out: Path | None = typer.Option(
        None, "--out", help="write the log entry document (entry and tlog-proof) here"
    ),
    output: OutputFormat = FORMAT,
) -> None:
    """Sign the commitment as an escrow_commitment notification and submit it to the party's
    ledger and log; print its sequence and leaf index."""
    # The store is imported here so that the offline verifiers stay light to start.
    from treatyledger.escrow.commitment import parse_commitment
    from treatyledger.escrow.errors import EscrowError
    from treatyledger.escrow.published import commitment_payload
    from treatyledger.ledger import sign
    from treatyledger.ledger.signing import leaf_bytes
    from treatyledger.model.notifications import NotificationKind, parse_notification
    from treatyledger.node.keys import log_signers
    from treatyledger.store import tlog_store
    from treatyledger.store.ledger_store import open_ledger
    from treatyledger.store.workspace import Workspace
    from treatyledger.tlog.checkpoint import origin_for_party
    from treatyledger.tlog.verifier import TlogProof

    c: Commitment = _document(commitment, parse_commitment)
    if out is not None and out.exists():
        raise EscrowError(f"{out} exists; expected a new file for the log entry document")
    with Workspace.open(workspace, writer="escrow publish") as ws:
        if c.party != ws.party:
            raise EscrowError(
                f"{commitment}: a commitment of {c.party}; this workspace signs for {ws.party}"
            )
        store = open_ledger(ws)
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        unsigned = parse_notification(
            {
                "party": ws.party,
                "sequence": store.next_sequence(ws.party),
                "kind": NotificationKind.ESCROW_COMMITMENT.value,
                "effective_time": now,
                "issued_time": now,
                "payload": commitment_payload(c),
            }
        )
        signed = sign(unsigned, ws.signing_key)
        [ack] = store.submit([signed])
        if ack.status != "accepted" or ack.leaf_index is None:
            raise EscrowError(f"{ack.ref} {ack.status}: [{ack.rule}] {ack.reason}")
        published = {"party": c.party, "exchange": c.exchange, "sequence": ack.sequence}
        published["leaf_index"] = ack.leaf_index
        if output is OutputFormat.TABLE:
            console.print(
                f"published {c.party} {c.exchange} as {ack.ref} (sequence {ack.sequence}), "
                f"leaf {ack.leaf_index}",
                highlight=False,
                soft_wrap=True,
            )
        if out is None:
            if output is OutputFormat.JSON:
                print_json(published)
            return
        origin = origin_for_party(ws.party)
        with ws.engine.begin() as conn:
            tlog_store.publish_checkpoint(
                conn, origin, log_signers(ws.party, ws.signing_key, ws.mldsa_seed)
            )
        with ws.engine.connect() as conn:
            size = tlog_store.log_size(conn, origin)
            reader = tlog_store.TlogReader(conn, origin)
            proof = reader.inclusion_proof(ack.leaf_index, size)
            note = tlog_store.checkpoint_note(conn, origin, size)
    assert note is not None  # signed just above for this size
    document = {
        "format": LOG_ENTRY_FORMAT,
        "entry": leaf_bytes(signed).decode("utf-8"),
        "proof": TlogProof(ack.leaf_index, tuple(proof), note).text(),
    }
    out.write_text(json.dumps(document, indent=2) + "\n")
    if output is OutputFormat.JSON:
        print_json(published | {"log_entry": str(out), "checkpoint_size": size})
        return
    console.print(f"log entry: {out} (checkpoint size {size})", highlight=False, soft_wrap=True)

"""CLI commands: ``zk`` (zero-knowledge limit proofs).

``prove`` commits to a party's force per base and proves every total within its limit; the
proof document (public) and the secret (values and blinding factors, created 0600) are two
files. ``verify`` and ``verify-opening`` need nothing but the files handed to them and the
rule set the document names. Exit codes of the verifiers: 0 valid, 1 invalid (with the
reason), 2 malformed input. ``prove`` exits 1 for a total over its limit, naming the category
and the excess.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from treatyledger.cli.app import app, console, err_console
from treatyledger.cli.errors import CannotVerify, CommandLineError
from treatyledger.cli.options import (
    WORKSPACE_ENV,
    OutputFormat,
    load_checked_rule_set,
    parse_date,
    read_bounded_json,
    workspace_option,
    write_private,
)
from treatyledger.errors import ExitCode, TreatyLedgerError

if TYPE_CHECKING:
    from treatyledger.rules.schema import RuleSet
    from treatyledger.zk.findings import OpeningContradiction
    from treatyledger.zk.limits import LimitSecret
    from treatyledger.zk.verifier import Checkpoint, LimitProof


zk_app = typer.Typer(
    help="Prove totals within their limits without revealing any base; open single bases.",
    no_args_is_help=True,
)
app.add_typer(zk_app, name="zk")

INVALID = ExitCode.INVALID
#: zk.limits.DEFAULT_BITS, named here so that --help imports no zk (tested equal)
DEFAULT_BITS = 16
MAX_DOCUMENT = 16 << 20  # a limit proof of 16 categories of 2,047 bases is about 5 MiB


def read_json(path: Path, limit: int = MAX_DOCUMENT) -> Any:
    from treatyledger.zk.verifier import MalformedLimitProof

    return read_bounded_json(path, limit, MalformedLimitProof)


def read_limit_proof(path: Path) -> LimitProof:
    from treatyledger.zk.verifier import MalformedLimitProof, parse_limit_proof

    try:
        return parse_limit_proof(read_json(path))
    except MalformedLimitProof as exc:
        raise MalformedLimitProof(f"{path}: {exc}") from None


def rule_set_limits(proof: LimitProof, rules: str | None) -> dict[str, int | None]:
    """The limits in force on the document's date under the verifier's rule set (the one the
    document names, unless ``rules`` gives another file for it)."""

    statement = proof.statement
    try:
        rule_set = load_checked_rule_set(rules or statement.rule_set)
    except TreatyLedgerError as exc:
        raise CannotVerify(f"cannot verify without rule set {statement.rule_set}: {exc}") from None
    if rule_set.id != statement.rule_set:
        raise CannotVerify(f"--rules is rule set {rule_set.id}, the proof {statement.rule_set}")
    return {c.category: rule_set.limit_for(c.category, statement.as_of) for c in
            statement.categories}  # fmt: skip


def _fail(reason: str) -> typer.Exit:
    from rich.markup import escape

    err_console.print(f"[bold red]invalid:[/] {escape(reason)}", highlight=False, soft_wrap=True)
    return typer.Exit(INVALID)


def _categories(rule_set: RuleSet, names: list[str], as_of: dt.date) -> list[str]:
    if names:
        return names
    chosen = [c.id for c in rule_set.categories if rule_set.limit_for(c.id, as_of) is not None]
    if not chosen:
        raise CommandLineError(f"rule set {rule_set.id} has no limit in force on {as_of}")
    return chosen


def workspace_checkpoint(workspace: Path) -> Checkpoint:
    """The party log's current checkpoint (signed now if this size was not yet)."""
    from treatyledger.node.keys import log_signers
    from treatyledger.store import tlog_store
    from treatyledger.store.workspace import Workspace
    from treatyledger.tlog.checkpoint import origin_for_party
    from treatyledger.tlog.verifier import parse_checkpoint
    from treatyledger.zk.verifier import Checkpoint

    with Workspace.open(workspace) as ws:
        origin = origin_for_party(ws.party)
        with ws.engine.begin() as conn:
            tlog_store.ensure_log(conn, origin)
            note = tlog_store.publish_checkpoint(
                conn, origin, log_signers(ws.party, ws.signing_key, ws.mldsa_seed)
            )
    body = parse_checkpoint(note[: note.index("\n\n") + 1])
    return Checkpoint(body.origin, body.size, body.root)


def summary(proof: LimitProof) -> dict[str, Any]:
    statement = proof.statement
    checkpoint = statement.checkpoint
    return {
        "party": statement.party,
        "rule_set": statement.rule_set,
        "as_of": statement.as_of.isoformat(),
        "by": statement.by,
        "bits": statement.bits,
        "checkpoint": None if checkpoint is None else checkpoint.to_json(),
        "categories": [
            {"category": c.category, "limit": c.limit, "bases": len(c.bases)}
            for c in statement.categories
        ],
        "proof_bytes": proof.proof_bytes(),
    }


def _print_summary(data: dict[str, Any], verdict: str) -> None:
    checkpoint = data["checkpoint"]
    bound = "no log checkpoint"
    if checkpoint is not None:
        bound = f"checkpoint {checkpoint['origin']} size {checkpoint['size']}"
        bound += f" root {checkpoint['root']}"
    console.print(
        f"{data['party']} {data['rule_set']} as of {data['as_of']}, by {data['by']}, "
        f"{data['bits']}-bit ranges, bound to {bound}",
        highlight=False,
        soft_wrap=True,
    )
    for c in data["categories"]:
        console.print(
            f"  {c['category']}: {verdict} (limit {c['limit']:,}, {c['bases']} bases)",
            highlight=False,
        )


@zk_app.command("prove")
def prove_command(
    rules: str = typer.Option(..., "--rules", help="Built-in rule set name or rule-set TOML."),
    category: list[str] = typer.Option(
        [], "--category", help="Category to prove (repeatable; default: every limited one)."
    ),
    inventory: Path | None = typer.Option(None, "--inventory", help="Inventory file."),
    workspace: Path | None = workspace_option("Workspace to replay.", required=False),
    party: str = typer.Option(..., "--party", help="The party whose force is proven."),
    by: str = typer.Option("facility", "--by", help="Bases: facility or system_type."),
    as_of: str | None = typer.Option(None, "--as-of", help="Date YYYY-MM-DD (default today)."),
    bits: int = typer.Option(DEFAULT_BITS, "--bits", help="Bits k: values in [0, 2^k), 1..64."),
    out: Path = typer.Option(..., "--out", help="Write the proof document here."),
    secret: Path | None = typer.Option(
        None, "--secret", help="Write the secret here (default: OUT with .secret.json)."
    ),
    publish: bool = typer.Option(False, "--publish", help="Publish it in the workspace's log."),
    format: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
) -> None:
    """Prove every total within its limit without revealing a base; refuse an excess."""
    import secrets

    from treatyledger.cli.counting import load_inventory
    from treatyledger.files import load_catalog
    from treatyledger.zk.limits import prove_limits

    date = parse_date(as_of, "--as-of") or dt.datetime.now(dt.UTC).date()
    secret_path = secret or out.with_name(out.name.removesuffix(".json") + ".secret.json")
    for path in (out, secret_path):
        if path.exists():
            raise CommandLineError(f"{path} exists; expected a new file")
    if publish and workspace is None:
        raise CommandLineError("--publish needs --workspace")
    rule_set = load_checked_rule_set(rules)
    catalog = load_catalog()
    inv = load_inventory(inventory, catalog, workspace, date)
    checkpoint = None if workspace is None else workspace_checkpoint(workspace)
    with console.status("proving (Bulletproofs range proofs over every base)"):
        proof, kept = prove_limits(
            inventory=inv,
            rule_set=rule_set,
            catalog=catalog,
            party=party,
            categories=_categories(rule_set, category, date),
            as_of=date,
            random_bytes=secrets.token_bytes,
            by=by,
            bits=bits,
            checkpoint=checkpoint,
        )
    write_private(secret_path, json.dumps(kept.to_json()) + "\n")
    out.write_text(json.dumps(proof.to_json(), indent=1) + "\n")
    if publish:
        assert workspace is not None
        publish_proof(workspace, proof)
    data = summary(proof)
    if format is OutputFormat.JSON:
        print(json.dumps({**data, "proof": str(out), "secret": str(secret_path)}, indent=2))
        return
    _print_summary(data, "within the limit, proven")
    console.print(f"proof: {out}\nsecret: {secret_path} (keep private)", highlight=False)


def publish_proof(workspace: Path, proof: LimitProof) -> None:
    """Publish the proof as a zk_limit_proof notification of the workspace's party, then
    check it as any verifier would (bound to this log, limits from the rule set)."""
    from treatyledger.model.notifications import NotificationKind
    from treatyledger.store.publish import publish_neutral
    from treatyledger.store.workspace import Workspace
    from treatyledger.store.zk_store import builtin_limits, check_limit_proofs
    from treatyledger.zk.published import proof_payload
    from treatyledger.zk.verifier import LimitProofError

    with Workspace.open(workspace) as ws:
        if ws.party != proof.statement.party:
            raise CommandLineError(
                f"a proof of {proof.statement.party}; this workspace signs for {ws.party}"
            )
        ack, _ = publish_neutral(ws, NotificationKind.ZK_LIMIT_PROOF, proof_payload(proof))
        checks = check_limit_proofs(ws.engine, ws.party, builtin_limits)
    console.print(
        f"published as {ack.ref} (sequence {ack.sequence}), leaf {ack.leaf_index}",
        highlight=False,
    )
    for check in checks:
        if not check.valid:
            raise LimitProofError(f"published {check.party}#{check.sequence}: {check.reason}")


@zk_app.command("verify")
def verify_command(
    proof_file: Path = typer.Argument(..., help="The limit-proof document."),
    rules: str | None = typer.Option(
        None, "--rules", help="Rule-set TOML, if the document's rule set is not built in."
    ),
    format: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
) -> None:
    """Check a limit proof offline: 0 valid, 1 invalid (with the reason), 2 malformed."""
    from treatyledger.zk.verifier import LimitProofError, MalformedLimitProof, verify_limit_proof

    proof = read_limit_proof(proof_file)
    try:
        verify_limit_proof(proof, rule_set_limits(proof, rules))
    except MalformedLimitProof:
        raise
    except LimitProofError as exc:
        if format is OutputFormat.JSON:
            print(json.dumps({"valid": False, "reason": str(exc)}, indent=2))
            raise typer.Exit(INVALID) from None
        raise _fail(str(exc)) from None
    data = summary(proof)
    if format is OutputFormat.JSON:
        print(json.dumps({"valid": True, **data}, indent=2))
        return
    _print_summary(data, "within the limit, proven")


def _secret(path: Path) -> LimitSecret:
    from treatyledger.zk.limits import parse_secret

    return parse_secret(read_json(path))


@zk_app.command("open")
def open_command(
    secret: Path = typer.Option(..., "--secret", help="The secret written by zk prove."),
    base: str = typer.Option(..., "--base", help="The base (facility) to open."),
    category: list[str] = typer.Option([], "--category", help="Only these categories."),
    out: Path | None = typer.Option(None, "--out", help="Write the opening here, else print."),
) -> None:
    """Reveal one base's values and blinding factors to inspectors (JSON)."""
    opening = _secret(secret).open(base, category)
    text = json.dumps(opening.to_json(), indent=2)
    if out is None:
        print(text)
        return
    if out.exists():
        raise CommandLineError(f"{out} exists; expected a new file")
    out.write_text(text + "\n")
    console.print(f"opening of {base}: {out}", highlight=False)


@zk_app.command("verify-opening")
def verify_opening_command(
    proof_file: Path = typer.Option(..., "--proof", help="The published limit-proof document."),
    opening_file: Path = typer.Option(..., "--opening", help="The opening of one base."),
    found: list[str] = typer.Option(
        [], "--found", help="CATEGORY=N the inspectors counted at the base (repeatable)."
    ),
    rules: str | None = typer.Option(None, "--rules", help="Rule-set TOML, if not built in."),
    format: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", help="Output format."),
    record: bool = typer.Option(
        False,
        "--record",
        help="Store each contradiction as a compliance issue in the workspace (-w), raised by "
        "its party about the proof's party, with the commitment as evidence.",
    ),
    workspace: Path | None = typer.Option(
        None, "--workspace", "-w", envvar=WORKSPACE_ENV, help="The workspace for --record."
    ),
) -> None:
    """Check an opening against the proof's commitments (and the proof itself), and the
    inspectors' counts against it: 0 valid and matching, 1 invalid or a count contradicts
    the opened value (a compliance issue, with the commitment as evidence; stored in the
    workspace with --record), 2 malformed."""
    from rich.markup import escape

    from treatyledger.zk.findings import contradictions
    from treatyledger.zk.verifier import (
        LimitProofError,
        MalformedLimitProof,
        parse_opening,
        verify_limit_proof,
        verify_opening,
    )

    proof = read_limit_proof(proof_file)
    try:
        opening = parse_opening(read_json(opening_file))
    except MalformedLimitProof as exc:
        raise MalformedLimitProof(f"{opening_file}: {exc}") from None
    counted = _counts(found)
    try:
        verify_limit_proof(proof, rule_set_limits(proof, rules))
        values = verify_opening(proof.statement, opening)
        found_contradictions = contradictions(proof.statement, opening, counted)
    except MalformedLimitProof:
        raise
    except LimitProofError as exc:
        raise _fail(str(exc)) from None
    issues = [c.issue() for c in found_contradictions]
    if record:
        if workspace is None:
            raise CommandLineError("--record needs the workspace (-w/--workspace DIR)")
        ids = record_contradictions(workspace, found_contradictions)
        for issue, issue_id in zip(issues, ids, strict=True):
            issue["id"] = issue_id
    if format is OutputFormat.JSON:
        result = {"valid": True, "base": opening.base, "values": values, "issues": issues}
        print(json.dumps(result, indent=2))
    else:
        for name, value in values.items():
            console.print(f"{opening.base} {name}: {value} (opens the commitment)", highlight=False)
        for issue in issues:
            err_console.print(
                f"[bold red]compliance issue:[/] {escape(issue['message'])} (commitment "
                f"{issue['evidence']['commitment']})",
                highlight=False,
                soft_wrap=True,
            )
    if issues:
        raise typer.Exit(INVALID)


def _counts(found: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in found:
        name, sep, number = entry.partition("=")
        if not sep or not number.strip().isdigit():
            raise CommandLineError(f"--found: expected CATEGORY=N, found {entry!r}")
        counts[name.strip()] = int(number)
    return counts


def record_contradictions(workspace: Path, found: list[OpeningContradiction]) -> list[str]:
    """Each contradiction as a compliance issue in the workspace's store, raised by its party
    about the proof's party; the evidence is the commitment and the limit proof."""
    from treatyledger.inspect.consultation import CheckpointRef, IssueEvidence, LimitProofRef
    from treatyledger.inspect.findings import IssueKind
    from treatyledger.store.issue_store import raise_issue
    from treatyledger.store.workspace import Workspace

    ids = []
    with Workspace.open(workspace) as opened:
        for contradiction in found:
            issue = contradiction.issue()
            statement = contradiction.statement
            checkpoint = statement.checkpoint
            evidence = IssueEvidence(
                commitment=contradiction.commitment.hex(),
                limit_proof=LimitProofRef(
                    party=statement.party,
                    rule_set=statement.rule_set,
                    as_of=statement.as_of.isoformat(),
                    checkpoint=None
                    if checkpoint is None
                    else CheckpointRef.model_validate(checkpoint.to_json()),
                ),
            )
            stored = raise_issue(
                opened.engine,
                origin=opened.party,
                party=contradiction.party,
                raised_by=opened.party,
                by=f"zk verify-opening ({opened.party})",
                message=issue["message"],
                kind=IssueKind.OPENED_VALUE_MISMATCH,
                site=contradiction.base,
                expected=issue["expected"],
                found=issue["found"],
                evidence=evidence,
            )
            ids.append(stored.id)
    return ids

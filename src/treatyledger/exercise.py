"""A full treaty cycle between two party nodes, unattended: the demo's main section.

Two workspaces (US, RU) under one output directory, SQLite each; the parties exchange public
keys; each node is served on loopback with the other party as its ``peer`` principal (with the
other party's cosigner key) and an ``observer``. Each party's 2011 New START baseline, sized
from the official aggregates, and its reductions to 2018 are generated as notifications
(``treatyledger.ledger.synthetic``), signed with the party key and submitted to its own node.
Then each party syncs the other's node: verifies the checkpoint signature, the consistency
with what it held, every entry's inclusion proof, replays the notifications into its mirror,
counts them and cosigns. On each data date with the limits in force, each party also
publishes a zero-knowledge proof that its totals are within them (``treatyledger.zk``,
committed per facility, bound to its log checkpoint), which the other party's sync checks.
The counts each party verified, at every data date, are compared
with the official aggregates and the limits; a short HTML summary is written. The servers stop
on exit whatever happens.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from treatyledger.files import load_catalog, load_rule_set
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger import sign
from treatyledger.ledger.synthetic import AggregatePoint, synthetic_stream
from treatyledger.model.catalog import Catalog
from treatyledger.model.notifications import Notification, NotificationKind
from treatyledger.node.app import create_app
from treatyledger.node.auth import Role, add_principal
from treatyledger.node.context import NodeContext
from treatyledger.node.keys import cosigner_vkey
from treatyledger.node.peer import SyncReport, sync_peer
from treatyledger.node.server import RunningNode, serve_in_thread
from treatyledger.node.submission import submission_body
from treatyledger.node.views import final_limits, party_records, series, treaty
from treatyledger.report.summary import (
    CATEGORIES,
    CheckpointSummary,
    DataDateRow,
    write_summary,
)
from treatyledger.store.ledger_reads import workspace_inventory
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.verifier import parse_checkpoint
from treatyledger.zk.limits import prove_limits
from treatyledger.zk.published import proof_payload
from treatyledger.zk.verifier import Checkpoint as ZkCheckpoint

PARTIES = ("US", "RU")
RULES = "new-start"
UNTIL = date(2018, 9, 1)  # the first data date after the central limits bound (2018-02-05)
BATCH = 250
MAX_BODY_BYTES = 8 << 20  # the baseline declaration lists a whole force in one notification


@dataclass
class ExerciseResult:
    rows: list[DataDateRow]
    checkpoints: list[CheckpointSummary]
    syncs: dict[str, SyncReport]
    notifications: dict[str, int]
    summary_path: Path
    limits: dict[str, int]
    binding_from: date
    #: party -> the observer view's compliance entries as of ``until`` (aggregates only)
    public: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def all_match(self) -> bool:
        return all(row.matches is not False for row in self.rows)


@dataclass
class _Node:
    workspace: Workspace
    running: RunningNode
    owner: str
    peer: str  # the token the other party uses on this node
    observer: str


def _other(party: str) -> str:
    return PARTIES[1 - PARTIES.index(party)]


def _points(party: str, until: date) -> list[AggregatePoint]:
    return [p for p in read_new_start_aggregates(party=party) if p.date <= until]


def run_exercise(
    out: Path,
    *,
    until: date = UNTIL,
    seed: int = 2011,
    say: Callable[[str], None] = print,
) -> ExerciseResult:
    """Run the cycle into ``out`` (its ``us``/``ru`` workspaces are replaced)."""
    began = time.perf_counter()
    timings: dict[str, float] = {}
    out.mkdir(parents=True, exist_ok=True)
    for party in PARTIES:
        shutil.rmtree(out / party.lower(), ignore_errors=True)
    catalog = load_catalog()
    workspaces = {p: Workspace.init(out / p.lower(), p, rules=RULES) for p in PARTIES}
    nodes: dict[str, _Node] = {}
    try:
        for party in PARTIES:  # keys are exchanged out of band, once
            other = workspaces[_other(party)]
            workspaces[party].register_party_key(other.party, other.public_key)
        for party, workspace in workspaces.items():
            other = workspaces[_other(party)]
            owner = add_principal(workspace.engine, f"{party.lower()}-office", Role.OWNER)
            peer = add_principal(
                workspace.engine,
                f"{other.party.lower()}-office",
                Role.PEER,
                vkey=str(cosigner_vkey(other.party, other.public_key)),
            )
            observer = add_principal(workspace.engine, "public", Role.OBSERVER)
            context = NodeContext.from_workspace(workspace, max_body_bytes=MAX_BODY_BYTES)
            running = serve_in_thread(create_app(context))
            nodes[party] = _Node(workspace, running, owner, peer, observer)
            say(f"{party} node serving on {running.url} (workspace {workspace.path})")
        timings["start"] = time.perf_counter() - began

        counts: dict[str, int] = {}
        points = {p: _points(p, until) for p in PARTIES}
        for party, node in nodes.items():
            records = synthetic_stream(party, points[party], catalog, random.Random(seed))
            signing_key = node.workspace.signing_key
            signed = [
                sign(Notification.model_validate(r), signing_key).to_json_dict() for r in records
            ]
            counts[party] = _submit(node, signed)
            say(
                f"{party}: {counts[party]:,} notifications from {points[party][0].date} to "
                f"{points[party][-1].date} signed, submitted and acknowledged"
            )
        timings["notify"] = time.perf_counter() - began

        for party, node in nodes.items():
            dates = [p.date for p in points[party]]
            published = _publish_limit_proofs(node, dates, counts[party] + 1, catalog)
            counts[party] += len(published)
            say(
                f"{party}: zero-knowledge limit proofs published for "
                f"{', '.join(d.isoformat() for d in published) or 'no date (no limit in force)'}"
            )
        timings["limit_proofs"] = time.perf_counter() - began

        syncs: dict[str, SyncReport] = {}
        for verifier in PARTIES:
            subject = _other(verifier)
            report = sync_peer(
                workspaces[verifier], nodes[subject].running.url, nodes[subject].peer
            )
            syncs[verifier] = report
            say(
                f"{verifier} verified {subject}'s log: {report.size:,} entries, every proof "
                f"checked, {report.replayed:,} notifications replayed, checkpoint cosigned"
            )
            for check in report.limit_proofs:
                verdict = "within the limit, proven" if check.valid else f"INVALID ({check.reason})"
                say(
                    f"{verifier} checked {subject}'s limit proof as of {check.as_of} (bound to "
                    f"checkpoint size {check.checkpoint_size}): {verdict}"
                )
        timings["sync"] = time.perf_counter() - began

        rows: list[DataDateRow] = []
        for subject in PARTIES:
            verifier = _other(subject)
            the_treaty = treaty(workspaces[verifier].engine, RULES)
            # the counts the OTHER party computed from its verified mirror
            mirror = party_records(workspaces[verifier].engine, subject)
            official = {p.date: p for p in points[subject]}
            dates = sorted(official)
            for when, totals in series(mirror, the_treaty, subject, dates):
                point = official[when]
                rows.append(
                    DataDateRow(
                        data_date=when,
                        party=subject,
                        counted={cid: totals.get(cid, 0) for cid, _ in CATEGORIES},
                        official={
                            "deployed_delivery_vehicles": point.deployed_delivery_vehicles,
                            "deployed_warheads": point.deployed_warheads,
                            "deployed_and_nondeployed_launchers": (
                                point.deployed_and_nondeployed_launchers
                            ),
                        },
                    )
                )
        checkpoints = [_checkpoint(party, node) for party, node in nodes.items()]
        public = {party: _public(node, until) for party, node in nodes.items()}
        central = final_limits(the_treaty.rule_set)  # New START's 700 / 1,550 / 800
        limits = {cid: central[cid].value for cid, _ in CATEGORIES}
        binding_from = min(central[cid].from_ for cid, _ in CATEGORIES)
        summary_path = write_summary(
            out / "summary.html",
            rows,
            limits,
            binding_from,
            checkpoints,
            sources=(
                "Official figures: New START aggregate numbers (State Department fact sheets "
                "and the Russian MFA, via the reprints cited per row in "
                "src/treatyledger/data/reference/new_start_aggregates.csv). Force mixes per "
                "system type are assumptions (treatyledger.ledger.synthetic)."
            ),
        )
        timings["total"] = time.perf_counter() - began
        return ExerciseResult(
            rows=rows,
            checkpoints=checkpoints,
            syncs=syncs,
            notifications=counts,
            summary_path=summary_path,
            limits=limits,
            binding_from=binding_from,
            public=public,
            timings=timings,
        )
    finally:
        for node in nodes.values():
            node.running.stop()
        for workspace in workspaces.values():
            workspace.close()


def _publish_limit_proofs(
    node: _Node, dates: list[date], first_sequence: int, catalog: Catalog
) -> list[date]:
    """On each data date with every limit in force, prove the party's totals within them
    (per facility, bound to the node's current checkpoint) and publish the proof in its log.
    The proof documents and their secrets (0600) are kept in the workspace's ``zk`` folder."""
    rule_set = load_rule_set(RULES)
    party = node.workspace.party
    categories = [cid for cid, _ in CATEGORIES]
    due = [d for d in dates if all(rule_set.limit_for(c, d) is not None for c in categories)]
    folder = node.workspace.path / "zk"
    for offset, when in enumerate(due):
        headers = {"Authorization": f"Bearer {node.observer}"}
        with httpx.Client(base_url=node.running.url, headers=headers, timeout=30) as client:
            note = client.get("/v1/log/checkpoint").json()["note"]
        body = parse_checkpoint(note[: note.index("\n\n") + 1])
        proof, kept = prove_limits(
            inventory=workspace_inventory(node.workspace.path, when, catalog, party),
            rule_set=rule_set,
            catalog=catalog,
            party=party,
            categories=categories,
            as_of=when,
            random_bytes=secrets.token_bytes,
            checkpoint=ZkCheckpoint(body.origin, body.size, body.root),
        )
        folder.mkdir(exist_ok=True)
        (folder / f"limit-proof-{when}.json").write_text(json.dumps(proof.to_json()) + "\n")
        secret_path = folder / f"limit-proof-{when}.secret.json"
        fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(json.dumps(kept.to_json()) + "\n")
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        record = {
            "party": party,
            "sequence": first_sequence + offset,
            "kind": NotificationKind.ZK_LIMIT_PROOF.value,
            "effective_time": stamp,
            "issued_time": stamp,
            "payload": proof_payload(proof),
        }
        signed = sign(Notification.model_validate(record), node.workspace.signing_key)
        _submit(node, [signed.to_json_dict()])
    return due


def _submit(node: _Node, signed: list[dict[str, Any]]) -> int:
    accepted = 0
    headers = {"Authorization": f"Bearer {node.owner}"}
    with httpx.Client(base_url=node.running.url, headers=headers, timeout=120) as client:
        for start in range(0, len(signed), BATCH):
            response = client.post(
                "/v1/notifications",
                content=submission_body(signed[start : start + BATCH]),
                headers={"Content-Type": "application/json"},
            )
            response.raise_for_status()
            body = response.json()
            if body["rejected"]:
                first = next(r for r in body["results"] if r["status"] == "rejected")
                raise RuntimeError(f"{first['party']}#{first['sequence']}: {first['error']}")
            accepted += body["accepted"]
    return accepted


def _public(node: _Node, until: date) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {node.observer}"}
    with httpx.Client(base_url=node.running.url, headers=headers, timeout=30) as client:
        body = client.get("/v1/public/summary", params={"as_of": until.isoformat()}).json()
    compliance: list[dict[str, Any]] = body["compliance"]
    return compliance


def _checkpoint(party: str, node: _Node) -> CheckpointSummary:
    headers = {"Authorization": f"Bearer {node.observer}"}
    with httpx.Client(base_url=node.running.url, headers=headers, timeout=30) as client:
        body = client.get("/v1/log/checkpoint").json()
    return CheckpointSummary(
        party=party,
        origin=body["origin"],
        size=body["size"],
        root=body["root"],
        cosigners=tuple(c["name"] for c in body["cosignatures"]),
    )


def print_exercise(console: Any, result: ExerciseResult) -> None:
    """The exercise's outcome as a Rich table: per data date, each party's counts as the
    other party verified them, beside the official aggregates and the limits."""
    from rich.table import Table

    table = Table(
        "data date",
        "party",
        *(cid.replace("_", " ") for cid, _ in CATEGORIES),
        "vs official",
        title="New START, 2011-2018: counted by the other party from its verified mirror "
        "/ official aggregate (a reproduction of the input: the streams are generated from "
        "these aggregates)",
    )
    for row in sorted(result.rows, key=lambda r: (r.data_date, r.party)):
        cells = []
        for cid, _ in CATEGORIES:
            counted = row.counted[cid]
            official = None if row.official is None else row.official[cid]
            text = f"{counted:,}" if official is None else f"{counted:,} / {official:,}"
            if row.data_date >= result.binding_from and counted > result.limits[cid]:
                text = f"[bold red]{text}[/]"
            cells.append(text)
        verdict = {True: "[green]matches[/]", False: "[bold red]DIFFERS[/]", None: ""}
        table.add_row(row.data_date.isoformat(), row.party, *cells, verdict[row.matches])
    table.add_section()
    table.add_row(
        "limits",
        f"from {result.binding_from.isoformat()}",
        *(f"{result.limits[cid]:,}" for cid, _ in CATEGORIES),
        "",
    )
    console.print(table)
    console.print(
        "What the match proves: the notifications, signatures, logs, mirroring and counting "
        "carry the numbers through unchanged. It is not evidence about the forces: each "
        "stream was generated to give these aggregates (ledger.synthetic). Independent "
        "evidence is the item-level force section above.",
        highlight=False,
    )
    for party, compliance in result.public.items():
        verdicts = ", ".join(
            f"{c['category']} {c['total']:,}/{c['limit']:,} "
            + {True: "within", False: "OVER", None: "not yet binding"}[c["within_limit"]]
            for c in compliance
        )
        console.print(f"{party} node's public view (observer token): {verdicts}", highlight=False)
    for verifier, report in result.syncs.items():
        for check in report.limit_proofs:
            outcome = "within the limit, proven" if check.valid else f"INVALID: {check.reason}"
            console.print(
                f"{verifier} verified {check.party}'s zero-knowledge limit proof as of "
                f"{check.as_of} (no base revealed; bound to checkpoint size "
                f"{check.checkpoint_size}): {outcome}",
                highlight=False,
            )
    for checkpoint in result.checkpoints:
        console.print(
            f"{checkpoint.origin}: checkpoint of {checkpoint.size:,} entries, root "
            f"{checkpoint.root}, cosigned by {', '.join(checkpoint.cosigners) or 'nobody'}",
            highlight=False,
        )
    console.print(
        f"HTML summary with the deployed-warheads plot: {result.summary_path} "
        f"(exercise took {result.timings.get('total', 0):.0f} s; servers stopped)",
        highlight=False,
    )

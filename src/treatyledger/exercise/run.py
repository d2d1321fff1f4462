"""The decade exercise, unattended: New START from the 2011-02-05 baseline to the expiry on
2026-02-05 between two party nodes.

Phases (each timed): *generation* (both parties' streams, ``ledger.decade``, signed with each
party's key), *notify* (each stream submitted to its own node over HTTP), *limit proofs*
(zero-knowledge proofs that the totals are within the limits, published in each log), *sync*
(each party verifies and mirrors the other's log: checkpoint signature, consistency, every
inclusion proof, replay, count, cosignature), *counts* (what each party verified of the other
at every data date, beside the official figures and the limits) and *reports*. The servers
stop in a ``finally`` unless ``serve`` asks to keep them (``make demo SERVE=1``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from treatyledger.exercise.evidence import BundleCheck, push_checkpoints, write_bundles
from treatyledger.exercise.independent import (
    IndependentCheck,
    per_type_checks,
    per_type_date,
    volume_checks,
)
from treatyledger.exercise.inspections import (
    CheatingOutcome,
    InspectionSummary,
    cheating_outcome,
    submit_findings,
)
from treatyledger.exercise.nodes import RULES, Nodes, PartyNode
from treatyledger.exercise.plan import PARTIES, Exercise, play, signed_records
from treatyledger.exercise.verified import CATEGORY_IDS, VerifiedRow, verified_rows
from treatyledger.files import load_catalog, load_rule_set
from treatyledger.inspect.cursor import DeclaredCursor
from treatyledger.ledger import policy_from_rule_set, sign
from treatyledger.ledger.decade import DecadeStream
from treatyledger.model.notifications import Notification, NotificationKind
from treatyledger.node.peer import SyncReport, sync_peer
from treatyledger.node.views import final_limits, party_records
from treatyledger.report.summary import CheckpointSummary
from treatyledger.tlog.verifier import parse_checkpoint
from treatyledger.zk.limits import prove_limits
from treatyledger.zk.published import proof_payload
from treatyledger.zk.verifier import Checkpoint as ZkCheckpoint


@dataclass
class ExerciseResult:
    """What the exercise did, filled in phase by phase."""

    out: Path
    exercise: Exercise
    rows: list[VerifiedRow] = field(default_factory=list)
    checkpoints: list[CheckpointSummary] = field(default_factory=list)
    syncs: dict[str, SyncReport] = field(default_factory=dict)
    #: party -> notifications acknowledged by its node
    notifications: dict[str, int] = field(default_factory=dict)
    summary_path: Path | None = None
    #: the central limits and the day they bind
    limits: dict[str, int] = field(default_factory=dict)
    binding_from: date | None = None
    #: party -> the observer view's compliance entries at the party's last data date
    public: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    #: party -> URL, when the nodes were left serving
    serving: dict[str, str] = field(default_factory=dict)
    nodes: Nodes | None = None
    inspections: InspectionSummary = field(default_factory=InspectionSummary)
    cheating: CheatingOutcome | None = None
    #: party -> the checkpoint sizes the witness node cosigned
    witnessed: dict[str, list[int]] = field(default_factory=dict)
    bundles: list[BundleCheck] = field(default_factory=list)
    #: official figures the streams were not generated from, beside what was generated
    independent: list[IndependentCheck] = field(default_factory=list)

    @property
    def streams(self) -> dict[str, DecadeStream]:
        return self.exercise.streams

    def close(self) -> None:
        """Stop the nodes left serving (``serve=True``)."""
        if self.nodes is not None:
            self.nodes.close()
            self.nodes = None

    @property
    def all_match(self) -> bool:
        return all(row.matches is not False for row in self.rows)

    @property
    def ok(self) -> bool:
        """Every verified count equals its official figure and every node's reconciliation
        of a finding agrees with the exercise's and every evidence bundle verifies."""
        bundles = bool(self.bundles) and all(b.valid for b in self.bundles)
        return self.all_match and not self.inspections.disagreements and bundles

    @property
    def official_rows(self) -> int:
        return sum(1 for row in self.rows if row.matches is not None)


def _cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


class _Clock:
    """Wall time per phase, and the CPU time of the process and the processes it waited for
    (the nodes run in this process's threads, so it covers them too: on a loaded machine the
    CPU time is the fairer figure)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._last = (time.perf_counter(), _cpu())
        self._began = self._last

    def lap(self, phase: str) -> None:
        now = (time.perf_counter(), _cpu())
        self.timings[phase] = self.timings.get(phase, 0.0) + now[0] - self._last[0]
        self.cpu[phase] = self.cpu.get(phase, 0.0) + now[1] - self._last[1]
        self._last = now

    def total(self) -> None:
        self.timings["total"] = time.perf_counter() - self._began[0]
        self.cpu["total"] = _cpu() - self._began[1]


def run_exercise(
    out: Path,
    *,
    until: date | None = None,
    seed: int = 2011,
    volume: float = 1.0,
    cheater: bool = True,
    serve: bool = False,
    say: Callable[[str], None] = print,
) -> ExerciseResult:
    """Run the exercise into ``out`` (its party workspaces are replaced). ``until`` cuts the
    treaty short (tests), ``volume`` scales the routine operations, ``cheater`` has one party
    (drawn from ``seed``) cheat for part of the treaty."""
    clock = _Clock()
    exercise = play(RULES, seed, until=until, volume=volume, cheater=cheater)
    nodes = Nodes(out, PARTIES)
    nodes.create()
    streams = exercise.streams
    signed = {p: signed_records(streams[p], nodes[p].workspace.signing_key) for p in PARTIES}
    result = ExerciseResult(out=out, exercise=exercise)
    clock.lap("generation")
    keep = False  # the nodes keep serving only when asked, and only after a run that worked
    try:
        nodes.start()
        for party in PARTIES:
            node = nodes[party]
            say(f"{party} node serving on {node.url} (workspace {node.workspace.path})")
        _notify(nodes, result, signed, say)
        clock.lap("notify")
        _witness(nodes, result, say)
        _limit_proofs(nodes, result, say)
        clock.lap("limit_proofs")
        result.syncs = _sync(nodes, say)
        clock.lap("sync")
        _witness(nodes, result, say)
        clock.lap("witness")
        result.inspections = submit_findings(nodes, exercise.campaign, say)
        result.cheating = cheating_outcome(exercise.campaign)
        clock.lap("inspections")
        result.bundles = _bundles(nodes, result, say)
        clock.lap("evidence")
        _count(nodes, result, until)
        clock.lap("counts")
        _reports(result, nodes)
        clock.lap("reports")
        if serve:
            result.serving = {p: nodes[p].url for p in PARTIES}
            result.nodes = nodes
            for party in PARTIES:  # the party pages need a login: the owner's token
                node = nodes[party]
                _write_secret(node.workspace.path / "owner.token", node.tokens["owner"])
        clock.total()
        result.timings, result.cpu = clock.timings, clock.cpu
        keep = serve
        return result
    finally:
        if not keep:
            nodes.close()


def _notify(
    nodes: Nodes, result: ExerciseResult, signed: dict[str, list[Any]], say: Callable[[str], None]
) -> None:
    for party in PARTIES:
        result.notifications[party] = nodes[party].submit(signed[party])
        calendar = result.streams[party].calendar
        say(
            f"{party}: {result.notifications[party]:,} notifications from "
            f"{calendar.points[0].date} to {calendar.stops} signed, submitted and acknowledged "
            f"({calendar.stop_reason})"
        )


def _witness(nodes: Nodes, result: ExerciseResult, say: Callable[[str], None]) -> None:
    for party, size in push_checkpoints(nodes, say).items():
        result.witnessed.setdefault(party, []).append(size)


def _bundles(nodes: Nodes, result: ExerciseResult, say: Callable[[str], None]) -> list[BundleCheck]:
    """Per party: its baseline declaration, regime notes and limit proofs, and its
    inspection records that raised issues with the first few clean ones."""
    sequences, inspections = {}, {}
    for party, stream in result.streams.items():
        notes = [r["sequence"] for r in stream.records if r["kind"] == "regime_status"]
        proofs = range(len(stream.records) + 1, result.notifications[party] + 1)
        sequences[party] = [1, *notes, *proofs]
        mine = [o for o in result.exercise.campaign.outcomes if o.planned.inspected == party]
        chosen = [o for o in mine if o.issues] + [o for o in mine if not o.issues][:3]
        inspections[party] = [o.record.id for o in chosen]
    checks = write_bundles(nodes, result.out / "evidence", sequences, inspections)
    for check in checks:
        answer = check.answer
        verdict = (
            f"valid: {len(answer.get('entries', []))} notifications of {answer.get('origin')} "
            f"under the checkpoint of size {answer.get('size'):,}, cosigned by "
            f"{', '.join(answer.get('cosigners', []))}"
            if check.valid
            else f"INVALID: {answer.get('error')}"
        )
        say(f"{check.party}'s evidence bundle {check.bundle}, standalone verifier: {verdict}")
    return checks


def _limit_proofs(nodes: Nodes, result: ExerciseResult, say: Callable[[str], None]) -> None:
    for party in PARTIES:
        first = result.notifications[party] + 1
        published = _publish_limit_proofs(nodes[party], result.streams[party], first)
        result.notifications[party] += len(published)
        say(
            f"{party}: zero-knowledge limit proofs published for "
            f"{', '.join(d.isoformat() for d in published) or 'no date (no limit in force)'}"
        )


def _count(nodes: Nodes, result: ExerciseResult, until: date | None) -> None:
    """What each party verified of the other at every data date, and the public views."""
    rule_set = load_rule_set(RULES)
    expires = rule_set.treaty.expires
    assert expires is not None
    first = result.streams["US"].calendar.points[0].date
    planned = {p.date for s in result.streams.values() for p in s.calendar.points}
    dates = sorted({*rule_set.data_dates(first, until or expires), *planned})
    for subject in PARTIES:
        verifier = nodes.other(subject)
        result.rows += verified_rows(
            nodes[verifier].workspace.engine,
            verifier,
            subject,
            result.streams[subject].calendar,
            dates,
            RULES,
        )
    end = until or expires
    mirrored = party_records(nodes["RU"].workspace.engine, "US")  # Russia's mirror of the US log
    per_type = per_type_checks(mirrored, RULES) if per_type_date() <= end else []
    result.independent = [*per_type, *volume_checks(result.streams, end)]
    result.checkpoints = [_checkpoint(node) for node in nodes.nodes.values()]
    result.public = {
        p: _public(nodes[p], result.streams[p].calendar.points[-1].date) for p in PARTIES
    }
    central = final_limits(rule_set)
    result.limits = {cid: central[cid].value for cid in CATEGORY_IDS}
    result.binding_from = min(central[cid].from_ for cid in CATEGORY_IDS)


def _reports(result: ExerciseResult, nodes: Nodes) -> None:
    """``exercise.json`` (what only the exercise knows: how each figure was generated, the
    cheat, every inspection, the bundles), then the verification report of the US
    workspace (its own log and its verified mirror of Russia's) with the dashboard's static
    pages beside it."""
    from treatyledger.report.verification import write_report

    document = exercise_document(result)
    (result.out / "exercise.json").write_text(json.dumps(document, indent=1) + "\n")
    report = result.out / "report"
    shutil.rmtree(report, ignore_errors=True)
    write_report(nodes["US"].workspace, report, exercise=document)
    result.summary_path = report / "index.html"


def exercise_document(result: ExerciseResult) -> dict[str, Any]:
    outcomes = result.exercise.campaign.outcomes
    return {
        "rows": [r.to_json_dict() for r in result.rows],
        "independent": [c.to_json_dict() for c in result.independent],
        "cheating": result.cheating.to_json_dict() if result.cheating else None,
        "bundles": [
            {
                "party": b.party,
                "bundle": str(b.bundle.relative_to(result.out)),
                "valid": b.valid,
                "answer": b.answer,
                "commands": list(b.commands),
            }
            for b in result.bundles
        ],
        "witnessed": result.witnessed,
        "inspections": {
            "submitted": result.inspections.submitted,
            "issues": result.inspections.issues,
            "by_type": result.inspections.by_type,
            "disagreements": result.inspections.disagreements,
        },
        "inspection_list": [
            {
                "id": o.planned.id,
                "date": o.planned.arrival.date().isoformat(),
                "type": o.planned.inspection_type,
                "inspecting": o.planned.inspecting,
                "inspected": o.planned.inspected,
                "site": o.record.site,
                "issues": [i.message for i in o.issues],
                "miss": o.miss,
            }
            for o in outcomes
        ],
    }


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")


def _sync(nodes: Nodes, say: Callable[[str], None]) -> dict[str, SyncReport]:
    syncs: dict[str, SyncReport] = {}
    for verifier in nodes.parties:
        subject = nodes.other(verifier)
        report = sync_peer(
            nodes[verifier].workspace, nodes[subject].url, nodes[subject].tokens["peer"]
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
    return syncs


def _limit_proof_dates(stream: DecadeStream) -> list[date]:
    """Every data date of the party's on which the central limits are in force (issue 15: a
    proof per party per data date; the cursor advances once through the stream, so each
    proof costs its own proving, not a replay)."""
    rule_set = load_rule_set(RULES)
    return sorted(
        {
            p.date
            for p in stream.calendar.points
            if all(rule_set.limit_for(c, p.date) is not None for c in CATEGORY_IDS)
        }
    )


def _publish_limit_proofs(node: PartyNode, stream: DecadeStream, first_sequence: int) -> list[date]:
    """Prove the party's totals within the limits (per facility, bound to the node's current
    checkpoint) and publish each proof in its log; the proofs and their secrets (0600) are
    kept in the workspace's ``zk`` folder."""
    rule_set = load_rule_set(RULES)
    catalog = load_catalog()
    party = node.party
    due = _limit_proof_dates(stream)
    cursor = DeclaredCursor(policy_from_rule_set(rule_set, catalog), party, stream.records)
    folder = node.workspace.path / "zk"
    for offset, when in enumerate(due):
        note = node.get("observer", "/v1/log/checkpoint")["note"]
        body = parse_checkpoint(note[: note.index("\n\n") + 1])
        cursor.advance(datetime.combine(when, datetime.max.time(), tzinfo=UTC))
        proof, kept = prove_limits(
            inventory=cursor.inventory(),
            rule_set=rule_set,
            catalog=catalog,
            party=party,
            categories=list(CATEGORY_IDS),
            as_of=when,
            random_bytes=secrets.token_bytes,
            checkpoint=ZkCheckpoint(body.origin, body.size, body.root),
        )
        folder.mkdir(exist_ok=True)
        (folder / f"limit-proof-{when}.json").write_text(json.dumps(proof.to_json()) + "\n")
        _write_secret(folder / f"limit-proof-{when}.secret.json", json.dumps(kept.to_json()))
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
        node.submit([signed.to_json_dict()])
    return due


def _public(node: PartyNode, as_of: date) -> list[dict[str, Any]]:
    compliance: list[dict[str, Any]] = node.get(
        "observer", "/v1/public/summary", as_of=as_of.isoformat()
    )["compliance"]
    return compliance


def _checkpoint(node: PartyNode) -> CheckpointSummary:
    body = node.get("observer", "/v1/log/checkpoint")
    return CheckpointSummary(
        party=node.party,
        origin=body["origin"],
        size=body["size"],
        root=body["root"],
        cosigners=tuple(c["name"] for c in body["cosignatures"]),
    )

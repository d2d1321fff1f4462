"""The owner's view of the other party's log (sync state, what this node mirrored and
cosigned, fork evidence found and re-verified) and the alerts every party page shows: a
total over the limit in force, a fork of the other party's log, a database overdue on the
data-exchange calendar."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from treatyledger.node.auth import Role
from treatyledger.node.context import NodeContext
from treatyledger.node.keys import log_vkey
from treatyledger.node.views import treaty
from treatyledger.report.dashboard import counted
from treatyledger.report.dashboard.calendar_view import overdue_messages
from treatyledger.store.ledger_reads import records_version
from treatyledger.store.peer_sync import load_peer_sync
from treatyledger.store.workspace import all_party_keys
from treatyledger.tlog.checkpoint import origin_for_party
from treatyledger.tlog.note import parse_note
from treatyledger.tlog.verifier import (
    VerificationError,
    VerifierKey,
    parse_checkpoint,
    verify_evidence,
)

#: evidence files looked at, newest first (a flood of files must not stall a page)
MAX_EVIDENCE_FILES = 20
EVIDENCE_GLOB = "equivocation-*.json"


@dataclass(frozen=True)
class Evidence:
    name: str
    verified: bool
    detail: str


@dataclass(frozen=True)
class PeerLogStatus:
    party: str
    origin: str
    peer_url: str | None
    trusted_size: int
    trusted_root: str | None
    checkpoint: str | None
    mirrored: int
    pending_size: int | None
    notifications: int
    evidence: list[Evidence]

    @property
    def synced(self) -> bool:
        return self.checkpoint is not None

    @property
    def forked(self) -> bool:
        return any(e.verified for e in self.evidence)


def peer_statuses(node: NodeContext, parties: list[str]) -> list[PeerLogStatus]:
    """Per other party in ``parties``: what this node verified and mirrored of its log."""
    return [_peer_status(node, party) for party in parties if party != node.party]


def _peer_status(node: NodeContext, party: str) -> PeerLogStatus:
    origin = origin_for_party(party)
    state = load_peer_sync(node.engine, origin)
    count, _last = records_version(node.engine, party)
    pending_size = None
    if state is not None and state.pending:
        try:
            pending_size = parse_checkpoint(parse_note(state.pending).text).size
        except (VerificationError, ValueError):
            pending_size = None
    return PeerLogStatus(
        party=party,
        origin=origin,
        peer_url=state.peer_url if state else None,
        trusted_size=state.size if state else 0,
        trusted_root=(
            base64.b64encode(state.root_hash).decode() if state and state.root_hash else None
        ),
        checkpoint=state.checkpoint if state else None,
        mirrored=state.mirrored if state else 0,
        pending_size=pending_size,
        notifications=count,
        evidence=_evidence(node, party),
    )


def _evidence(node: NodeContext, party: str) -> list[Evidence]:
    """Equivocation evidence for ``party``'s log in the workspace, each re-verified against
    the party's registered keys (a file in the directory proves nothing by being there)."""
    if node.workspace_path is None:
        return []
    safe = origin_for_party(party).replace("/", "_").replace(":", "_")
    home = Path(node.workspace_path)
    files = sorted(home.glob(f"equivocation-{safe}-*.json"), reverse=True)[:MAX_EVIDENCE_FILES]
    if not files:
        return []
    keys = [log_vkey(party, key) for key in all_party_keys(node.engine).get(party, [])]
    found = []
    for path in files:
        found.append(_check(path, keys))
    return found


def _check(path: Path, keys: list[VerifierKey]) -> Evidence:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Evidence(path.name, False, f"unreadable: {exc.strerror}")
    reasons = []
    for key in keys:
        try:
            summary = verify_evidence(data, key)
        except VerificationError as exc:
            reasons.append(str(exc))
            continue
        return Evidence(path.name, True, summary.reason)
    return Evidence(path.name, False, reasons[0] if reasons else "no registered key")


# -- alerts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    kind: str  # over-limit, fork, overdue
    party: str
    message: str
    page: str  # where to look


def alerts(node: NodeContext, parties: list[str], role: Role, as_of: date) -> list[Alert]:
    found = _over_limit(node, parties, as_of)
    found.extend(
        Alert("overdue", who, message, "calendar")
        for who, message in overdue_messages(node, parties, as_of)
    )
    if role is Role.OWNER:
        for status in peer_statuses(node, parties):
            if status.forked:
                found.append(
                    Alert(
                        "fork",
                        status.party,
                        f"{status.party}'s log {status.origin} forked: verified equivocation "
                        "evidence in the workspace; the sync stopped at the last consistent "
                        "checkpoint",
                        "sync",
                    )
                )
    return found


def _over_limit(node: NodeContext, parties: list[str], as_of: date) -> list[Alert]:
    current = treaty(node.engine, node.rules)
    found = []
    for party in parties:
        version = records_version(node.engine, party)
        if version[0] == 0:
            continue
        totals = counted.counted_at(node, current, party, [as_of], version, keep=False)[as_of]
        for category in current.rule_set.categories:
            limit = current.rule_set.limit_in_force(category.id, as_of)
            total = totals.get(category.id, 0)
            if limit is not None and total > limit.value:
                found.append(
                    Alert(
                        "over-limit",
                        party,
                        f"{party}: {category.name} {total:,} on {as_of.isoformat()}, over the "
                        f"limit of {limit.value:,} by {total - limit.value:,}",
                        "forces",
                    )
                )
    return found

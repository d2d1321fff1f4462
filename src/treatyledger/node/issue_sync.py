"""Taking the other party's node's compliance issues: every issue it holds (raised there by
either party, or found by inspections of its party) is merged into this workspace's store
(``store.issue_store.merge_issues``): new issues are added, known ones gain the events they
lack, so both nodes end with the same events and statuses. An event the peer claims was
recorded on this node but this node does not hold is refused, as is a copy that disagrees
with this node's on an issue's content."""

from __future__ import annotations

from dataclasses import dataclass

from treatyledger.inspect.consultation import ComplianceIssueRecord
from treatyledger.node.errors import PeerError
from treatyledger.node.peer_client import PeerClient
from treatyledger.store.base import Engine
from treatyledger.store.issue_store import issue_records, merge_issues


@dataclass(frozen=True)
class IssueSyncReport:
    issues: int
    added: int


def _check_origins(
    party: str, remote: list[ComplianceIssueRecord], local: dict[str, ComplianceIssueRecord]
) -> None:
    for issue in remote:
        held = {e.key for e in local[issue.id].events} if issue.id in local else set()
        for event in issue.events:
            if event.origin == party and event.key not in held:
                raise PeerError(
                    f"compliance issue {issue.id}: the peer claims event {party}#{event.number} "
                    f"was recorded on this node, which does not hold it"
                )


def sync_issues(engine: Engine, party: str, client: PeerClient) -> IssueSyncReport:
    """Merge the peer's issues into ``engine`` (this node's party ``party``)."""
    remote = client.compliance_issues()
    local = {i.id: i for i in issue_records(engine)}
    _check_origins(party, remote, local)
    return IssueSyncReport(issues=len(remote), added=merge_issues(engine, remote))

"""The exercise's inspections over HTTP: every finding of the campaign (``inspect.campaign``,
conducted on the declared states by the exercise's pure core) is submitted by the inspecting
party's inspectors to the inspected party's node (``POST /v1/inspections``, the inspector
role), which reconciles it with what its party declared and stores the record with the
compliance issues found. The node's issues must be the campaign's: two reconciliations, one
in the exercise's core and one in the node, from the same record.

Then the cheating outcome: who cheated, how, from when to when (revealed only now: the
inspectors did not know), when the regime first caught it (if ever), and the probability the
inspection statistics gave of catching it by each inspection's date."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from treatyledger.exercise.nodes import Nodes
from treatyledger.inspect.campaign import CampaignResult, InspectionOutcome


@dataclass
class InspectionSummary:
    submitted: int = 0
    #: inspected party -> compliance issues its node raised
    issues: dict[str, int] = field(default_factory=dict)
    #: inspection ids where the node's issues differ from the campaign's
    disagreements: list[str] = field(default_factory=list)
    #: inspected party -> inspections by type
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class CheatingOutcome:
    """The cheat (if any), when it was first caught, and the predicted detection curve."""

    description: str | None
    party: str | None
    strategy: str | None
    start: date | None
    end: date | None
    caught_on: date | None
    caught_by: str | None
    issues: tuple[str, ...]
    predicted: float
    inspections_during: int
    curve: tuple[tuple[date, float], ...]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "party": self.party,
            "strategy": self.strategy,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "caught_on": self.caught_on.isoformat() if self.caught_on else None,
            "caught_by": self.caught_by,
            "issues": list(self.issues),
            "predicted": self.predicted,
            "inspections_during": self.inspections_during,
            "curve": [[d.isoformat(), p] for d, p in self.curve],
        }


def _key(issue: Any) -> tuple[str, str | None, str]:
    if isinstance(issue, dict):
        return (str(issue["kind"]), issue["item"], issue["site"])
    return (str(issue.kind), issue.item, issue.site)


def submit_findings(
    nodes: Nodes, campaign: CampaignResult, say: Callable[[str], None]
) -> InspectionSummary:
    """POST every finding, in time order, to the inspected party's node as its inspector."""
    summary = InspectionSummary()
    clients = {p: nodes[p].client("inspector") for p in nodes.parties}
    try:
        for outcome in campaign.outcomes:
            party = outcome.planned.inspected
            response = clients[party].post(
                "/v1/inspections", json=outcome.record.model_dump(mode="json")
            )
            response.raise_for_status()
            found = response.json()["issues"]
            summary.submitted += 1
            summary.issues[party] = summary.issues.get(party, 0) + len(found)
            kinds = summary.by_type.setdefault(party, {})
            kinds[outcome.planned.inspection_type] = (
                kinds.get(outcome.planned.inspection_type, 0) + 1
            )
            # the node does not see the pre-inspection restrictions (the campaign does)
            expected = [i for i in outcome.issues if str(i.kind) != "movement_during_restrictions"]
            if Counter(map(_key, found)) != Counter(map(_key, expected)):
                summary.disagreements.append(outcome.planned.id)
    finally:
        for client in clients.values():
            client.close()
    for party, count in summary.issues.items():
        say(
            f"{nodes.other(party)} inspected {party} {sum(summary.by_type[party].values())} times "
            f"({', '.join(f'{n} {t}' for t, n in sorted(summary.by_type[party].items()))}) over "
            f"HTTP as inspector; {party}'s node raised {count} compliance issues"
        )
    return summary


def cheating_outcome(campaign: CampaignResult) -> CheatingOutcome:
    cheat = campaign.cheat
    if cheat is None:
        return CheatingOutcome(None, None, None, None, None, None, None, (), 0.0, 0, ())
    caught: InspectionOutcome | None = campaign.caught
    return CheatingOutcome(
        description=cheat.describe(),
        party=cheat.party,
        strategy=cheat.strategy.value,
        start=cheat.plan.start,
        end=cheat.plan.end,
        caught_on=caught.planned.arrival.date() if caught else None,
        caught_by=caught.planned.id if caught else None,
        issues=tuple(i.message for i in caught.issues) if caught else (),
        predicted=campaign.predicted,
        inspections_during=len(campaign.of_cheater()),
        curve=tuple(campaign.curve()),
    )

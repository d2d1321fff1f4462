"""Inspection findings against opened commitments.

An inspected base is opened (``zk open``): its committed value per category is revealed and
checked against the published commitment (``verifier.verify_opening``). If the inspectors
count another number under a category there, the finding contradicts what the party committed
to: ``contradictions`` turns each such category into a compliance issue whose evidence is the
commitment itself (with the limit proof that published it), so the party cannot disown it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from treatyledger.zk.verifier import LimitProofError, LimitStatement, Opening, verify_opening

ISSUE_KIND = "opened_value_mismatch"


@dataclass(frozen=True)
class OpeningContradiction:
    """The inspectors found ``found`` under ``category`` at ``base``; the party committed to
    ``committed`` there (``commitment`` opens to it)."""

    party: str
    base: str
    category: str
    committed: int
    found: int
    commitment: bytes
    statement: LimitStatement

    def issue(self) -> dict[str, Any]:
        """The compliance issue, in the shape of the inspection store's issues."""
        statement = self.statement
        checkpoint = statement.checkpoint
        return {
            "kind": ISSUE_KIND,
            "party": self.party,
            "site": self.base,
            "item": None,
            "expected": f"{self.category} {self.committed} (committed)",
            "found": f"{self.category} {self.found} (counted by the inspectors)",
            "message": (
                f"at {self.base} the inspectors counted {self.found} under {self.category}; "
                f"{self.party} committed to {self.committed} in its limit proof as of "
                f"{statement.as_of}"
            ),
            "evidence": {
                "commitment": self.commitment.hex(),
                "limit_proof": {
                    "party": statement.party,
                    "rule_set": statement.rule_set,
                    "as_of": statement.as_of.isoformat(),
                    "checkpoint": None if checkpoint is None else checkpoint.to_json(),
                },
            },
        }


def contradictions(
    statement: LimitStatement, opening: Opening, found: Mapping[str, int]
) -> list[OpeningContradiction]:
    """Check the opening against the statement's commitments (``LimitProofError`` if it
    does not open them), then compare each category the inspectors counted with it."""
    opened = verify_opening(statement, opening)
    unknown = set(found) - set(opened)
    if unknown:
        raise LimitProofError(f"counted categories the opening does not open: {sorted(unknown)}")
    commitments = {
        c.category: b.commitment
        for c in statement.categories
        for b in c.bases
        if b.base == opening.base
    }
    return [
        OpeningContradiction(
            party=statement.party,
            base=opening.base,
            category=category,
            committed=opened[category],
            found=count,
            commitment=commitments[category],
            statement=statement,
        )
        for category, count in sorted(found.items())
        if count != opened[category]
    ]

"""Proof that a published category total is the sum of committed entries.

A total proof opens every item that counts in the category. Each opening is checked against
the sum tree; the opened values must add up to the published total. Because every node of
the tree binds both children's non-negative sums, the openings' paths then leave nothing for
any other leaf: every unopened item is committed with value 0 in that category, and opening
one later with a non-zero value fails. The proof reveals the counted items (and nothing of
the others beyond the sibling sums on the paths), which is the price of not having
homomorphic commitments in ``cryptography``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from treatyledger.escrow.commitment import (
    MAX_ITEMS,
    Commitment,
    OpenableTree,
    Opening,
    opening_values,
    verify_opening,
)
from treatyledger.escrow.errors import InvalidOpeningError

TOTAL_FORMAT: Final = "treatyledger-escrow-total/v1"


class TotalProof(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["treatyledger-escrow-total/v1"] = TOTAL_FORMAT
    category: str
    openings: tuple[Opening, ...] = Field(default=(), max_length=MAX_ITEMS)

    def public(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "category": self.category,
            "openings": [o.public() for o in self.openings],
        }


@dataclass(frozen=True)
class TotalReport:
    category: str
    total: int
    opened_sum: int
    keys: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """Whether the openings account for the whole total (all other items count 0)."""
        return self.opened_sum == self.total


def prove_total(tree: OpenableTree, category: str) -> TotalProof:
    """Open every item with a non-zero value in ``category``."""
    keys = tree.keys_counting_in(category)
    return TotalProof(category=category, openings=tuple(tree.open(k) for k in keys))


def check_openings(commitment: Commitment, openings: Iterable[Opening]) -> dict[str, int]:
    """Verify openings of one commitment together; return the opened sum per category.

    Raises InvalidOpeningError for an invalid opening, a leaf opened twice, a key committed
    at two leaves (the party committed one item twice), or opened sums above a total.
    """
    sums = dict.fromkeys(commitment.totals, 0)
    index_of_key: dict[str, int] = {}
    opened_indices: set[int] = set()
    for opening in openings:
        verify_opening(commitment, opening)
        earlier = index_of_key.get(opening.key)
        if earlier is not None and earlier != opening.index:
            raise InvalidOpeningError(
                f"key {opening.key} is committed twice, at leaves {earlier} and {opening.index}"
            )
        if opening.index in opened_indices:
            raise InvalidOpeningError(f"leaf {opening.index} ({opening.key}) is opened twice")
        index_of_key[opening.key] = opening.index
        opened_indices.add(opening.index)
        for name, value in opening_values(commitment, opening).items():
            sums[name] += value
    _within_totals(commitment.totals, sums)
    return sums


def _within_totals(totals: Mapping[str, int], sums: Mapping[str, int]) -> None:
    # Unreachable with a sound tree; checked anyway because it is what the auditor relies on.
    for name, total in totals.items():
        if sums[name] > total:
            raise InvalidOpeningError(f"opened items count {sums[name]} in {name}, total {total}")


def verify_total(commitment: Commitment, proof: TotalProof) -> TotalReport:
    """Check a total proof; raises InvalidOpeningError unless the openings sum to the total."""
    commitment.category(proof.category)  # raises for an unknown category
    sums = check_openings(commitment, proof.openings)
    report = TotalReport(
        category=proof.category,
        total=commitment.totals[proof.category],
        opened_sum=sums[proof.category],
        keys=tuple(o.key for o in proof.openings),
    )
    if not report.complete:
        raise InvalidOpeningError(
            f"{proof.category}: the openings sum to {report.opened_sum}, "
            f"the published total is {report.total}"
        )
    return report

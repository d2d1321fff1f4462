"""Consistency across data exchanges: every item opened from one commitment must be
accounted for in the next.

An item is accounted for when the later commitment opens an item with the same UID (its
status may have changed, including to eliminated or dismantled), or when the earlier opening
already showed it in a terminal status (eliminated, dismantled, transferred), after which it
may leave the database. Anything else opened earlier and not opened later has vanished.
Rows without a UID (``#n`` keys) cannot be followed item by item; they are reported as
untracked, and their categories are compared through the totals instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from treatyledger.escrow.commitment import Commitment, Opening
from treatyledger.escrow.errors import EscrowError, InvalidOpeningError
from treatyledger.escrow.totals import check_openings
from treatyledger.model.kinds import TERMINAL_STATUSES


@dataclass(frozen=True)
class Carried:
    """An item present in both exchanges, with its status before and after."""

    key: str
    before: str
    after: str


@dataclass(frozen=True)
class AccountingReport:
    carried: tuple[Carried, ...]
    retired: tuple[str, ...]  # terminal earlier, absent later
    vanished: tuple[str, ...]
    untracked: tuple[str, ...]
    total_changes: dict[str, tuple[int, int]]  # category -> (earlier, later), same-name only

    @property
    def ok(self) -> bool:
        return not self.vanished


def _by_key(commitment: Commitment, openings: Iterable[Opening], which: str) -> dict[str, Opening]:
    chosen = list(openings)
    try:
        check_openings(commitment, chosen)
    except InvalidOpeningError as exc:
        raise InvalidOpeningError(f"{which} exchange {commitment.exchange}: {exc}") from None
    return {o.key: o for o in chosen}


def account_between(
    earlier: Commitment,
    earlier_openings: Iterable[Opening],
    later: Commitment,
    later_openings: Iterable[Opening],
) -> AccountingReport:
    """Report which items opened from ``earlier`` are carried into, retired before, or have
    vanished from ``later``. Every opening must verify against its own commitment."""
    if earlier.party != later.party:
        raise EscrowError(f"exchanges of {earlier.party} and {later.party}: expected one party")
    if earlier.root == later.root and earlier.exchange == later.exchange:
        raise EscrowError(f"both commitments are exchange {earlier.exchange}: expected two")
    before = _by_key(earlier, earlier_openings, "earlier")
    after = _by_key(later, later_openings, "later")
    carried: list[Carried] = []
    retired: list[str] = []
    vanished: list[str] = []
    untracked: list[str] = []
    for key in sorted(before):
        item = before[key].item
        if item.uid is None:
            untracked.append(key)
        elif key in after:
            carried.append(Carried(key, item.status.value, after[key].item.status.value))
        elif item.status in TERMINAL_STATUSES:
            retired.append(key)
        else:
            vanished.append(key)
    changes = {
        name: (earlier.totals[name], later.totals[name])
        for name in sorted(set(earlier.totals) & set(later.totals))
        if _same_category(earlier, later, name)
    }
    return AccountingReport(
        tuple(carried), tuple(retired), tuple(vanished), tuple(untracked), changes
    )


def _same_category(earlier: Commitment, later: Commitment, name: str) -> bool:
    return earlier.category(name)[1] == later.category(name)[1]

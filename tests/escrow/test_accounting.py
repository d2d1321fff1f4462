"""Cross-exchange accounting: items opened earlier must be carried, retired or reported."""

from __future__ import annotations

import pytest

from escrow.helpers import CATEGORIES, counter_random, small_inventory, small_secret
from treatyledger.escrow.accounting import AccountingReport, Carried, account_between
from treatyledger.escrow.commitment import OpenableTree, Secret, commit
from treatyledger.escrow.errors import EscrowError, InvalidOpeningError
from treatyledger.model.items import inventory_of
from treatyledger.model.kinds import Status

EARLIER = small_secret()
EARLIER_TREE = OpenableTree.from_secret(EARLIER)


def _later(drop: set[str], *, status: dict[str, Status] | None = None) -> Secret:
    items = []
    for item in small_inventory().items:
        if item.uid in drop:
            continue
        if status and item.uid in status:
            item = item.model_copy(update={"status": status[item.uid]})
        items.append(item)
    return commit(
        inventory_of(items),
        party="US",
        exchange="2026-09-01",
        categories=CATEGORIES,
        random_bytes=counter_random("later"),
    )


def _account(
    later: Secret, keys: list[str], later_keys: list[str] | None = None
) -> AccountingReport:
    later_tree = OpenableTree.from_secret(later)
    return account_between(
        EARLIER.commitment,
        [EARLIER_TREE.open(k) for k in keys],
        later.commitment,
        [
            later_tree.open(k)
            for k in (keys if later_keys is None else later_keys)
            if k in later_tree.by_key
        ],
    )


def test_an_item_opened_in_both_exchanges_is_carried_with_its_statuses() -> None:
    later = _later(set(), status={"MM3-0003": Status.DEPLOYED})
    report = _account(later, ["MM3-0003"])
    assert report.carried == (Carried("MM3-0003", "non_deployed", "deployed"),) and report.ok


def test_an_item_missing_from_the_later_exchange_has_vanished() -> None:
    report = _account(_later({"W78-0002"}), ["W78-0002", "W87-0001"])
    assert report.vanished == ("W78-0002",) and not report.ok


def test_an_item_not_opened_later_counts_as_vanished() -> None:
    report = _account(_later(set()), ["W78-0002"], later_keys=[])
    assert report.vanished == ("W78-0002",)


def test_a_dismantled_item_may_leave_the_next_exchange() -> None:
    report = _account(_later({"W78-0003"}), ["W78-0003"])
    assert report.retired == ("W78-0003",) and report.ok


def test_rows_without_uid_are_untracked() -> None:
    report = _account(_later(set()), ["#11"])
    assert report.untracked == ("#11",) and report.vanished == ()


def test_totals_of_same_named_categories_are_compared() -> None:
    report = _account(_later({"D5-0001"}), [])
    assert report.total_changes["deployed-rvs"] == (6, 2)


def test_an_invalid_earlier_opening_is_refused() -> None:
    later = _later(set())
    opening = EARLIER_TREE.open("MM3-0001").model_copy(update={"salt": "00" * 32})
    with pytest.raises(InvalidOpeningError, match="earlier exchange"):
        account_between(EARLIER.commitment, [opening], later.commitment, [])


def test_exchanges_of_two_parties_are_refused() -> None:
    ru = commit(inventory_of([]), party="RU", exchange="x", random_bytes=counter_random())
    with pytest.raises(EscrowError, match="one party"):
        account_between(EARLIER.commitment, [], ru.commitment, [])

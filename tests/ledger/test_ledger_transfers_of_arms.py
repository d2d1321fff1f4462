"""Transfers of missiles, launchers and bombers (not only warheads), judged by the rule set:
START I's First Agreed Statement and New START Art. XIII forbid transfers of strategic
offensive arms to third states, except the existing US-UK cooperation (Trident II SLBMs),
notified with the UID and location of transfer (Daily Signal 2011-02, quoting the treaties).
The ledger records the transfer and flags the forbidden ones."""

from __future__ import annotations

from typing import Any

import pytest

from factory import item, notification_data
from treatyledger.files import load_catalog, load_rule_set
from treatyledger.ledger import LedgerState, NotificationRejected, policy_from_rule_set
from treatyledger.rules import count

SUB_BASE = {"id": "KINGS-BAY", "party": "US", "type": "submarine_base"}


def ledger(rules: str) -> LedgerState:
    return LedgerState(
        policy_from_rule_set(load_rule_set(rules), load_catalog(), require_signatures=False)
    )


def declared(state: LedgerState, *items: dict[str, Any]) -> None:
    payload = {"items": list(items), "facilities": [SUB_BASE]}
    state.apply_record(notification_data("US", 1, "declare", payload), trusted=True)


def transfer(state: LedgerState, uid: str, to_party: str, sequence: int = 2) -> tuple[str, ...]:
    record = notification_data("US", sequence, "transfer", {"uid": uid, "to_party": to_party})
    return state.apply_record(record, trusted=True).flags


@pytest.mark.parametrize("rules", ["new-start", "start1"])
def test_trident_ii_to_the_uk_with_its_location_is_the_excepted_cooperation(rules: str) -> None:
    state = ledger(rules)
    declared(state, item("D5-1", "slbm", "non_deployed", facility="KINGS-BAY"))
    assert transfer(state, "D5-1", "UK") == ()
    assert state.item("D5-1").status == "transferred"


@pytest.mark.parametrize("rules", ["new-start", "start1"])
def test_a_transfer_to_the_uk_without_a_location_is_not_excepted(rules: str) -> None:
    state = ledger(rules)
    declared(state, item("D5-2", "slbm", "non_deployed"))
    assert transfer(state, "D5-2", "UK") == ("transfer.third_state",)


@pytest.mark.parametrize(
    ("uid", "kind", "to_party"),
    [
        ("D5-3", "slbm", "FR"),  # the exception names the UK only
        ("MM3-1", "icbm", "UK"),  # and SLBMs only
        ("LF-1", "icbm_launcher", "FR"),
        ("B52-1", "heavy_bomber", "UK"),
    ],
)
def test_other_arms_to_third_states_are_flagged(uid: str, kind: str, to_party: str) -> None:
    state = ledger("new-start")
    declared(state, item(uid, kind, "non_deployed", facility="KINGS-BAY"))
    assert transfer(state, uid, to_party) == ("transfer.third_state",)


def test_a_transfer_between_the_treaty_parties_is_no_third_state_transfer() -> None:
    state = ledger("new-start")  # treaty.parties: US, RU
    declared(state, item("MM3-2", "icbm", "non_deployed"))
    assert transfer(state, "MM3-2", "RU") == ()


def test_sort_forbids_nothing() -> None:
    state = ledger("sort-us-2002")
    declared(state, item("MM3-3", "icbm", "non_deployed"))
    assert transfer(state, "MM3-3", "FR") == ()


def test_a_deployed_contained_or_loaded_item_is_not_transferred() -> None:
    state = ledger("new-start")
    declared(
        state,
        item("LF-2", "icbm_launcher", "deployed"),
        item("MM3-4", "icbm", "deployed", contained_in="LF-2", warheads=1),
        item("LF-3", "icbm_launcher", "non_deployed"),
        item("MM3-5", "icbm", "non_deployed", contained_in="LF-3"),
        item("MM3-6", "icbm", "non_deployed", warheads=1),
    )
    with pytest.raises(NotificationRejected, match=r"transition\.illegal"):
        transfer(state, "MM3-4", "UK")  # deployed
    with pytest.raises(NotificationRejected, match="is in LF-3"):
        transfer(state, "MM3-5", "UK")
    with pytest.raises(NotificationRejected, match="still carries 1 warheads"):
        transfer(state, "MM3-6", "UK")


def test_transferred_arms_leave_the_counts() -> None:
    state = ledger("new-start")
    declared(
        state,
        item("T-1", "slbm_launcher", "non_deployed", facility="KINGS-BAY"),
        item("D5-4", "slbm", "non_deployed", facility="KINGS-BAY"),
    )
    transfer(state, "T-1", "UK")  # flagged (launchers are not excepted), and gone all the same
    rule_set = load_rule_set("new-start")
    totals = count(state.inventory(), rule_set, load_catalog()).parties["US"].categories
    assert totals["deployed_and_nondeployed_launchers"].total == 0

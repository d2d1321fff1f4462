"""Corrections: a new notification supersedes an earlier one; both stay; replay applies the
corrected version in the original's place."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from ledger_helpers import T0, Ledger, item

from treatyledger.ledger import NotificationRejected, Rule, replay, state_at


def correct(ledger: Ledger, target: int, kind: str, payload: dict, effective=None, **options):  # type: ignore[no-untyped-def]
    original = ledger.state.log("US")[target - 1]
    return ledger.send(
        "correction",
        {
            "kind": kind,
            "effective_time": effective or original["effective_time"],
            "payload": payload,
            "reason": "test",
        },
        corrects={"party": "US", "sequence": target},
        **options,
    )


@pytest.fixture
def loaded() -> Ledger:
    ledger = Ledger()
    ledger.declare(item("M1", "icbm", "non_deployed", warheads=0))
    ledger.send("load", {"container": "M1", "warheads": 2})  # sequence 2
    return ledger


def test_a_correction_changes_the_state(loaded: Ledger) -> None:
    correct(loaded, 2, "load", {"container": "M1", "warheads": 1})
    assert loaded.state.item("M1").warheads == 1


def test_both_notifications_stay_in_the_log(loaded: Ledger) -> None:
    correct(loaded, 2, "load", {"container": "M1", "warheads": 1})
    kinds = [r["kind"] for r in loaded.state.log("US")]
    assert kinds == ["declare", "load", "correction"]
    assert loaded.state.log("US")[1]["payload"]["warheads"] == 2


def test_replay_applies_the_corrected_version(loaded: Ledger) -> None:
    correct(loaded, 2, "load", {"container": "M1", "warheads": 1})
    replayed = replay(loaded.records(), loaded.state.policy)
    assert replayed.item("M1").warheads == 1
    assert replayed.snapshot()["items"] == loaded.state.snapshot()["items"]


def test_replay_before_the_correction_shows_the_original(loaded: Ledger) -> None:
    correct(loaded, 2, "load", {"container": "M1", "warheads": 1})
    assert replay(loaded.records(), loaded.state.policy, until_sequence=2).item("M1").warheads == 2


def test_the_latest_correction_wins(loaded: Ledger) -> None:
    correct(loaded, 2, "load", {"container": "M1", "warheads": 1})
    correct(loaded, 2, "load", {"container": "M1", "warheads": 3})
    assert loaded.state.item("M1").warheads == 3
    assert replay(loaded.records(), loaded.state.policy).item("M1").warheads == 3


def test_a_corrected_effective_time_moves_the_change_in_time() -> None:
    ledger = Ledger()
    ledger.declare(item("W1", "warhead", "stored"))  # effective T0 + 1 day
    ledger.send("retire", {"uid": "W1"}, effective=T0 + timedelta(days=10))
    probe = (T0 + timedelta(days=6)).date()
    assert state_at(ledger.records(), ledger.state.policy, probe).item("W1").status == "stored"
    correct(ledger, 2, "retire", {"uid": "W1"}, effective="2011-02-10T00:00:00Z")
    assert state_at(ledger.records(), ledger.state.policy, probe).item("W1").status == "retired"


def test_a_correction_keeps_the_kind(loaded: Ledger) -> None:
    with pytest.raises(NotificationRejected) as info:
        correct(loaded, 2, "unload", {"container": "M1", "warheads": 1})
    assert info.value.rule is Rule.CORRECTION_TARGET


def test_a_correction_that_would_invalidate_a_later_notification_is_rejected(
    loaded: Ledger,
) -> None:
    loaded.send("unload", {"container": "M1", "warheads": 2})  # sequence 3
    before = copy.deepcopy(loaded.state.snapshot())
    with pytest.raises(NotificationRejected) as info:
        correct(loaded, 2, "load", {"container": "M1", "warheads": 1})
    assert info.value.rule is Rule.CORRECTION_INVALIDATES
    assert "US#3" in str(info.value)
    assert loaded.state.snapshot() == before


def test_a_correction_that_is_itself_illegal_is_rejected(loaded: Ledger) -> None:
    with pytest.raises(NotificationRejected) as info:
        correct(loaded, 2, "load", {"container": "M1", "warheads": 4})
    assert info.value.rule is Rule.CORRECTION_INVALIDATES
    assert "capacity" in str(info.value)


def test_a_correction_of_a_declaration_can_fix_a_status(loaded: Ledger) -> None:
    correct(loaded, 1, "declare", {"items": [item("M1", "icbm", "non_deployed", warheads=1)]})
    assert loaded.state.item("M1").warheads == 3  # 1 declared + 2 loaded


def test_correction_reports_the_items_of_both_versions() -> None:
    ledger = Ledger()
    ledger.declare(
        item("M1", "icbm", "non_deployed", warheads=0),
        item("M2", "icbm", "non_deployed", warheads=0),
    )
    ledger.send("load", {"container": "M1", "warheads": 2})
    outcome = correct(ledger, 2, "load", {"container": "M2", "warheads": 2})
    assert set(outcome.touched) == {"M1", "M2"}
    assert ledger.state.item("M1").warheads == 0
    assert ledger.state.item("M2").warheads == 2


def test_a_correction_cannot_refer_to_an_item_declared_after_the_original(
    loaded: Ledger,
) -> None:
    loaded.declare(item("M2", "icbm", "non_deployed", warheads=0))  # sequence 3
    with pytest.raises(NotificationRejected) as info:
        correct(loaded, 2, "load", {"container": "M2", "warheads": 2})
    assert info.value.rule is Rule.CORRECTION_INVALIDATES

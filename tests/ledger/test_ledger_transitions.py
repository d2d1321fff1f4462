"""Every status transition, legal and illegal, for every notification kind and item kind."""

from __future__ import annotations

import itertools

import pytest
from ledger_helpers import Ledger, item

from treatyledger.ledger import TRANSITIONS, NotificationRejected, Rule
from treatyledger.model import STATUSES_BY_KIND, TERMINAL_STATUSES, ItemKind

PAYLOAD_FOR = {
    "status_change": lambda uid, to: {"uid": uid, "to_status": to},
    "convert": lambda uid, to: {"uid": uid, "to_status": to},
    "retire": lambda uid, to: {"uid": uid},
    "dismantle": lambda uid, to: {"uid": uid},
    "eliminate": lambda uid, to: {"uid": uid},
    "transfer": lambda uid, to: {"uid": uid, "to_party": "RU"},
}
#: the status each fixed-target kind moves to
FIXED_TARGET = {
    "retire": "retired",
    "dismantle": "dismantled",
    "eliminate": "eliminated",
    "transfer": "transferred",
}
CONVERSION_TARGETS = ("in_conversion", "converted", "converted_non_nuclear")
#: missiles and launchers are deployed only together (load/unload), never by status_change alone
CONTAINMENT_BOUND = {"icbm", "slbm", "icbm_launcher", "slbm_launcher"}


def cases() -> list[tuple[str, str, str, str]]:
    found = []
    for kind, item_kind in itertools.product(PAYLOAD_FOR, ItemKind):
        statuses = sorted(STATUSES_BY_KIND[item_kind] - TERMINAL_STATUSES)
        if kind in FIXED_TARGET:
            targets = [FIXED_TARGET[kind]]
        elif kind == "convert":
            targets = list(CONVERSION_TARGETS)
        else:
            targets = sorted(STATUSES_BY_KIND[item_kind])
        for start, target in itertools.product(statuses, targets):
            if kind == "status_change" and start == target:
                continue
            found.append((kind, item_kind.value, start, target))
    return found


@pytest.mark.parametrize(("kind", "item_kind", "start", "target"), cases())
def test_transition(kind: str, item_kind: str, start: str, target: str) -> None:
    ledger = Ledger()
    ledger.declare(item("X1", item_kind, start))
    legal = (start, target) in TRANSITIONS[kind].get(item_kind, frozenset())
    if kind == "status_change" and item_kind in CONTAINMENT_BOUND and target == "deployed":
        legal = False  # an empty launcher / a missile outside a launcher is never deployed
    if legal:
        outcome = ledger.send(kind, PAYLOAD_FOR[kind]("X1", target))
        assert outcome.status == "accepted"
        assert ledger.state.item("X1").status == target
    else:
        with pytest.raises(NotificationRejected) as info:
            ledger.send(kind, PAYLOAD_FOR[kind]("X1", target))
        assert info.value.rule is Rule.ILLEGAL_TRANSITION
        assert info.value.item == "X1"
        assert ledger.state.item("X1").status == start


TERMINAL_PATHS = {
    "dismantled": ("warhead", "stored", [("retire", {}), ("dismantle", {})]),
    "transferred": ("warhead", "stored", [("transfer", {"to_party": "RU"})]),
    "eliminated": ("icbm_launcher", "non_deployed", [("eliminate", {})]),
}
AFTERWARDS = {
    "status_change": {"uid": "X1", "to_status": "stored"},
    "move": {"uid": "X1", "to_facility": "F-9"},
    "retire": {"uid": "X1"},
    "eliminate": {"uid": "X1"},
    "convert": {"uid": "X1", "to_status": "in_conversion"},
    "transfer": {"uid": "X1", "to_party": "RU"},
}


@pytest.mark.parametrize("terminal", sorted(TERMINAL_PATHS))
@pytest.mark.parametrize("kind", sorted(AFTERWARDS))
def test_a_terminal_item_never_comes_back(terminal: str, kind: str) -> None:
    item_kind, start, path = TERMINAL_PATHS[terminal]
    ledger = Ledger()
    ledger.declare(item("X1", item_kind, start))
    for step, extra in path:
        ledger.send(step, {"uid": "X1", **extra})
    assert ledger.state.item("X1").status == terminal
    with pytest.raises(NotificationRejected) as info:
        ledger.send(kind, AFTERWARDS[kind])
    assert info.value.rule is Rule.TERMINAL
    assert ledger.state.item("X1").status == terminal


def test_a_dismantled_warhead_cannot_be_loaded_again(ledger: Ledger) -> None:
    ledger.declare(item("W1", "warhead", "stored"), item("M1", "icbm", "non_deployed", warheads=0))
    ledger.send("retire", {"uid": "W1"})
    ledger.send("dismantle", {"uid": "W1"})
    with pytest.raises(NotificationRejected) as info:
        ledger.send("load", {"container": "M1", "items": ["W1"]})
    assert info.value.rule is Rule.TERMINAL
    assert info.value.item == "W1"


def test_an_item_cannot_be_declared_in_a_terminal_status(ledger: Ledger) -> None:
    with pytest.raises(NotificationRejected) as info:
        ledger.declare(item("W1", "warhead", "dismantled"))
    assert info.value.rule is Rule.ILLEGAL_TRANSITION


# ---------------------------------------------------------------- load and unload


def test_loading_a_missile_deploys_it_and_its_launcher(ledger: Ledger) -> None:
    ledger.declare(item("L1", "icbm_launcher", "non_deployed"), item("M1", "icbm", "non_deployed"))
    ledger.send("load", {"container": "L1", "items": ["M1"]})
    assert ledger.state.item("L1").status == "deployed"
    assert ledger.state.item("M1").status == "deployed"
    assert ledger.state.item("M1").contained_in == "L1"


def test_unloading_a_missile_takes_both_off_deployment(ledger: Ledger) -> None:
    ledger.declare(item("L1", "icbm_launcher", "non_deployed"), item("M1", "icbm", "non_deployed"))
    ledger.send("load", {"container": "L1", "items": ["M1"]})
    ledger.send("unload", {"container": "L1", "items": ["M1"]})
    assert ledger.state.item("L1").status == "non_deployed"
    assert ledger.state.item("M1").status == "non_deployed"
    assert ledger.state.item("M1").contained_in is None


def test_a_launcher_holding_a_missile_cannot_be_set_non_deployed(ledger: Ledger) -> None:
    ledger.declare(item("L1", "icbm_launcher", "non_deployed"), item("M1", "icbm", "non_deployed"))
    ledger.send("load", {"container": "L1", "items": ["M1"]})
    with pytest.raises(NotificationRejected) as info:
        ledger.send("status_change", {"uid": "L1", "to_status": "non_deployed"})
    assert info.value.rule is Rule.ILLEGAL_TRANSITION


def test_loading_warhead_items_deploys_them_and_raises_the_vehicle_count(ledger: Ledger) -> None:
    ledger.declare(
        item("M1", "icbm", "non_deployed", warheads=1),
        item("W1", "warhead", "stored"),
        item("W2", "warhead", "stored"),
    )
    ledger.send("load", {"container": "M1", "items": ["W1", "W2"]})
    assert ledger.state.item("M1").warheads == 3
    assert ledger.state.item("W1").status == "deployed"
    assert ledger.state.contents("M1") == ("W1", "W2")


def test_unloading_a_warhead_item_stores_it_and_lowers_the_count(ledger: Ledger) -> None:
    ledger.declare(item("M1", "icbm", "non_deployed", warheads=0), item("W1", "warhead", "stored"))
    ledger.send("load", {"container": "M1", "items": ["W1"], "warheads": 1})
    ledger.send("unload", {"container": "M1", "items": ["W1"]})
    assert ledger.state.item("M1").warheads == 1
    assert ledger.state.item("W1").status == "stored"
    assert ledger.state.item("W1").contained_in is None


def test_a_contained_item_moves_with_its_container(ledger: Ledger) -> None:
    ledger.declare(
        item("B1", "heavy_bomber", "deployed", facility="AB-1"), item("W1", "warhead", "stored")
    )
    ledger.send("load", {"container": "B1", "items": ["W1"]})
    assert ledger.state.item("W1").facility == "AB-1"
    ledger.send("move", {"uid": "B1", "to_facility": "AB-2"})
    assert ledger.state.item("W1").facility == "AB-2"


def test_a_launcher_on_a_submarine_takes_its_missile_along(ledger: Ledger) -> None:
    ledger.declare(
        item("S1", "submarine", "deployed", facility="SB-1"),
        item("T1", "slbm_launcher", "non_deployed", contained_in="S1"),
        item("D1", "slbm", "non_deployed", facility="SB-1", warheads=0),
    )
    ledger.send("load", {"container": "T1", "items": ["D1"]})
    ledger.send("move", {"uid": "S1", "to_facility": "SB-2"})
    assert ledger.state.item("D1").facility == "SB-2"
    assert ledger.state.item("T1").facility == "SB-2"


def test_converting_a_bomber_to_non_nuclear(ledger: Ledger) -> None:
    ledger.declare(item("B1", "heavy_bomber", "non_deployed"))
    ledger.send("convert", {"uid": "B1", "to_status": "converted_non_nuclear"})
    assert ledger.state.item("B1").status == "converted_non_nuclear"


def test_an_eliminated_launcher_leaves_its_submarine(ledger: Ledger) -> None:
    ledger.declare(
        item("S1", "submarine", "non_deployed"),
        item("T1", "slbm_launcher", "non_deployed", contained_in="S1"),
    )
    ledger.send("eliminate", {"uid": "T1"})
    assert ledger.state.contents("S1") == ()
    assert ledger.state.item("T1").contained_in is None


def test_nested_items_declared_together_take_the_outermost_facility(ledger: Ledger) -> None:
    ledger.declare(
        item("D1", "slbm", "deployed", contained_in="T1", warheads=0),
        item("T1", "slbm_launcher", "deployed", contained_in="S1"),
        item("S1", "submarine", "deployed", facility="SB-1"),
    )
    assert ledger.state.item("D1").facility == "SB-1"
    assert ledger.state.item("T1").facility == "SB-1"

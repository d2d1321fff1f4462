"""The per-kind handlers: every notification kind is handled, the ledger-neutral kinds are the
ones of ``LEDGER_NEUTRAL_KINDS`` and change nothing, and every other kind changes state."""

from __future__ import annotations

import copy

from ledger_helpers import Ledger, item

from treatyledger.ledger.handlers import HANDLERS, HANDLERS_BY_VALUE, SELF_APPLIED_KINDS
from treatyledger.ledger.transitions import TRANSITIONS
from treatyledger.model.notifications import LEDGER_NEUTRAL_KINDS, NotificationKind


def test_every_notification_kind_has_exactly_one_handler() -> None:
    handled = set(HANDLERS)
    assert handled | SELF_APPLIED_KINDS == set(NotificationKind)
    assert not handled & SELF_APPLIED_KINDS
    assert set(HANDLERS_BY_VALUE) == {kind.value for kind in HANDLERS}


def test_the_neutral_kinds_share_one_handler_and_no_other_kind_uses_it() -> None:
    neutral = {HANDLERS[kind] for kind in LEDGER_NEUTRAL_KINDS}
    assert len(neutral) == 1
    changing = set(HANDLERS) - LEDGER_NEUTRAL_KINDS
    assert not {HANDLERS[kind] for kind in changing} & neutral


def test_every_kind_with_status_changes_has_a_handler() -> None:
    assert {NotificationKind(kind) for kind in TRANSITIONS} <= set(HANDLERS)


def test_a_neutral_notification_leaves_the_items_and_flags_untouched(ledger: Ledger) -> None:
    ledger.declare(item("W1", "warhead", "stored", facility="SB-1"))
    before = copy.deepcopy(ledger.state.snapshot())
    outcome = ledger.send(
        "database", {"as_of": "2011-02-06T00:00:00Z", "items": [item("W1", "warhead", "stored")]}
    )
    assert outcome.status == "accepted"
    assert outcome.touched == ()
    after = ledger.state.snapshot()
    assert after["items"] == before["items"]
    assert after["contents"] == before["contents"]

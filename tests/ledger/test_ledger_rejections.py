"""Every rejection reason, the late and violation flags, and 'a rejected notification changes
nothing'."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from ledger_helpers import T0, TEST_KEY_OTHER, Ledger, item

from treatyledger.ledger import LedgerState, NotificationRejected, Rule, sign
from treatyledger.model.notifications import parse_notification


def rejected(ledger: Ledger, kind: str, payload: dict, **options) -> NotificationRejected:
    before = copy.deepcopy(ledger.state.snapshot())
    with pytest.raises(NotificationRejected) as info:
        ledger.send(kind, payload, **options)
    assert ledger.state.snapshot() == before, "a rejected notification changed the state"
    return info.value


def test_the_error_names_party_sequence_rule_and_item(ledger: Ledger) -> None:
    error = rejected(ledger, "move", {"uid": "NOPE", "to_facility": "F"})
    assert (error.party, error.sequence, error.rule, error.item) == (
        "US",
        1,
        Rule.UID_UNKNOWN,
        "NOPE",
    )
    assert "US#1" in str(error) and "uid.unknown" in str(error) and "NOPE" in str(error)


def test_sequence_gap(ledger: Ledger) -> None:
    error = rejected(
        ledger, "declare", {"items": [item("L1", "icbm_launcher", "non_deployed")]}, sequence=2
    )
    assert error.rule is Rule.SEQUENCE_GAP
    assert "expected sequence 1, found 2" in str(error)


def test_same_sequence_other_content_is_a_replay(ledger: Ledger) -> None:
    ledger.declare(item("L1", "icbm_launcher", "non_deployed"))
    error = rejected(
        ledger, "declare", {"items": [item("L2", "icbm_launcher", "non_deployed")]}, sequence=1
    )
    assert error.rule is Rule.SEQUENCE_REPLAY


def test_same_sequence_same_content_is_an_idempotent_duplicate(ledger: Ledger) -> None:
    first = ledger.build("declare", {"items": [item("L1", "icbm_launcher", "non_deployed")]})
    assert ledger.state.apply(first).status == "accepted"
    before = copy.deepcopy(ledger.state.snapshot())
    outcome = ledger.state.apply(first)
    assert outcome.status == "duplicate"
    assert ledger.state.snapshot() == before


def test_duplicate_detection_works_after_a_trusted_replay() -> None:
    source = Ledger()
    source.declare(item("L1", "icbm_launcher", "non_deployed"))
    records = source.records()
    fresh = Ledger()
    fresh.state.replay_records(records)
    again = fresh.build(
        "declare", {"items": [item("L1", "icbm_launcher", "non_deployed")]}, sequence=1
    )
    assert fresh.state.apply(again).status == "duplicate"


def test_bad_signature(ledger: Ledger) -> None:
    good = ledger.build("move", {"uid": "X", "to_facility": "F"})
    forged = good.model_copy(
        update={"payload": good.payload.model_copy(update={"to_facility": "G"})}
    )
    with pytest.raises(NotificationRejected) as info:
        ledger.state.apply(forged)
    assert info.value.rule is Rule.SIGNATURE_INVALID


def test_unknown_signer(ledger: Ledger) -> None:
    notification = sign(
        parse_notification(
            {
                "party": "US",
                "sequence": 1,
                "kind": "move",
                "effective_time": "2011-02-05T00:00:00Z",
                "issued_time": "2011-02-05T00:00:00Z",
                "payload": {"uid": "X", "to_facility": "F"},
            }
        ),
        TEST_KEY_OTHER,
    )
    with pytest.raises(NotificationRejected) as info:
        ledger.state.apply(notification)
    assert info.value.rule is Rule.UNKNOWN_SIGNER


def test_a_party_without_registered_keys_is_an_unknown_signer(ledger: Ledger) -> None:
    notification = ledger.build("move", {"uid": "X", "to_facility": "F"})
    state = LedgerState(ledger.state.policy)
    with pytest.raises(NotificationRejected) as info:
        state.apply(notification)
    assert info.value.rule is Rule.UNKNOWN_SIGNER


def test_missing_signature(ledger: Ledger) -> None:
    unsigned = ledger.build("move", {"uid": "X", "to_facility": "F"}).unsigned()
    with pytest.raises(NotificationRejected) as info:
        ledger.state.apply(unsigned)
    assert info.value.rule is Rule.SIGNATURE_MISSING


def test_unsigned_is_accepted_where_the_policy_does_not_require_signatures() -> None:
    ledger = Ledger(require_signatures=False)
    unsigned = ledger.build("declare", {"items": [item("L1", "icbm_launcher", "non_deployed")]})
    assert ledger.state.apply(unsigned.unsigned()).status == "accepted"


def test_schema_mismatch_of_a_raw_record(ledger: Ledger) -> None:
    record = ledger.build("move", {"uid": "X", "to_facility": "F"}).to_json_dict()
    record["kind"] = "teleport"
    with pytest.raises(NotificationRejected) as info:
        ledger.state.apply_record(record, trusted=True)
    assert info.value.rule is Rule.SCHEMA


def test_declared_item_must_have_a_uid(ledger: Ledger) -> None:
    error = rejected(
        ledger, "declare", {"items": [{"party": "US", "kind": "warhead", "status": "stored"}]}
    )
    assert error.rule is Rule.SCHEMA


def test_unknown_uid(ledger: Ledger) -> None:
    assert rejected(ledger, "retire", {"uid": "W404"}).rule is Rule.UID_UNKNOWN


def test_duplicate_uid_in_a_later_declaration(ledger: Ledger) -> None:
    ledger.declare(item("W1", "warhead", "stored"))
    error = rejected(ledger, "declare", {"items": [item("W1", "warhead", "stored")]})
    assert (error.rule, error.item) == (Rule.UID_DUPLICATE, "W1")


def test_duplicate_uid_within_one_declaration(ledger: Ledger) -> None:
    payload = {"items": [item("W1", "warhead", "stored"), item("W1", "warhead", "stored")]}
    assert rejected(ledger, "declare", payload).rule is Rule.UID_DUPLICATE


def test_declaring_another_partys_item(ledger: Ledger) -> None:
    payload = {"items": [item("W1", "warhead", "stored", party="RU")]}
    assert rejected(ledger, "declare", payload).rule is Rule.UID_FOREIGN


def test_unknown_system_type(ledger: Ledger) -> None:
    payload = {"items": [item("M1", "icbm", "non_deployed", system_type="Zircon-X")]}
    error = rejected(ledger, "declare", payload)
    assert (error.rule, error.item) == (Rule.SYSTEM_TYPE_UNKNOWN, "M1")


def test_four_reentry_vehicles_on_a_minuteman_iii(ledger: Ledger) -> None:
    ledger.declare(item("M1", "icbm", "non_deployed", warheads=3))
    error = rejected(ledger, "load", {"container": "M1", "warheads": 1})
    assert (error.rule, error.item) == (Rule.CAPACITY, "M1")
    assert "4 warheads on a MM III, capacity 3" in str(error)


def test_declaring_beyond_capacity(ledger: Ledger) -> None:
    error = rejected(ledger, "declare", {"items": [item("M1", "icbm", "non_deployed", warheads=4)]})
    assert error.rule is Rule.CAPACITY


def test_a_launcher_holds_one_missile(ledger: Ledger) -> None:
    ledger.declare(
        item("L1", "icbm_launcher", "non_deployed"),
        item("M1", "icbm", "non_deployed"),
        item("M2", "icbm", "non_deployed"),
    )
    ledger.send("load", {"container": "L1", "items": ["M1"]})
    error = rejected(ledger, "load", {"container": "L1", "items": ["M2"]})
    assert (error.rule, error.item) == (Rule.CAPACITY, "L1")


def test_a_warhead_on_two_missiles(ledger: Ledger) -> None:
    ledger.declare(
        item("M1", "icbm", "non_deployed", warheads=0),
        item("M2", "icbm", "non_deployed", warheads=0),
        item("W1", "warhead", "stored"),
    )
    ledger.send("load", {"container": "M1", "items": ["W1"]})
    error = rejected(ledger, "load", {"container": "M2", "items": ["W1"]})
    assert (error.rule, error.item) == (Rule.TWO_PLACES, "W1")


def test_a_contained_item_cannot_move_alone(ledger: Ledger) -> None:
    ledger.declare(item("B1", "heavy_bomber", "deployed"), item("W1", "warhead", "stored"))
    ledger.send("load", {"container": "B1", "items": ["W1"]})
    assert rejected(ledger, "move", {"uid": "W1", "to_facility": "F"}).rule is Rule.TWO_PLACES


def test_a_contained_item_declared_elsewhere_than_its_container(ledger: Ledger) -> None:
    payload = {
        "items": [
            item("B1", "heavy_bomber", "deployed", facility="AB-1"),
            item("W1", "warhead", "stored", facility="AB-2", contained_in="B1"),
        ]
    }
    assert rejected(ledger, "declare", payload).rule is Rule.TWO_PLACES


def test_a_missile_cannot_go_into_a_submarine(ledger: Ledger) -> None:
    ledger.declare(item("S1", "submarine", "deployed"), item("D1", "slbm", "non_deployed"))
    error = rejected(ledger, "load", {"container": "S1", "items": ["D1"]})
    assert (error.rule, error.item) == (Rule.CONTAINER_KIND, "D1")


def test_a_launcher_carries_no_anonymous_warheads(ledger: Ledger) -> None:
    ledger.declare(item("L1", "icbm_launcher", "non_deployed"))
    assert rejected(ledger, "load", {"container": "L1", "warheads": 1}).rule is Rule.CONTAINER_KIND


def test_unloading_what_is_not_there(ledger: Ledger) -> None:
    ledger.declare(item("M1", "icbm", "non_deployed", warheads=1), item("W1", "warhead", "stored"))
    assert (
        rejected(ledger, "unload", {"container": "M1", "items": ["W1"]}).rule
        is Rule.NOT_IN_CONTAINER
    )
    assert (
        rejected(ledger, "unload", {"container": "M1", "warheads": 2}).rule is Rule.NOT_IN_CONTAINER
    )


def test_a_missile_with_warheads_stays_in_its_launcher(ledger: Ledger) -> None:
    ledger.declare(
        item("L1", "icbm_launcher", "non_deployed"), item("M1", "icbm", "non_deployed", warheads=0)
    )
    ledger.send("load", {"container": "L1", "items": ["M1"]})
    ledger.send("load", {"container": "M1", "warheads": 1})
    error = rejected(ledger, "unload", {"container": "L1", "items": ["M1"]})
    assert (error.rule, error.item) == (Rule.NOT_EMPTY, "M1")


def test_a_launcher_holding_a_missile_cannot_be_eliminated(ledger: Ledger) -> None:
    ledger.declare(
        item("L1", "icbm_launcher", "in_conversion"),
        item("M1", "icbm", "non_deployed", contained_in="L1"),
    )
    error = rejected(ledger, "eliminate", {"uid": "L1"})
    assert (error.rule, error.item) == (Rule.NOT_EMPTY, "L1")


def test_effective_time_before_the_items_history(ledger: Ledger) -> None:
    ledger.declare(item("W1", "warhead", "stored"))  # effective T0 + 1 day
    error = rejected(ledger, "retire", {"uid": "W1"}, effective=T0)
    assert (error.rule, error.item) == (Rule.EFFECTIVE_ORDER, "W1")


def test_an_out_of_order_notification_about_other_items_is_accepted(ledger: Ledger) -> None:
    ledger.declare(item("W1", "warhead", "stored"))
    ledger.send(
        "declare", {"items": [item("W2", "warhead", "stored")]}, effective=T0 + timedelta(days=5)
    )
    outcome = ledger.send("retire", {"uid": "W1"}, effective=T0 + timedelta(days=2))
    assert outcome.status == "accepted"


def test_late_notification_is_accepted_and_flagged(ledger: Ledger) -> None:
    # received on the sixth day after the change: late (dates of receipt, Part Four I.2)
    effective = T0 + timedelta(days=1, hours=20)
    outcome = ledger.send(
        "declare",
        {"items": [item("W1", "warhead", "stored")]},
        effective=effective,
        issued=T0 + timedelta(days=7),
    )
    assert outcome.status == "accepted"
    assert outcome.late and "deadline.late" in outcome.flags
    assert ("US", 1) in ledger.state.late


def test_notification_exactly_at_the_deadline_is_not_late(ledger: Ledger) -> None:
    effective = T0 + timedelta(days=1)
    outcome = ledger.send(
        "declare",
        {"items": [item("W1", "warhead", "stored")]},
        effective=effective,
        issued=effective + timedelta(days=5),
    )
    assert not outcome.late


def test_the_deadline_counts_dates_not_hours(ledger: Ledger) -> None:
    # a change at 01:00 notified at 23:59 on the fifth day after: more than 5 x 24 hours,
    # still on time, because "the date of provision is the date of receipt"
    effective = T0 + timedelta(days=1, hours=1)
    outcome = ledger.send(
        "declare",
        {"items": [item("W1", "warhead", "stored")]},
        effective=effective,
        issued=T0 + timedelta(days=6, hours=23, minutes=59),
    )
    assert not outcome.late


def test_no_deadline_means_never_late() -> None:
    ledger = Ledger(deadline_days=None)
    outcome = ledger.send(
        "declare", {"items": [item("W1", "warhead", "stored")]}, issued=T0 + timedelta(days=900)
    )
    assert not outcome.late


def test_transfer_to_a_third_state_is_flagged_where_forbidden(ledger: Ledger) -> None:
    ledger.declare(item("W1", "warhead", "stored"))
    outcome = ledger.send("transfer", {"uid": "W1", "to_party": "GB"})
    assert outcome.status == "accepted"
    assert "transfer.third_state" in outcome.flags
    assert ledger.state.violations == [("US", 2, "transfer.third_state", "W1")]


def test_transfer_to_a_treaty_party_is_not_flagged(ledger: Ledger) -> None:
    ledger.declare(item("W1", "warhead", "stored"))
    assert ledger.send("transfer", {"uid": "W1", "to_party": "RU"}).flags == ()


def test_transfer_to_a_third_state_is_not_flagged_where_allowed() -> None:
    ledger = Ledger(third_state_transfer_forbidden=False)
    ledger.declare(item("W1", "warhead", "stored"))
    assert ledger.send("transfer", {"uid": "W1", "to_party": "GB"}).flags == ()


def test_a_failing_item_late_in_a_declaration_leaves_nothing_behind(ledger: Ledger) -> None:
    payload = {
        "items": [
            item("L1", "icbm_launcher", "non_deployed"),
            item("M1", "icbm", "non_deployed"),
            item("M2", "icbm", "non_deployed", warheads=9),
        ]
    }
    rejected(ledger, "declare", payload)
    assert ledger.state.uids() == []
    assert ledger.state.next_sequence("US") == 1


def test_another_partys_item_cannot_be_touched() -> None:
    ledger = Ledger()  # a US ledger; an RU item arrives through a trusted record
    ledger.state.apply_record(
        {
            "party": "RU",
            "sequence": 1,
            "kind": "declare",
            "effective_time": "2011-02-05T00:00:00Z",
            "issued_time": "2011-02-05T00:00:00Z",
            "payload": {"items": [item("RW1", "warhead", "stored", party="RU")], "facilities": []},
        },
        trusted=True,
    )
    assert rejected(ledger, "retire", {"uid": "RW1"}).rule is Rule.UID_FOREIGN


def test_eliminating_a_launcher_touches_its_submarine(ledger: Ledger) -> None:
    # found by tests/ledger/test_ledger_state_machine.py: the elimination takes T1 out of S1,
    # so a move of S1 effective before it would carry T1 in the replay by date (T1 still
    # aboard then) but not in the ledger (T1 gone when the move arrived); it is refused
    ledger.declare(
        item("S1", "submarine", "non_deployed"),
        item("T1", "slbm_launcher", "non_deployed", contained_in="S1"),
    )  # effective T0 + 1 day
    ledger.send("eliminate", {"uid": "T1"}, effective=T0 + timedelta(days=3))
    error = rejected(
        ledger, "move", {"uid": "S1", "to_facility": "F1"}, effective=T0 + timedelta(days=2)
    )
    assert (error.rule, error.item) == (Rule.EFFECTIVE_ORDER, "S1")
    # after the elimination the submarine moves as usual
    moved = ledger.send(
        "move", {"uid": "S1", "to_facility": "F1"}, effective=T0 + timedelta(days=3)
    )
    assert moved.status == "accepted"

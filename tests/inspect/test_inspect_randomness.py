"""Joint randomness: honest rounds, a withheld reveal, a wrong reveal, and grinding refused."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyledger.inspect import randomness
from treatyledger.inspect.errors import FaultKind, RandomnessError
from treatyledger.inspect.randomness import RandomnessRound
from treatyledger.model.notifications import Notification

T0 = datetime(2026, 3, 1, tzinfo=UTC)
VALUE_US, SALT_US = bytes([1]) * 32, bytes([2]) * 32
VALUE_RU, SALT_RU = bytes([3]) * 32, bytes([4]) * 32


def _commit(
    party: str, sequence: int, value: bytes, salt: bytes, round_id: str = "r1"
) -> Notification:
    return Notification(
        party=party,
        sequence=sequence,
        kind="randomness_commit",
        effective_time=T0 + timedelta(minutes=sequence),
        issued_time=T0 + timedelta(minutes=sequence),
        payload={"round_id": round_id, "commitment": randomness.commitment_of(value, salt)},
    )


def _reveal(
    party: str, sequence: int, value: bytes, salt: bytes, round_id: str = "r1"
) -> Notification:
    return Notification(
        party=party,
        sequence=sequence,
        kind="randomness_reveal",
        effective_time=T0 + timedelta(hours=1, minutes=sequence),
        issued_time=T0 + timedelta(hours=1, minutes=sequence),
        payload={"round_id": round_id, "value": value.hex(), "salt": salt.hex()},
    )


def _honest_round() -> list[Notification]:
    return [
        _commit("US", 1, VALUE_US, SALT_US),
        _commit("RU", 1, VALUE_RU, SALT_RU),
        _reveal("US", 2, VALUE_US, SALT_US),
        _reveal("RU", 2, VALUE_RU, SALT_RU),
    ]


def test_commitment_is_sha256_of_value_then_salt() -> None:
    assert (
        randomness.commitment_of(VALUE_US, SALT_US)
        == hashlib.sha256(VALUE_US + SALT_US).hexdigest()
    )


def test_honest_round_yields_seed_from_both_values() -> None:
    outcome = randomness.evaluate_round("r1", ["US", "RU"], _honest_round())
    assert outcome.faults == ()
    expected = hashlib.sha256(
        randomness.SEED_DOMAIN + b"r1\n" + b"RU\n" + VALUE_RU + b"US\n" + VALUE_US
    ).digest()
    assert outcome.require_seed() == expected


def test_seed_does_not_depend_on_reveal_order() -> None:
    events = _honest_round()
    swapped = [events[1], events[0], events[3], events[2]]
    first = randomness.evaluate_round("r1", ["US", "RU"], events).require_seed()
    assert randomness.evaluate_round("r1", ["RU", "US"], swapped).require_seed() == first


def test_seed_changes_when_either_party_changes_its_value() -> None:
    base = randomness.derive_seed("r1", {"US": VALUE_US, "RU": VALUE_RU})
    assert randomness.derive_seed("r1", {"US": VALUE_US, "RU": bytes(32)}) != base
    assert randomness.derive_seed("r1", {"US": bytes(32), "RU": VALUE_RU}) != base


def test_withheld_reveal_is_reported_naming_the_party() -> None:
    events = _honest_round()[:3]  # RU never reveals
    outcome = randomness.evaluate_round("r1", ["US", "RU"], events)
    assert outcome.seed is None
    assert [(f.party, f.kind) for f in outcome.faults] == [("RU", FaultKind.WITHHELD_REVEAL)]
    with pytest.raises(RandomnessError, match="RU: withheld_reveal") as caught:
        outcome.require_seed()
    assert caught.value.party == "RU"


def test_wrong_reveal_is_reported_with_its_notification() -> None:
    events = _honest_round()
    events[3] = _reveal("RU", 2, bytes([9]) * 32, SALT_RU)
    outcome = randomness.evaluate_round("r1", ["US", "RU"], events)
    assert outcome.seed is None
    (fault,) = outcome.faults
    assert (fault.party, fault.kind, fault.evidence) == ("RU", FaultKind.WRONG_REVEAL, "RU#2")


def test_commitment_after_a_reveal_is_refused_as_grinding() -> None:
    # RU waits for US's reveal, then commits to a value of its choosing: refused by ordering.
    events = [
        _commit("US", 1, VALUE_US, SALT_US),
        _reveal("US", 2, VALUE_US, SALT_US),
        _commit("RU", 1, VALUE_RU, SALT_RU),
        _reveal("RU", 2, VALUE_RU, SALT_RU),
    ]
    outcome = randomness.evaluate_round("r1", ["US", "RU"], events)
    assert outcome.seed is None
    kinds = {(f.party, f.kind) for f in outcome.faults}
    assert ("US", FaultKind.PREMATURE_REVEAL) in kinds
    assert ("RU", FaultKind.LATE_COMMITMENT) in kinds


def test_late_commitment_stays_refused_when_the_early_revealer_reveals_again() -> None:
    # Otherwise RU could commit after seeing US's value and US's second reveal would complete
    # a round whose seed RU chose.
    events = [
        _commit("US", 1, VALUE_US, SALT_US),
        _reveal("US", 2, VALUE_US, SALT_US),
        _commit("RU", 1, VALUE_RU, SALT_RU),
        _reveal("US", 3, VALUE_US, SALT_US),
        _reveal("RU", 2, VALUE_RU, SALT_RU),
    ]
    outcome = randomness.evaluate_round("r1", ["US", "RU"], events)
    assert outcome.seed is None
    assert "RU" in outcome.faulty_parties


def test_state_machine_refuses_commitment_once_any_reveal_is_in() -> None:
    state = RandomnessRound("r1", ("US", "RU"))
    state.commit("US", randomness.commitment_of(VALUE_US, SALT_US))
    state.commit("RU", randomness.commitment_of(VALUE_RU, SALT_RU))
    state.reveal("US", VALUE_US, SALT_US)
    with pytest.raises(RandomnessError, match="refused") as caught:
        state.commit("RU", randomness.commitment_of(bytes(32), SALT_RU))
    assert caught.value.kind is FaultKind.LATE_COMMITMENT


def test_reveal_before_every_commitment_is_refused() -> None:
    state = RandomnessRound("r1", ("US", "RU"))
    state.commit("US", randomness.commitment_of(VALUE_US, SALT_US))
    with pytest.raises(RandomnessError, match="waiting for the commitment of RU"):
        state.reveal("US", VALUE_US, SALT_US)


def test_value_of_wrong_length_cannot_open_a_commitment() -> None:
    # Fixed lengths stop a party from shifting bytes between value and salt.
    state = RandomnessRound("r1", ("US", "RU"))
    state.commit("US", randomness.commitment_of(VALUE_US, SALT_US))
    state.commit("RU", randomness.commitment_of(VALUE_RU, SALT_RU))
    state.reveal("US", VALUE_US + SALT_US[:1], SALT_US[1:])
    assert state.outcome().faults[0].kind is FaultKind.WRONG_REVEAL


def test_outsider_events_are_reported_and_ignored() -> None:
    events = [*_honest_round(), _commit("FR", 1, VALUE_US, SALT_US)]
    outcome = randomness.evaluate_round("r1", ["US", "RU"], events)
    assert [(f.party, f.kind) for f in outcome.faults] == [("FR", FaultKind.NOT_A_PARTICIPANT)]


def test_events_of_other_rounds_are_ignored() -> None:
    events = [*_honest_round(), _commit("US", 3, VALUE_US, SALT_US, round_id="r2")]
    assert randomness.evaluate_round("r1", ["US", "RU"], events).faults == ()


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.binary(min_size=32, max_size=32), min_size=4, max_size=4),
    reveal_ru_first=st.booleans(),
)
def test_any_honest_round_yields_the_seed_of_its_values(
    values: list[bytes], reveal_ru_first: bool
) -> None:
    us_value, us_salt, ru_value, ru_salt = values
    commits = [_commit("US", 1, us_value, us_salt), _commit("RU", 1, ru_value, ru_salt)]
    reveals = [_reveal("US", 2, us_value, us_salt), _reveal("RU", 2, ru_value, ru_salt)]
    if reveal_ru_first:
        reveals.reverse()
    outcome = randomness.evaluate_round("r1", ["US", "RU"], [*commits, *reveals])
    assert outcome.require_seed() == randomness.derive_seed("r1", {"US": us_value, "RU": ru_value})

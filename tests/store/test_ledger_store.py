"""LedgerStore: every notification is verified, validated, committed and only then
acknowledged; the materialized items always equal a fresh replay. Runs on both backends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from factory import T0, Notifier, base_force, item
from treatyledger.ledger import leaf_bytes, replay
from treatyledger.store import ledger_store as ledger_store_module
from treatyledger.store import submission_prep
from treatyledger.store.errors import BatchTooLarge, StoreError
from treatyledger.store.ledger_reads import materialized_differences
from treatyledger.store.ledger_store import MAX_BATCH, LedgerStore, Unsigned, open_ledger
from treatyledger.store.ledger_tables import ItemRow, NotificationRow
from treatyledger.store.tlog_store import TlogReader
from treatyledger.store.workspace import Workspace, public_key_b64
from treatyledger.tlog.checkpoint import origin_for_party


def stored_count(store: LedgerStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(NotificationRow)).scalar_one())


def items_table(store: LedgerStore) -> dict[str, str]:
    with store.engine.connect() as conn:
        return {uid: body for uid, body in conn.execute(select(ItemRow.uid, ItemRow.body))}


def test_accepted_notifications_are_acked_with_consecutive_leaf_indices(
    ledger_store: LedgerStore, us: Notifier
) -> None:
    batch = [
        us.declare(base_force()),
        us.make("load", {"container": "US-L1", "items": ["US-M1"]}),
        us.make("load", {"container": "US-M1", "warheads": 2}),
    ]
    acks = ledger_store.submit(batch)
    assert [(a.status, a.sequence, a.leaf_index) for a in acks] == [
        ("accepted", 1, 0),
        ("accepted", 2, 1),
        ("accepted", 3, 2),
    ]
    assert stored_count(ledger_store) == 3


def test_the_log_leaf_is_the_canonical_signed_envelope(
    ledger_store: LedgerStore, us: Notifier
) -> None:
    notification = us.declare(base_force())
    ledger_store.submit([notification])
    with ledger_store.engine.connect() as conn:
        reader = TlogReader(conn, origin_for_party("US"))
        assert reader.size == 1
        assert reader.leaf(0) == leaf_bytes(notification)


def test_a_rejected_notification_does_not_take_its_batch_down(
    ledger_store: LedgerStore, us: Notifier
) -> None:
    declare = us.declare(base_force())
    good = us.make("load", {"container": "US-L1", "items": ["US-M1"]})
    forged = good.model_copy(
        update={"payload": good.payload.model_copy(update={"container": "US-L2"})}
    )
    after = us.make("load", {"container": "US-M1", "warheads": 1})
    acks = ledger_store.submit([declare, forged, good, after])
    assert [a.status for a in acks] == ["accepted", "rejected", "accepted", "accepted"]
    assert acks[1].rule == "signature.invalid"
    assert stored_count(ledger_store) == 3
    assert ledger_store.items()["US-L2"].status == "non_deployed"


def test_a_rejected_notification_changes_nothing_stored(
    ledger_store: LedgerStore, us: Notifier
) -> None:
    ledger_store.submit([us.declare(base_force())])
    before = (stored_count(ledger_store), items_table(ledger_store))
    acks = ledger_store.submit([us.make("dismantle", {"uid": "US-W1"})])  # not retired yet
    assert acks[0].status == "rejected"
    assert acks[0].rule == "transition.illegal"
    assert acks[0].item == "US-W1"
    assert (stored_count(ledger_store), items_table(ledger_store)) == before


def _unsigned(us: Notifier, kind: str, payload: dict[str, Any]) -> Unsigned:
    draft = us.data(kind, payload)
    del draft["sequence"]
    return Unsigned(draft, us.key)


def test_an_unsigned_notification_is_numbered_when_judged_and_a_rejected_one_takes_no_number(
    ledger_store: LedgerStore, us: Notifier
) -> None:
    batch = [
        _unsigned(us, "declare", {"items": base_force()}),
        _unsigned(us, "dismantle", {"uid": "US-W1"}),  # not retired: illegal
        _unsigned(us, "load", {"container": "US-L1", "items": ["US-M1"]}),
    ]
    acks = ledger_store.submit(batch)
    assert [(a.status, a.sequence, a.rule) for a in acks] == [
        ("accepted", 1, None),
        ("rejected", None, "transition.illegal"),
        ("accepted", 2, None),
    ]
    assert [r["sequence"] for r in ledger_store.records("US")] == [1, 2]
    assert ledger_store.records("US")[1]["kind"] == "load"


def test_an_unsigned_draft_that_is_no_notification_is_a_schema_rejection(
    ledger_store: LedgerStore, us: Notifier
) -> None:
    draft = _unsigned(us, "load", {"container": "US-L1"}).draft
    acks = ledger_store.submit([Unsigned({**draft, "kind": "launch"}, us.key)])
    assert (acks[0].status, acks[0].rule, acks[0].sequence) == ("rejected", "schema.mismatch", None)
    assert stored_count(ledger_store) == 0


def _schema_mismatch(us: Notifier) -> Any:
    data = us.data("load", {"container": "US-L1", "items": ["US-M1"]})
    del data["kind"]
    return data


def _unknown_party(us: Notifier) -> Any:
    other = Notifier(Ed25519PrivateKey.generate(), "XX")
    return other.declare([item("XX-1", "warhead", "stored", party="XX")])


def _unknown_signer(us: Notifier) -> Any:
    stranger = Notifier(Ed25519PrivateKey.generate(), "US")
    stranger.sequence = 1
    return stranger.make("load", {"container": "US-L1", "items": ["US-M1"]})


def _bad_signature(us: Notifier) -> Any:
    signed = us.make("load", {"container": "US-L1", "items": ["US-M1"]})
    return signed.model_copy(update={"issued_time": signed.issued_time + timedelta(seconds=1)})


def _sequence_gap(us: Notifier) -> Any:
    return us.make("load", {"container": "US-L1", "items": ["US-M1"]}, sequence=5)


def _replay(us: Notifier) -> Any:
    return us.make("load", {"container": "US-L1", "items": ["US-M1"]}, sequence=1)


def _unknown_uid(us: Notifier) -> Any:
    return us.make("load", {"container": "US-L9", "items": ["US-M1"]})


def _capacity(us: Notifier) -> Any:
    return us.make("load", {"container": "US-M1", "warheads": 4})  # MM III carries 3


def _two_places(us: Notifier) -> Any:
    return us.make("load", {"container": "US-M2", "items": ["US-W1"]}, sequence=2)


@pytest.mark.parametrize(
    ("build", "rule"),
    [
        (_schema_mismatch, "schema.mismatch"),
        (_unknown_party, "signature.unknown_signer"),
        (_unknown_signer, "signature.unknown_signer"),
        (_bad_signature, "signature.invalid"),
        (_sequence_gap, "sequence.gap"),
        (_replay, "sequence.replay"),
        (_unknown_uid, "uid.unknown"),
        (_capacity, "containment.capacity"),
    ],
)
def test_every_rejection_reaches_the_ack_with_its_rule(
    ledger_store: LedgerStore, us: Notifier, build: Any, rule: str
) -> None:
    ledger_store.submit([us.declare(base_force())])
    acks = ledger_store.submit([build(us)])
    assert (acks[0].status, acks[0].rule) == ("rejected", rule)
    assert acks[0].reason
    assert stored_count(ledger_store) == 1


def test_an_item_in_two_places_is_rejected(ledger_store: LedgerStore, us: Notifier) -> None:
    ledger_store.submit(
        [us.declare(base_force()), us.make("load", {"container": "US-M1", "items": ["US-W1"]})]
    )
    acks = ledger_store.submit([us.make("load", {"container": "US-M2", "items": ["US-W1"]})])
    assert (acks[0].rule, acks[0].item) == ("containment.two_places", "US-W1")


def test_resubmitting_accepted_notifications_is_idempotent(
    ledger_store: LedgerStore, us: Notifier
) -> None:
    batch = [us.declare(base_force()), us.make("load", {"container": "US-L1", "items": ["US-M1"]})]
    first = ledger_store.submit(batch)
    again = ledger_store.submit(batch)
    assert [a.status for a in again] == ["duplicate", "duplicate"]
    assert [a.leaf_index for a in again] == [a.leaf_index for a in first]
    assert stored_count(ledger_store) == 2


def test_a_duplicate_within_one_batch_is_acked_with_the_first_ones_leaf(
    ledger_store: LedgerStore, us: Notifier
) -> None:
    declare = us.declare(base_force())
    acks = ledger_store.submit([declare, declare])
    assert [(a.status, a.leaf_index) for a in acks] == [("accepted", 0), ("duplicate", 0)]


def test_a_late_notification_is_accepted_and_stored_late(
    ledger_store: LedgerStore, us: Notifier
) -> None:
    on_time = us.declare(base_force(), effective=T0, issued=T0 + timedelta(days=5))
    # a missile's move is a change in data (New START Part Four II.3: within five days);
    # warhead numbers would wait for the six-month update, so no deadline would be missed
    late = us.make(
        "move",
        {"uid": "US-M1", "to_facility": "STORE"},
        effective=T0 + timedelta(days=1),
        issued=T0 + timedelta(days=7),
    )
    acks = ledger_store.submit([on_time, late])
    assert [(a.status, a.late) for a in acks] == [("accepted", False), ("accepted", True)]
    assert "deadline.late" in acks[1].flags
    with ledger_store.engine.connect() as conn:
        flags = conn.execute(
            select(NotificationRow.sequence, NotificationRow.late).order_by(
                NotificationRow.sequence
            )
        ).all()
    assert [tuple(f) for f in flags] == [(1, False), (2, True)]


def test_a_transfer_to_a_third_state_is_accepted_and_flagged(
    ledger_store: LedgerStore, us: Notifier
) -> None:
    acks = ledger_store.submit(
        [us.declare(base_force()), us.make("transfer", {"uid": "US-W1", "to_party": "XX"})]
    )
    assert acks[1].status == "accepted"
    assert "transfer.third_state" in acks[1].flags


def test_nothing_is_acknowledged_or_kept_when_the_commit_fails(
    ledger_store: LedgerStore, us: Notifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger_store.submit([us.declare(base_force())])
    batch = [
        us.make("load", {"container": "US-L1", "items": ["US-M1"]}),
        us.make("load", {"container": "US-M1", "warheads": 2}),
    ]

    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(ledger_store_module, "append_leaves", broken)
        with pytest.raises(StoreError, match="nothing of it was acknowledged"):
            ledger_store.submit(batch)
    assert stored_count(ledger_store) == 1
    assert ledger_store.next_sequence("US") == 2  # the in-memory state was rolled back too
    assert [a.status for a in ledger_store.submit(batch)] == ["accepted", "accepted"]


def test_items_table_equals_a_fresh_replay_after_every_kind_of_change(
    ledger_store: LedgerStore, us: Notifier
) -> None:
    acks = ledger_store.submit(
        [
            us.declare(base_force()),
            us.make("load", {"container": "US-L1", "items": ["US-M1"]}),
            us.make("load", {"container": "US-M1", "items": ["US-W1"], "warheads": 1}),
            us.make("move", {"uid": "US-L1", "to_facility": "BASE2"}),
            us.make("status_change", {"uid": "US-B1", "to_status": "non_deployed"}),
            us.make("retire", {"uid": "US-W2"}),
            us.make("dismantle", {"uid": "US-W2"}),
            us.make("eliminate", {"uid": "US-L2"}),
            us.make("convert", {"uid": "US-B1", "to_status": "converted_non_nuclear"}),
        ]
    )
    assert {a.status for a in acks} == {"accepted"}
    assert materialized_differences(ledger_store.engine, ledger_store.policy) == []
    assert ledger_store.items()["US-W1"].facility == "BASE2"  # moved with its launcher


def test_a_correction_rewrites_the_materialized_items(
    ledger_store: LedgerStore, us: Notifier
) -> None:
    ledger_store.submit(
        [us.declare(base_force()), us.make("load", {"container": "US-M1", "warheads": 2})]
    )
    correction = us.make(
        "correction",
        {
            "kind": "load",
            "effective_time": us.data("x", {}, sequence=2)["effective_time"],
            "payload": {"container": "US-M1", "warheads": 3},
            "reason": "three RVs, not two",
        },
        corrects={"party": "US", "sequence": 2},
    )
    acks = ledger_store.submit([correction])
    assert acks[0].status == "accepted"
    assert ledger_store.items()["US-M1"].warheads == 3
    assert materialized_differences(ledger_store.engine, ledger_store.policy) == []


def test_history_lists_every_notification_that_touched_an_item(
    ledger_store: LedgerStore, us: Notifier
) -> None:
    ledger_store.submit(
        [
            us.declare(base_force()),
            us.make("load", {"container": "US-L1", "items": ["US-M1"]}),
            us.make("retire", {"uid": "US-W2"}),
            us.make("move", {"uid": "US-L1", "to_facility": "BASE2"}),
        ]
    )
    assert [h.sequence for h in ledger_store.history("US-M1")] == [1, 2, 4]
    assert [h.kind for h in ledger_store.history("US-W2")] == ["declare", "retire"]
    assert ledger_store.history("US-M1")[1].record["payload"]["container"] == "US-L1"


def test_a_reopened_store_replays_to_the_same_state(
    workspace: Workspace, ledger_store: LedgerStore, us: Notifier
) -> None:
    ledger_store.submit(
        [
            us.declare(base_force()),
            us.make("load", {"container": "US-L1", "items": ["US-M1"]}),
            us.make("retire", {"uid": "US-W2"}),
        ]
    )
    reopened = open_ledger(workspace)
    assert reopened.state.snapshot() == ledger_store.state.snapshot()
    assert reopened.next_sequence("US") == 4


def test_stored_records_replay_to_the_in_memory_state(
    ledger_store: LedgerStore, us: Notifier
) -> None:
    ledger_store.submit(
        [us.declare(base_force()), us.make("load", {"container": "US-L1", "items": ["US-M1"]})]
    )
    fresh = replay(ledger_store.records(), ledger_store.policy)
    assert fresh.snapshot() == ledger_store.state.snapshot()


def test_a_peer_log_is_mirrored_after_its_key_is_registered(
    workspace: Workspace, ledger_store: LedgerStore
) -> None:
    ru = Notifier(Ed25519PrivateKey.generate(), "RU")
    declare = ru.declare([item("RU-W1", "warhead", "stored", party="RU")])
    assert ledger_store.submit([declare])[0].rule == "signature.unknown_signer"
    workspace.register_party_key("RU", public_key_b64(ru.key.public_key()))
    ledger_store.register_key("RU", public_key_b64(ru.key.public_key()))
    ack = ledger_store.submit([declare])[0]
    assert (ack.status, ack.leaf_index) == ("accepted", 0)  # index 0 of RU's own log


def test_unsigned_notifications_pass_only_with_verification_off(
    workspace: Workspace, us: Notifier
) -> None:
    unsigned = us.declare(base_force()).unsigned()
    assert open_ledger(workspace).submit([unsigned])[0].rule == "signature.missing"
    trusting = open_ledger(workspace, verify_signatures=False)
    assert trusting.submit([unsigned])[0].status == "accepted"


def test_a_batch_over_the_bound_is_refused(ledger_store: LedgerStore) -> None:
    with pytest.raises(BatchTooLarge, match="at most"):  # the caller's mistake: exit 2
        ledger_store.submit([{}] * (MAX_BATCH + 1))
    assert ledger_store.next_sequence("US") == 1


def test_an_unexpected_error_mid_batch_rolls_the_in_memory_state_back(
    ledger_store: LedgerStore, us: Notifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger_store.submit([us.declare(base_force())])
    batch = [
        us.make("load", {"container": "US-L1", "items": ["US-M1"]}),
        us.make("retire", {"uid": "US-W1"}),
    ]
    calls = []

    def failing_second(record: Any) -> bytes:
        calls.append(record)
        if len(calls) == 2:
            raise MemoryError("out of memory")
        return leaf_bytes(record)

    with monkeypatch.context() as patch:
        patch.setattr(submission_prep, "leaf_bytes", failing_second)
        with pytest.raises(StoreError):
            ledger_store.submit(batch)
    # the first notification had been applied in memory; it must not linger there
    assert ledger_store.next_sequence("US") == 2
    assert ledger_store.state.item("US-L1").status == "non_deployed"  # type: ignore[union-attr]
    assert [a.status for a in ledger_store.submit(batch)] == ["accepted", "accepted"]

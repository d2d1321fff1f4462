"""Property: random streams of valid and invalid notifications, submitted in random batches,
never leave the store inconsistent: the acks equal the pure ledger's verdicts, and the stored
notifications, the materialized items and a fresh replay agree. Both backends.

Each example is a new party (its own key, items and log) in one shared workspace, so the
invariants are checked over everything stored so far.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from factory import T0, Notifier, base_force
from treatyledger.ledger import LedgerState, NotificationRejected, replay
from treatyledger.store.ledger_reads import materialized_differences
from treatyledger.store.ledger_store import LedgerStore
from treatyledger.store.ledger_tables import NotificationRow
from treatyledger.store.workspace import Workspace, public_key_b64

_parties = itertools.count(1)

MISSILES = ["M1", "M2", "M3"]
LAUNCHERS = ["L1", "L2"]
WARHEADS = ["W1", "W2", "W3"]
ANY = [*MISSILES, *LAUNCHERS, *WARHEADS, "B1", "X9"]

op = st.one_of(
    st.tuples(st.just("load"), st.sampled_from(LAUNCHERS), st.sampled_from(MISSILES)),
    st.tuples(st.just("unload"), st.sampled_from(LAUNCHERS), st.sampled_from(MISSILES)),
    st.tuples(st.just("load"), st.sampled_from(MISSILES), st.sampled_from(WARHEADS)),
    st.tuples(st.just("unload"), st.sampled_from(MISSILES), st.sampled_from(WARHEADS)),
    st.tuples(st.just("rvs"), st.sampled_from(MISSILES), st.integers(-2, 4)),
    st.tuples(
        st.sampled_from(["retire", "dismantle", "eliminate"]), st.sampled_from(ANY), st.none()
    ),
    st.tuples(
        st.just("status_change"),
        st.sampled_from(ANY),
        st.sampled_from(["deployed", "non_deployed", "stored", "retired"]),
    ),
    st.tuples(st.just("move"), st.sampled_from(ANY), st.sampled_from(["BASE", "BASE2"])),
    st.tuples(st.just("transfer"), st.sampled_from(WARHEADS), st.sampled_from(["RU", "XX"])),
)
# what happens to the envelope: most are honest, some are forged or out of sequence
envelope = st.sampled_from(["ok"] * 8 + ["forged", "gap", "replay", "backdated", "again"])
stream = st.lists(st.tuples(op, envelope, st.booleans()), min_size=1, max_size=20)


def payload_of(party: str, operation: tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
    name, a, b = operation
    a = f"{party}-{a}"
    if name in ("load", "unload"):
        return name, {"container": a, "items": [f"{party}-{b}"]}
    if name == "rvs":
        return ("load" if b >= 0 else "unload"), {"container": a, "warheads": abs(b) or 1}
    if name == "status_change":
        return name, {"uid": a, "to_status": b}
    if name == "move":
        return name, {"uid": a, "to_facility": b}
    if name == "transfer":
        return name, {"uid": a, "to_party": b}
    return name, {"uid": a}


def build(notifier: Notifier, model: LedgerState, step: int, operation: Any, how: str) -> Any:
    party = notifier.party
    kind, payload = payload_of(party, operation)
    sequence = model.next_sequence(party)
    effective = T0 + timedelta(days=10 + step)
    if how == "gap":
        sequence += 1
    elif how == "replay" and sequence > 1:
        sequence = 1
    elif how == "backdated":
        effective = T0 + timedelta(days=2)
    notification = notifier.make(kind, payload, sequence=sequence, effective=effective)
    if how == "forged":
        notification = notification.model_copy(
            update={"issued_time": notification.issued_time + timedelta(hours=1)}
        )
    return notification


def run_stream(
    workspace: Workspace, store: LedgerStore, steps: list[tuple[Any, str, bool]]
) -> None:
    party = f"P{next(_parties)}"
    notifier = Notifier(Ed25519PrivateKey.generate(), party)
    public = public_key_b64(notifier.key.public_key())
    workspace.register_party_key(party, public)
    store.register_key(party, public)
    model = LedgerState(store.policy, keys={party: [notifier.key.public_key()]})

    first = notifier.declare(
        [dict(i, uid=i["uid"].replace("US", party), party=party) for i in base_force()],
        sequence=1,
        effective=T0,
    )
    model.apply(first)
    assert store.submit([first])[0].status == "accepted"

    batch: list[Any] = []
    expected: list[str] = []
    notification = first
    for step, (operation, how, cut) in enumerate(steps):
        if how != "again":  # "again" re-submits the previous notification
            notification = build(notifier, model, step, operation, how)
        try:
            expected.append(model.apply(notification).status)
        except NotificationRejected:
            expected.append("rejected")
        batch.append(notification)
        if cut or step == len(steps) - 1:
            acks = store.submit(batch)
            assert [a.status for a in acks] == expected[-len(batch) :]
            batch = []

    assert store.state.snapshot() == snapshot_with(model, party, store)
    with store.engine.connect() as conn:
        stored = conn.execute(
            select(NotificationRow.sequence).where(NotificationRow.party == party)
        ).scalars()
        assert sorted(stored) == list(range(1, model.next_sequence(party)))
    assert materialized_differences(store.engine, store.policy) == []
    assert replay(store.records(), store.policy).snapshot() == store.state.snapshot()


def snapshot_with(model: LedgerState, party: str, store: LedgerStore) -> dict[str, Any]:
    """The store's snapshot with this party's part taken from the pure model."""
    ours = store.state.snapshot()
    theirs = model.snapshot()
    items = {u: r for u, r in ours["items"].items() if r["party"] != party}
    items.update(theirs["items"])
    contents = {c: v for c, v in ours["contents"].items() if not c.startswith(f"{party}-")}
    contents.update(theirs["contents"])
    return {"items": items, "contents": contents, "next": {**ours["next"], **theirs["next"]}}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=stream)
def test_random_streams_never_leave_the_store_inconsistent_with_a_replay(
    workspace: Workspace, ledger_store: LedgerStore, steps: list[tuple[Any, str, bool]]
) -> None:
    run_stream(workspace, ledger_store, steps)

"""Party-scoped UIDs (issue 13, item 2).

A UID names an item within its party's namespace: the ledger state, the store and the mirror
key items by (party, uid). A party that declared items named like the other party's UIDs
once stopped the other party's mirror for good (``uid.duplicate`` on every sync) and kept it
from declaring its own. Now both items exist side by side; a node refuses its own party's
declaration of a UID it knows as the other party's (``uid.other_party``), and never stops a
mirror for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from factory import Notifier, item
from node.harness import served_node
from treatyledger.files import load_catalog
from treatyledger.ledger import LedgerState
from treatyledger.ledger.errors import NotificationRejected
from treatyledger.ledger.outcomes import Rule
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.node.auth import Role
from treatyledger.node.mirror import Mirror
from treatyledger.node.peer import sync_peer
from treatyledger.store.ledger_reads import materialized_item
from treatyledger.store.ledger_store import open_ledger
from treatyledger.store.workspace import Workspace

SHARED = ["SHARED-L1", "SHARED-M1"]


def _force(party: str) -> list[dict[str, object]]:
    """One silo launcher holding a missile, under UIDs both parties use."""
    base = f"{party}-BASE"
    kind = "MM III" if party == "US" else "SS-18"
    return [
        item(SHARED[0], "icbm_launcher", "deployed", party, facility=base, system_type=kind),
        item(
            SHARED[1],
            "icbm",
            "deployed",
            party,
            facility=base,
            system_type=kind,
            warheads=1,
            contained_in=SHARED[0],
        ),
    ]


@pytest.fixture
def ru(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.init(tmp_path / "ru", "RU") as workspace:
        yield workspace


def test_the_same_uid_in_both_parties_mirrors_and_counts_apart(
    tmp_path: Path, ru: Workspace
) -> None:
    ru_ledger = open_ledger(ru)
    ru_notes = Notifier(ru.signing_key, "RU")
    acks = ru_ledger.submit([ru_notes.declare(_force("RU"))])
    assert acks[0].status == "accepted", acks
    with served_node(tmp_path / "us", peer_key=ru.signing_key) as us:
        us_notes = Notifier(us.workspace.signing_key, "US")
        response = us.post_notifications([us_notes.declare(_force("US")).to_json_dict()])
        assert response.json()["accepted"] == 1, response.text
        ru.register_party_key("US", us.workspace.public_key)
        report = sync_peer(ru, us.url, us.tokens[Role.PEER])  # once stopped on uid.duplicate
        assert report.replayed == 1
        # and the next notifications of both keep flowing
        unload = us_notes.make("unload", {"container": SHARED[1], "warheads": 1})
        answer = us.post_notifications([unload.to_json_dict()])
        assert answer.json().get("accepted") == 1, answer.text
        assert sync_peer(ru, us.url, us.tokens[Role.PEER]).replayed == 1
    mirror = open_ledger(ru)
    assert mirror.state.item(SHARED[1], "RU").warheads == 1
    assert mirror.state.item(SHARED[1], "US").warheads == 0
    assert materialized_item(ru.engine, "RU", SHARED[1]).warheads == 1
    assert materialized_item(ru.engine, "US", SHARED[1]).warheads == 0
    counted = Mirror(ru)
    assert counted.counts("US")["categories"]["deployed_warheads"]["total"] == 0
    assert counted.counts("RU")["categories"]["deployed_warheads"]["total"] == 1
    inventory = mirror.state.inventory()
    assert sorted((i.party, i.uid) for i in inventory.items) == sorted(
        (p, u) for p in ("RU", "US") for u in SHARED
    )
    # RU's own declarations go on after the mirror holds US's same-named items
    later = ru_notes.declare([item("RU-W1", "warhead", "stored", "RU", facility="RU-STORE")])
    assert open_ledger(ru).submit([later])[0].status == "accepted"


def test_a_node_refuses_its_partys_declaration_of_a_uid_it_knows_as_the_others(
    tmp_path: Path, ru: Workspace
) -> None:
    with served_node(tmp_path / "us", peer_key=ru.signing_key) as us:
        us.seed(1)
        us_notes = Notifier(us.workspace.signing_key, "US")
        us_notes.sequence = 1
        declared = us_notes.declare(_force("US"))
        assert us.post_notifications([declared.to_json_dict()]).json()["accepted"] == 1
        ru.register_party_key("US", us.workspace.public_key)
        sync_peer(ru, us.url, us.tokens[Role.PEER])
    ledger = open_ledger(ru)
    ru_notes = Notifier(ru.signing_key, "RU")
    ack = ledger.submit([ru_notes.declare(_force("RU"))])[0]
    assert (ack.status, ack.rule, ack.item) == ("rejected", Rule.UID_OTHER_PARTY.value, SHARED[0])
    assert "US" in (ack.reason or "")
    fresh = ru_notes.declare(
        [
            item(
                "RU-L1",
                "icbm_launcher",
                "non_deployed",
                "RU",
                facility="RU-BASE",
                system_type="SS-18",
            )
        ],
        sequence=1,
    )
    assert ledger.submit([fresh])[0].status == "accepted"


def test_the_ledger_keeps_each_partys_items_apart() -> None:
    policy = LedgerPolicy(catalog=load_catalog(), require_signatures=False)
    state = LedgerState(policy)
    for party in ("US", "RU"):
        notes = Notifier(None, party)  # type: ignore[arg-type]
        state.apply_record(notes.data("declare", {"items": _force(party)}), trusted=True)
    assert state.item(SHARED[0], "US").party == "US"
    assert state.item(SHARED[0], "RU").party == "RU"
    assert state.contents(SHARED[0], "RU") == (SHARED[1],)
    # a party's notification names its own item: RU's unload leaves US's SHARED-M1 alone
    us_missile = state.item(SHARED[1], "US")
    ru_unload = Notifier(None, "RU")  # type: ignore[arg-type]
    ru_unload.sequence = 1
    state.apply_record(
        ru_unload.data("unload", {"container": SHARED[1], "warheads": 1}), trusted=True
    )
    assert state.item(SHARED[1], "RU").warheads == 0
    assert state.item(SHARED[1], "US") == us_missile
    with pytest.raises(NotificationRejected) as caught:
        state.apply_record(ru_unload.data("retire", {"uid": "US-ONLY"}), trusted=True)
    assert caught.value.rule is Rule.UID_UNKNOWN
    with pytest.raises(ValueError, match="name the party"):
        state.item(SHARED[0])

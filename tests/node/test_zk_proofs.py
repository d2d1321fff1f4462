"""Zero-knowledge limit proofs published in a party's log: peer sync checks each one (the
proof, the limits of the verifier's rule set, the checkpoint against the mirrored log), and
the observer view shows "within the limit, proven" with the checkpoint it is bound to."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from node.harness import ServedNode, served_node
from treatyledger.files import load_catalog, load_rule_set
from treatyledger.node.auth import Role
from treatyledger.node.peer import sync_peer
from treatyledger.store.ledger_reads import workspace_inventory
from treatyledger.store.workspace import Workspace
from treatyledger.store.zk_store import limit_proof_checks
from treatyledger.tlog.verifier import parse_checkpoint
from treatyledger.zk import ristretto as group
from treatyledger.zk.limits import prove_limits
from treatyledger.zk.published import proof_payload
from treatyledger.zk.verifier import Checkpoint

AS_OF = date(2018, 2, 5)
CATEGORIES = ["deployed_warheads", "deployed_delivery_vehicles"]


def current_checkpoint(node: ServedNode) -> Checkpoint:
    note = node.client(Role.OBSERVER).get("/v1/log/checkpoint").json()["note"]
    body = parse_checkpoint(note[: note.index("\n\n") + 1])
    return Checkpoint(body.origin, body.size, body.root)


def limit_proof_record(node: ServedNode, sequence: int, checkpoint: Checkpoint) -> dict[str, Any]:
    inventory = workspace_inventory(node.workspace.path, AS_OF, party="US")
    proof, _ = prove_limits(
        inventory=inventory,
        rule_set=load_rule_set("new-start"),
        catalog=load_catalog(),
        party="US",
        categories=CATEGORIES,
        as_of=AS_OF,
        random_bytes=secrets.token_bytes,
        checkpoint=checkpoint,
    )
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "party": "US",
        "sequence": sequence,
        "kind": "zk_limit_proof",
        "effective_time": now,
        "issued_time": now,
        "payload": proof_payload(proof),
    }


def publish(node: ServedNode, record: dict[str, Any]) -> None:
    response = node.submit([record])
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1


def test_peer_sync_checks_published_proofs_and_the_observer_view_shows_them(
    tmp_path: Path,
) -> None:
    with (
        Workspace.init(tmp_path / "ru", "RU") as ru,
        served_node(tmp_path / "us", peer_key=ru.signing_key) as us,
    ):
        us.seed(3)
        bound = current_checkpoint(us)
        publish(us, limit_proof_record(us, 4, bound))
        ru.register_party_key("US", us.workspace.public_key)
        report = sync_peer(ru, us.url, us.tokens[Role.PEER])
        summary = (
            us.client(Role.OBSERVER)
            .get("/v1/public/summary", params={"as_of": "2018-02-05"})
            .json()
        )
        stored = limit_proof_checks(ru.engine, "US")
    [check] = report.limit_proofs
    assert (check.party, check.sequence, check.valid, check.reason) == ("US", 4, True, "")
    assert (check.checkpoint_size, check.checkpoint_origin) == (3, "treatyledger.example/US")
    assert stored == [check]
    [shown] = summary["limit_proofs"]
    assert shown["verdict"] == "within the limit, proven"
    assert shown["checkpoint_size"] == 3
    assert shown["checkpoint_root"] == base64.b64encode(bound.root).decode()
    assert {c["category"]: c["limit"] for c in shown["categories"]} == {
        "deployed_warheads": 1550,
        "deployed_delivery_vehicles": 700,
    }


def test_a_proof_bound_to_a_root_the_log_never_had_is_invalid(tmp_path: Path) -> None:
    with (
        Workspace.init(tmp_path / "ru", "RU") as ru,
        served_node(tmp_path / "us", peer_key=ru.signing_key) as us,
    ):
        us.seed(2)
        real = current_checkpoint(us)
        publish(us, limit_proof_record(us, 3, Checkpoint(real.origin, real.size, bytes(32))))
        ru.register_party_key("US", us.workspace.public_key)
        [check] = sync_peer(ru, us.url, us.tokens[Role.PEER]).limit_proofs
    assert not check.valid
    assert "root differs" in check.reason


def test_a_signed_proof_whose_commitment_was_changed_is_invalid(tmp_path: Path) -> None:
    with (
        Workspace.init(tmp_path / "ru", "RU") as ru,
        served_node(tmp_path / "us", peer_key=ru.signing_key) as us,
    ):
        us.seed(2)
        record = limit_proof_record(us, 3, current_checkpoint(us))
        base = record["payload"]["categories"][0]["bases"][0]
        changed = group.add(bytes.fromhex(base["commitment"]), group.GENERATOR)
        base["commitment"] = changed.hex()  # one more warhead, signed by the party
        publish(us, record)
        ru.register_party_key("US", us.workspace.public_key)
        [check] = sync_peer(ru, us.url, us.tokens[Role.PEER]).limit_proofs
        summary = us.client(Role.OBSERVER).get("/v1/public/summary").json()
    assert not check.valid
    assert "deployed_warheads: the range proof does not verify" in check.reason
    assert summary["limit_proofs"][0]["verdict"] == "invalid"

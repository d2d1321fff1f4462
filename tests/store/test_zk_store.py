"""Published limit proofs in the store, on SQLite and PostgreSQL: a zk_limit_proof
notification is checked once, against the limits of the rule set and the party's own log."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

from factory import signed, stream
from treatyledger.files import load_catalog, load_rule_set
from treatyledger.model.notifications import NotificationKind
from treatyledger.store.ledger_reads import workspace_inventory
from treatyledger.store.ledger_store import open_ledger
from treatyledger.store.publish import publish_neutral
from treatyledger.store.workspace import Workspace
from treatyledger.store.zk_store import builtin_limits, check_limit_proofs, limit_proof_checks
from treatyledger.tlog.checkpoint import origin_for_party
from treatyledger.zk.limits import prove_limits
from treatyledger.zk.published import proof_payload
from treatyledger.zk.verifier import Checkpoint

AS_OF = date(2018, 2, 5)


def test_a_published_proof_is_checked_once_and_recorded(tmp_path: Path, db_url: str) -> None:
    from treatyledger.store import tlog_store

    with Workspace.init(tmp_path / "us", "US", db_url=db_url) as ws:
        assert all(a.status == "accepted" for a in open_ledger(ws).submit(
            signed(stream("US", 2), ws.signing_key)))  # fmt: skip
        origin = origin_for_party("US")
        with ws.engine.connect() as conn:
            root = tlog_store.TlogReader(conn, origin).root(2)
        proof, _ = prove_limits(
            inventory=workspace_inventory(ws.path, AS_OF, party="US"),
            rule_set=load_rule_set("new-start"), catalog=load_catalog(), party="US",
            categories=["deployed_warheads"], as_of=AS_OF, random_bytes=secrets.token_bytes,
            checkpoint=Checkpoint(origin, 2, root),
        )  # fmt: skip
        ack, _ = publish_neutral(ws, NotificationKind.ZK_LIMIT_PROOF, proof_payload(proof))
        [check] = check_limit_proofs(ws.engine, "US", builtin_limits)
        assert check_limit_proofs(ws.engine, "US", builtin_limits) == []  # checked once
        stored = limit_proof_checks(ws.engine)
    assert (check.sequence, check.leaf_index, check.valid) == (3, ack.leaf_index, True)
    assert stored == [check]
    assert stored[0].categories == [{"category": "deployed_warheads", "limit": 1550, "bases": 2}]


def test_a_proof_of_an_unknown_rule_set_is_recorded_as_unverifiable(
    tmp_path: Path, db_url: str
) -> None:
    with Workspace.init(tmp_path / "us", "US", db_url=db_url) as ws:
        open_ledger(ws).submit(signed(stream("US", 1), ws.signing_key))
        proof, _ = prove_limits(
            inventory=workspace_inventory(ws.path, AS_OF, party="US"),
            rule_set=load_rule_set("new-start"), catalog=load_catalog(), party="US",
            categories=["deployed_warheads"], as_of=AS_OF, random_bytes=secrets.token_bytes,
            checkpoint=None,
        )  # fmt: skip
        publish_neutral(ws, NotificationKind.ZK_LIMIT_PROOF, proof_payload(proof))
        [check] = check_limit_proofs(ws.engine, "US", lambda _proof: None)
    assert not check.valid
    assert "not known here" in check.reason

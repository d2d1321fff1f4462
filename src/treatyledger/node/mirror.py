"""This workspace's mirror of the other party's ledger: the peer's notifications, validated
and replayed by the same ledger store that holds the workspace's own (signatures checked
against the peer's registered key, every lifecycle rule enforced), which also rebuilds the
peer's log leaf by leaf, so the mirror's tree root can be compared with the peer's checkpoint."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from treatyledger.ledger.canonical import Received
from treatyledger.node.errors import MirrorRejected
from treatyledger.node.views import treaty
from treatyledger.rules import count
from treatyledger.store import log_entries
from treatyledger.store.ledger_snapshot import snapshot_key
from treatyledger.store.ledger_store import LedgerStore
from treatyledger.tlog.checkpoint import origin_for_party

if TYPE_CHECKING:
    from treatyledger.store.workspace import Workspace


class Mirror:
    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.treaty = treaty(workspace.engine, workspace.rules)
        self.store = LedgerStore(
            workspace.engine,
            self.treaty.policy,
            home_party=workspace.party,
            snapshot_key=snapshot_key(workspace.signing_key),
        )

    def replay(self, party: str, entries: Sequence[bytes]) -> int:
        """Validate and store ``entries`` (signed canonical notifications of ``party``, in
        log order); returns how many were new. Already mirrored ones are duplicates."""
        records = []
        for position, entry in enumerate(entries):
            # the leaf's own bytes: the store checks they are canonical and verifies the
            # party's signature over them, as for a submission
            received = Received.decode(bytes(entry))
            if received.problem is not None:
                raise MirrorRejected(
                    f"entry {position} of the page is not JSON: {received.problem.reason}"
                )
            if not isinstance(received.value, dict) or received.value.get("party") != party:
                raise MirrorRejected(
                    f"the log of {party} holds a notification of another party or none"
                )
            records.append(received)
        acks = self.store.submit(records)
        for ack in acks:
            if ack.status == "rejected":
                raise MirrorRejected(
                    f"notification {ack.ref} in {party}'s log does not validate: "
                    f"{ack.rule}: {ack.reason}"
                )
        return sum(ack.status == "accepted" for ack in acks)

    def counts(self, party: str, as_of: date | None = None) -> dict[str, Any]:
        """The mirrored party's totals per category of the treaty's rule set."""
        inventory = self.store.state.inventory(party)
        result = count(inventory, self.treaty.rule_set, self.treaty.catalog, as_of=as_of)
        categories = result.to_json_dict()["parties"].get(party, {}).get("categories", {})
        return {"rule_set": self.treaty.name, "categories": categories}

    def root(self, party: str, size: int) -> bytes | None:
        """The mirror's own tree root of ``party``'s log at ``size`` (None if shorter)."""
        return log_entries.root(self.workspace.engine, origin_for_party(party), size)

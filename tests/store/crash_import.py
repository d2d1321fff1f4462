"""Child process of the crash-safety test: import a deterministic synthetic stream into a
workspace in batches, printing one line per acknowledged notification right after its batch
commits ("ACK party sequence leaf_index status"), then "DONE accepted duplicate".

Usage: python crash_import.py WORKSPACE CHURN BATCH
"""

from __future__ import annotations

import random
import sys

from treatyledger.files import load_catalog
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.ledger import sign
from treatyledger.ledger.synthetic import synthetic_stream
from treatyledger.model.notifications import parse_notification
from treatyledger.store.ledger_store import open_ledger
from treatyledger.store.workspace import Workspace


def stream(churn: int) -> list[dict]:  # type: ignore[type-arg]
    points = read_new_start_aggregates(party="US")
    return synthetic_stream(
        "US", points, load_catalog(), random.Random(20110205), churn_pairs_per_period=churn
    )


def main() -> None:
    path, churn, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with Workspace.open(path) as ws:
        store = open_ledger(ws)
        signed = [sign(parse_notification(r), ws.signing_key) for r in stream(churn)]
        counts = {"accepted": 0, "duplicate": 0, "rejected": 0}
        for start in range(0, len(signed), batch):
            for ack in store.submit(signed[start : start + batch]):
                counts[ack.status] += 1
                if ack.status != "rejected":
                    print(f"ACK {ack.party} {ack.sequence} {ack.leaf_index} {ack.status}")
                else:
                    print(f"REJECTED {ack.ref} {ack.rule} {ack.reason}")
            sys.stdout.flush()
        print(f"DONE {counts['accepted']} {counts['duplicate']} {counts['rejected']}", flush=True)


if __name__ == "__main__":
    main()

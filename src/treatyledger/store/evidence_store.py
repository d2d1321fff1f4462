"""What ``treatyledger evidence bundle`` gathers from a workspace: the notifications asked
for (by sequence or by item UID) with their log leaf index and signed bytes, inclusion
proofs to the current checkpoint, that checkpoint with its cosignatures, a default verifier
policy, and inspection records by id. The bundle itself is ``treatyledger.tlog.bundle``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Engine, select

from treatyledger.store import checkpoints, tlog_store
from treatyledger.store.errors import EvidenceRequestError
from treatyledger.store.inspection_store import list_inspections
from treatyledger.store.ledger_reads import notification_history
from treatyledger.store.ledger_tables import NotificationRow
from treatyledger.store.witness_store import list_witnesses
from treatyledger.tlog.entries import leaf_for_entry
from treatyledger.tlog.note import NoteSigner, Signer, parse_note
from treatyledger.tlog.verifier import VerifierKey, parse_checkpoint

__all__ = ["default_policy", "gather_entries", "inspection_records"]

MAX_ENTRIES = 10_000


def gather_entries(
    engine: Engine,
    party: str,
    signer: NoteSigner,
    *,
    sequences: Iterable[int] = (),
    uids: Iterable[str] = (),
    signers: Sequence[Signer] = (),
) -> tuple[str, list[tuple[int, bytes, list[bytes]]], dict[int, int]]:
    """(checkpoint note with cosignatures, [(leaf index, signed bytes, inclusion proof)],
    sequence -> leaf index) for the notifications of ``party`` asked for. ``signers``: every
    log key that signs a new checkpoint (default: ``signer``)."""
    wanted = set(sequences)
    for uid in uids:
        found = notification_history(engine, uid, party)
        if not found:
            raise EvidenceRequestError(f"no notification of {party} touched item {uid!r}")
        wanted |= {n.sequence for n in found}
    if not wanted:
        raise EvidenceRequestError("ask for at least one notification (--sequence or --uid)")
    if len(wanted) > MAX_ENTRIES:
        raise EvidenceRequestError(f"{len(wanted)} notifications; at most {MAX_ENTRIES}")
    origin = signer.name
    note = checkpoints.current_checkpoint(engine, origin, list(signers) or signer)
    size = parse_checkpoint(parse_note(note).text).size
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                NotificationRow.sequence, NotificationRow.leaf_index, NotificationRow.signed_bytes
            )
            .where(NotificationRow.party == party, NotificationRow.sequence.in_(sorted(wanted)))
            .order_by(NotificationRow.sequence)
        ).all()
        found_sequences = {row[0] for row in rows}
        missing = sorted(wanted - found_sequences)
        if missing:
            raise EvidenceRequestError(f"no notification of {party} with sequence {missing[0]}")
        reader = tlog_store.TlogReader(conn, origin)
        entries, indexes = [], {}
        for sequence, index, signed in rows:
            if index is None or index >= size:
                raise EvidenceRequestError(f"notification {party}/{sequence} is not in the log yet")
            entry = bytes(signed)
            if leaf_for_entry(entry) != reader.leaf(index):
                raise EvidenceRequestError(
                    f"notification {party}/{sequence}: the stored bytes are not leaf {index}"
                )
            entries.append((index, entry, reader.inclusion_proof(index, size)))
            indexes[sequence] = index
    return note, entries, indexes


def default_policy(engine: Engine, log_key: VerifierKey | Sequence[VerifierKey]) -> str:
    """A tlog-policy naming the log (each of its keys: Ed25519, ML-DSA-44) and the witnesses
    configured for it (``log witness add``): any one of them must have cosigned; with none
    configured, no quorum."""
    keys = [log_key] if isinstance(log_key, VerifierKey) else list(log_key)
    lines = [f"log {key}" for key in keys]
    names = []
    for number, witness in enumerate(list_witnesses(engine), 1):
        for k, key in enumerate(witness.vkeys, 1):
            name = f"w{number}k{k}"
            names.append(name)
            lines.append(f"witness {name} {key}")
    if names:
        lines += [f"group configured any {' '.join(names)}", "quorum configured"]
    else:
        lines.append("quorum none")
    return "\n".join(lines) + "\n"


def inspection_records(engine: Engine, party: str, ids: Iterable[str]) -> list[dict[str, Any]]:
    """The stored inspection records ``ids`` of inspected ``party``, as JSON objects."""
    stored = {s.record.id: s for s in list_inspections(engine, party)}
    out = []
    for record_id in ids:
        found = stored.get(record_id)
        if found is None:
            raise EvidenceRequestError(f"no inspection record {record_id!r} of {party}")
        out.append(
            {
                "record": found.record.model_dump(mode="json"),
                "submitted_by": found.submitted_by,
                "submitted_at": found.submitted_at.isoformat(),
            }
        )
    return out

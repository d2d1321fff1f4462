"""Published zero-knowledge limit proofs in a workspace: checking each ``zk_limit_proof``
notification of a party (its own, or a peer's mirrored log) and recording the verdict.

A proof is valid when its Bulletproofs verify, each stated limit is the verifier's rule set's
limit in force on its date (``limits_for``), and its checkpoint is a state of the log that
carries it (``zk.published.check_log_binding``: origin, a size before the proof's own entry,
the root this workspace's copy of that log has at that size). Nothing read back is trusted:
the notification is parsed from its stored signed bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select

from treatyledger.files import load_rule_set, rule_set_names
from treatyledger.model.notifications import (
    NotificationKind,
    ZkLimitProofPayload,
    parse_notification,
)
from treatyledger.store import tlog_store
from treatyledger.store.ledger_tables import NotificationRow
from treatyledger.store.zk_tables import LimitProofCheckRow
from treatyledger.tlog.checkpoint import origin_for_party
from treatyledger.zk.published import check_log_binding, proof_of
from treatyledger.zk.verifier import LimitProof, LimitProofError, verify_limit_proof

#: category -> the limit the verifier's rule set has in force (None: the rule set is unknown)
LimitsFor = Callable[[LimitProof], Mapping[str, int | None] | None]
#: what the observer view says of a valid proof
PROVEN = "within the limit, proven"


def builtin_limits(proof: LimitProof) -> dict[str, int | None] | None:
    """The limits a built-in rule set of the proof's name has in force on its date (the
    verifier's own rule set, never the prover's figures); None for an unknown rule set."""
    statement = proof.statement
    if statement.rule_set not in rule_set_names():
        return None
    rule_set = load_rule_set(statement.rule_set)
    return {c.category: rule_set.limit_for(c.category, statement.as_of) for c in
            statement.categories}  # fmt: skip


@dataclass(frozen=True)
class LimitProofCheck:
    party: str
    sequence: int
    leaf_index: int
    rule_set: str
    as_of: str
    checkpoint_origin: str | None
    checkpoint_size: int | None
    checkpoint_root: str | None  # base64, as in the checkpoint text
    categories: list[dict[str, object]]
    valid: bool
    reason: str
    checked_at: datetime


def _check(
    engine: Engine, party: str, sequence: int, leaf_index: int, signed: bytes, limits_for: LimitsFor
) -> LimitProofCheck:
    origin = origin_for_party(party)
    notification = parse_notification(json.loads(signed))
    payload = notification.payload
    assert isinstance(payload, ZkLimitProofPayload)  # the query selected the kind
    reason = ""
    try:
        proof = proof_of(notification)
        limits = limits_for(proof)
        if limits is None:
            raise LimitProofError(f"rule set {payload.rule_set} is not known here")
        with engine.connect() as conn:
            reader = tlog_store.TlogReader(conn, origin)
            check_log_binding(proof, origin, leaf_index, reader.root)
        verify_limit_proof(proof, limits)
    except LimitProofError as exc:
        reason = str(exc)
    checkpoint = payload.checkpoint
    return LimitProofCheck(
        party=party,
        sequence=sequence,
        leaf_index=leaf_index,
        rule_set=payload.rule_set,
        as_of=payload.as_of.isoformat(),
        checkpoint_origin=None if checkpoint is None else checkpoint.origin,
        checkpoint_size=None if checkpoint is None else checkpoint.size,
        checkpoint_root=None if checkpoint is None else checkpoint.root,
        categories=[
            {"category": c.category, "limit": c.limit, "bases": len(c.bases)}
            for c in payload.categories
        ],
        valid=not reason,
        reason=reason,
        checked_at=datetime.now(UTC),
    )


def check_limit_proofs(engine: Engine, party: str, limits_for: LimitsFor) -> list[LimitProofCheck]:
    """Check every ``zk_limit_proof`` notification of ``party`` not checked yet, record the
    verdicts (committed) and return them, in sequence order."""
    with engine.connect() as conn:
        done = set(
            conn.scalars(
                select(LimitProofCheckRow.sequence).where(LimitProofCheckRow.party == party)
            )
        )
        rows = conn.execute(
            select(
                NotificationRow.sequence, NotificationRow.leaf_index, NotificationRow.signed_bytes
            )
            .where(NotificationRow.party == party)
            .where(NotificationRow.kind == NotificationKind.ZK_LIMIT_PROOF.value)
            .order_by(NotificationRow.sequence)
        ).all()
    checks = [
        _check(engine, party, sequence, leaf_index, bytes(signed), limits_for)
        for sequence, leaf_index, signed in rows
        if sequence not in done and leaf_index is not None
    ]
    if checks:
        with engine.begin() as conn:
            for check in checks:
                values = {**check.__dict__, "categories": json.dumps(check.categories)}
                conn.execute(
                    delete(LimitProofCheckRow)
                    .where(LimitProofCheckRow.party == check.party)
                    .where(LimitProofCheckRow.sequence == check.sequence)
                )
                conn.execute(insert(LimitProofCheckRow).values(**values))
    return checks


def limit_proof_checks(engine: Engine, party: str | None = None) -> list[LimitProofCheck]:
    """The recorded verdicts (of ``party``), by party and sequence."""
    query = select(LimitProofCheckRow.__table__).order_by(
        LimitProofCheckRow.party, LimitProofCheckRow.sequence
    )
    if party is not None:
        query = query.where(LimitProofCheckRow.party == party)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        LimitProofCheck(
            party=r.party,
            sequence=r.sequence,
            leaf_index=r.leaf_index,
            rule_set=r.rule_set,
            as_of=r.as_of,
            checkpoint_origin=r.checkpoint_origin,
            checkpoint_size=r.checkpoint_size,
            checkpoint_root=r.checkpoint_root,
            categories=json.loads(r.categories),
            valid=r.valid,
            reason=r.reason,
            # SQLite hands back naive datetimes; they were written in UTC
            checked_at=_utc(r.checked_at),
        )
        for r in rows
    ]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

"""Request and response models of the node API. The same models validate requests and
generate the OpenAPI document, so the spec is never written by hand.

Models under "observer view" hold aggregates only: no model there has an item-level field
(uid, facility, system type, item list), and ``extra="forbid"`` keeps it that way."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from treatyledger.ledger.calendar_records import RegimeSummary
from treatyledger.model.items import Item
from treatyledger.model.notifications import Notification
from treatyledger.node.context import MAX_BATCH

Base64 = str


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(_Model):
    status: str = Field(description="`ok` when the node can read its database")
    party: str
    version: str


# -- notifications ---------------------------------------------------------------------------


class SubmitRequest(_Model):
    notifications: list[Notification] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="signed notifications of the node's party, in sequence order",
    )


class SubmitResult(_Model):
    party: str
    sequence: int
    status: Literal["accepted", "duplicate", "rejected"]
    leaf_index: int | None = Field(default=None, description="position in the party's log")
    late: bool = False
    flags: list[str] = Field(default_factory=list)
    rule: str | None = Field(default=None, description="the rule a rejection broke")
    error: str | None = None


class SubmitResponse(_Model):
    accepted: int
    rejected: int
    results: list[SubmitResult]


# -- the transparency log --------------------------------------------------------------------


class CosignatureInfo(_Model):
    name: str
    key_id: str = Field(description="C2SP key ID, 8 hex digits")
    timestamp: int = Field(description="POSIX seconds the cosigner states it saw the checkpoint")


class CheckpointResponse(_Model):
    origin: str
    size: int
    root: Base64
    note: str = Field(description="the C2SP signed note, with every cosignature line")
    cosignatures: list[CosignatureInfo]


class LogEntry(_Model):
    index: int
    leaf: Base64 = Field(description="the leaf bytes (the canonical signed notification)")
    entry: Base64 | None = Field(
        default=None, description="the whole entry, where the leaf logs it by digest"
    )
    proof: list[Base64] | None = Field(
        default=None, description="inclusion proof to the tree of size proof_size"
    )


class EntriesResponse(_Model):
    start: int
    end: int
    proof_size: int | None
    entries: list[LogEntry]


class InclusionProofResponse(_Model):
    index: int
    size: int
    leaf_hash: Base64
    proof: list[Base64]


class ConsistencyProofResponse(_Model):
    first: int
    second: int
    proof: list[Base64]


class CosignRequest(_Model):
    checkpoint: str = Field(
        max_length=4096, description="the checkpoint text (note body) being cosigned"
    )
    cosignature: str = Field(
        max_length=1024, description="one C2SP tlog-cosignature signature line"
    )


class CosignResponse(_Model):
    size: int
    cosigner: str
    timestamp: int
    cosignatures: int = Field(description="how many cosignatures that checkpoint now has")


# -- item-level state (owner, peer, inspector) -----------------------------------------------


COUNTED = (
    "how many of the party's notifications this counts: under `serve`, while the log grows, "
    "it is recounted at a bounded rate, so it may be behind the checkpoint"
)


class InventoryResponse(_Model):
    party: str
    as_of: date
    items: list[Item]
    counted_notifications: int | None = Field(default=None, description=COUNTED)


class CategoryTotal(_Model):
    total: int
    limit: int | None
    within_limit: bool | None


class Provision(_Model):
    """Whether the figures stand: ``provided``, else why not and since when they are stale
    (the figures are then left out, never re-shown as current)."""

    provided: bool = True
    stale_since: date | None = Field(
        default=None, description="the last data date whose figures stand, when not provided"
    )
    reason: str = Field(
        default="", description="why not provided (a suspension, an overdue update)"
    )


class CountsResponse(_Model):
    party: str
    rule_set: str
    as_of: date
    categories: dict[str, CategoryTotal] = Field(description="empty when not provided")
    data: Provision = Field(default_factory=Provision)
    regime: RegimeSummary | None = None
    counted_notifications: int | None = Field(default=None, description=COUNTED)


class SeriesPoint(_Model):
    date: date
    totals: dict[str, int] = Field(description="empty when not provided")
    data: Provision = Field(default_factory=Provision)
    limits_in_force: bool = True


class SeriesResponse(_Model):
    party: str
    rule_set: str
    points: list[SeriesPoint]
    regime: RegimeSummary | None = None


# -- observer view (aggregates only) ---------------------------------------------------------


class AggregatePoint(_Model):
    data_date: date
    totals: dict[str, int] = Field(
        description="category id -> accountable total; empty when not provided"
    )
    data: Provision = Field(default_factory=Provision)


class LimitStatus(_Model):
    category: str
    limit: int = Field(description="the limit in force, else the treaty's central limit")
    binding_from: date
    total: int | None = Field(description="null when the figures are not provided")
    within_limit: bool | None = Field(
        description="null before the limit binds, when no limit is in force (the treaty "
        "expired or was superseded) and when the figures are not provided"
    )
    in_force: bool = Field(default=True, description="whether any limit is in force that day")


class LimitProofCategory(_Model):
    category: str
    limit: int
    bases: int = Field(description="number of bases committed to (no per-base value)")


class LimitProofStatus(_Model):
    """A published zero-knowledge limit proof as this node checked it."""

    party: str
    sequence: int
    rule_set: str
    as_of: date
    verdict: str = Field(description='"within the limit, proven", or "invalid"')
    reason: str = Field(description="why an invalid proof failed; empty when proven")
    checkpoint_origin: str | None
    checkpoint_size: int | None
    checkpoint_root: str | None = Field(description="base64 root hash the proof is bound to")
    categories: list[LimitProofCategory]


class PublicSummary(_Model):
    party: str
    rule_set: str
    treaty: str
    as_of: date
    regime: RegimeSummary | None = None
    data: Provision = Field(default_factory=Provision, description="the figures as of as_of")
    aggregates: list[AggregatePoint]
    compliance: list[LimitStatus]
    counted_at: date | None = Field(
        default=None,
        description="the date of the compliance totals: the latest data date on or before "
        "as_of, or today when as_of is today or later (none before the first data date)",
    )
    counted_notifications: int | None = Field(
        default=None,
        description="how many of the party's notifications the aggregates count: while the "
        "log grows they are recounted at a bounded rate, so they may be behind the checkpoint",
    )
    checkpoint: CheckpointResponse | None
    open_issues: dict[str, int] = Field(
        default_factory=dict,
        description="open compliance issues found by inspections, per issue kind (counts only)",
    )
    limit_proofs: list[LimitProofStatus] = Field(
        default_factory=list,
        description="zero-knowledge limit proofs published in the logs this node holds (its "
        "own and mirrored peers'), each checked here, with the checkpoint it is bound to",
    )

"""The observer view: aggregates per data date, compliance status per limit, the latest
checkpoint with its cosignatures and the count of open compliance issues per kind. Every role
may read it; nothing item-level is in it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Security

from treatyledger.ledger.calendar_records import DataState
from treatyledger.node.auth import Caller
from treatyledger.node.context import NodeContext
from treatyledger.node.frontier import frontier
from treatyledger.node.routers.deps import VIEWERS, AsOf, Node, TreatyDep, guard, guarded_router
from treatyledger.node.schemas import (
    AggregatePoint,
    CheckpointResponse,
    LimitProofCategory,
    LimitProofStatus,
    LimitStatus,
    Provision,
    PublicSummary,
)
from treatyledger.node.views import Treaty, final_limits, regime_of
from treatyledger.store.inspection_store import open_issue_counts
from treatyledger.store.regime_view import RegimeView
from treatyledger.store.zk_store import (
    PROVEN,
    builtin_limits,
    check_limit_proofs,
    limit_proof_checks,
)

MAX_AGGREGATE_DATES = 100

router = guarded_router(tags=["observer view"])
Viewer = Annotated[Caller, Security(guard(*VIEWERS))]


@router.get(
    "/public/summary",
    response_model=PublicSummary,
    summary="Aggregates per data date, compliance per limit, the latest cosigned checkpoint",
)
def public_summary(node: Node, _caller: Viewer, treaty: TreatyDep, as_of: AsOf) -> PublicSummary:
    return observer_summary(node, treaty, as_of)


def observer_summary(node: NodeContext, treaty: Treaty, as_of: date) -> PublicSummary:
    """The observer view as of ``as_of``: what ``GET /v1/public/summary`` answers and the
    dashboard's observer page shows (one computation, one set of bounds)."""
    from treatyledger.node import logview

    # under serve reused for a second: its version check was most of a summary's cost
    regime = node.recounts.recent(
        ("regime", treaty.name), lambda: regime_of(node.engine, treaty, node.summary_cache)
    )
    points = _points(node, treaty, regime)
    aggregates, compliance, counted_at = _aggregates_and_compliance(
        node, treaty, regime, points, as_of
    )
    state = regime.state(node.party, as_of)

    def frame() -> tuple[CheckpointResponse, dict[str, int], list[LimitProofStatus]]:
        note = logview.current_checkpoint_note(node)
        # open issues are not counted with the aggregates: inspections change them, not the log
        issues = open_issue_counts(node.engine, node.party)
        return logview.checkpoint_response(node, note), issues, _limit_proofs(node)

    # under serve reused for a second (node.recount): not signed and read per request
    checkpoint, open_issues, limit_proofs = node.recounts.recent(("summary frame",), frame)
    return PublicSummary(
        party=node.party,
        rule_set=treaty.name,
        treaty=treaty.rule_set.treaty.name,
        as_of=as_of,
        regime=regime.summary(as_of),
        data=_provision(state),
        aggregates=aggregates,
        compliance=compliance,
        counted_at=counted_at,
        counted_notifications=points[2],
        checkpoint=checkpoint,
        open_issues=open_issues,
        limit_proofs=limit_proofs,
    )


def _limit_proofs(node: NodeContext) -> list[LimitProofStatus]:
    # The node's own proofs are checked when first shown (once each); peers' at peer sync.
    check_limit_proofs(node.engine, node.party, builtin_limits)
    return [
        LimitProofStatus(
            party=c.party,
            sequence=c.sequence,
            rule_set=c.rule_set,
            as_of=date.fromisoformat(c.as_of),
            verdict=PROVEN if c.valid else "invalid",
            reason=c.reason,
            checkpoint_origin=c.checkpoint_origin,
            checkpoint_size=c.checkpoint_size,
            checkpoint_root=c.checkpoint_root,
            categories=[LimitProofCategory.model_validate(x) for x in c.categories],
        )
        for c in limit_proof_checks(node.engine)
    ]


def _provision(state: DataState) -> Provision:
    return Provision(provided=state.provided, stale_since=state.stale_since, reason=state.reason)


Points = tuple[list[date], dict[date, dict[str, int]], int]


def _points(node: NodeContext, treaty: Treaty, regime: RegimeView) -> Points:
    """Totals at every data date of the rule set from the first notification to today, and
    today, with how many notifications they count (``node.frontier``: one recount per log
    version, whatever dates callers ask for, under ``serve`` at a bounded rate while the log
    grows). A caller-chosen date never costs a replay of its own (issue 13: one uncached date
    replayed the whole ledger)."""
    counted = frontier(node, treaty, regime)
    return counted.dates, counted.totals, counted.records


def _aggregates_and_compliance(
    node: NodeContext,
    treaty: Treaty,
    regime: RegimeView,
    points: Points,
    as_of: date,
) -> tuple[list[AggregatePoint], list[LimitStatus], date | None]:
    data_days, totals_at, _counted = points
    # bounded: the last MAX_AGGREGATE_DATES data dates up to as_of (and up to today: the
    # figures of a date to come are not known)
    dates = [d for d in data_days if d <= as_of][-MAX_AGGREGATE_DATES:]
    aggregates = []
    for day in dates:
        state = regime.state(node.party, day)
        totals = totals_at[day] if state.provided else {}  # never old figures as current
        aggregates.append(AggregatePoint(data_date=day, totals=totals, data=_provision(state)))
    counted_at = max((d for d in totals_at if d <= as_of), default=None)
    now = totals_at[counted_at] if counted_at is not None else {}
    applied = regime.applied
    provided = regime.state(node.party, as_of).provided
    compliance = []
    for category, final in sorted(final_limits(treaty.rule_set).items()):
        # no limit after the treaty's end (expiry, supersession), as the regime records it
        in_force = applied.limit_in_force(category, as_of)
        shown = in_force or final  # before it binds (or after the end) the central limit
        total = now.get(category, 0) if provided else None
        within = None if in_force is None or total is None else total <= in_force.value
        compliance.append(
            LimitStatus(
                category=category,
                limit=shown.value,
                binding_from=shown.from_,
                total=total,
                within_limit=within,
                in_force=regime.regime.in_force(as_of),
            )
        )
    return aggregates, compliance, counted_at

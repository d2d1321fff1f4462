"""The observer page's content: the node's public summary (the same ``PublicSummary`` that
``GET /v1/public/summary`` answers, so the page can hold nothing the API's observer schema
does not) laid out per data date and per limit, the latest checkpoint and how to verify it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from treatyledger.node.context import NodeContext
from treatyledger.node.keys import log_signer
from treatyledger.node.routers.public import observer_summary
from treatyledger.node.schemas import (
    CheckpointResponse,
    LimitProofStatus,
    LimitStatus,
    Provision,
    PublicSummary,
)
from treatyledger.node.views import Treaty, final_limits, treaty
from treatyledger.report.dashboard import plots


@dataclass(frozen=True)
class Cell:
    total: int
    over: bool  # above the limit in force on that data date


@dataclass(frozen=True)
class Gap:
    """Figures that are not provided: why, and the last data date whose figures stand."""

    reason: str
    last_data: date | None


@dataclass(frozen=True)
class AggregateRow:
    data_date: date
    cells: list[Cell]
    #: None when the figures stand
    gap: Gap | None = None
    #: the footnote (1-based, into ``ObserverPage.reasons``) that says why, for a gap
    note: int = 0


@dataclass(frozen=True)
class ComplianceRow:
    category: str
    name: str
    total: int | None  # None: not provided
    limit: int
    binding_from: date
    status: str  # within, over, not-binding
    verdict: str  # the status in words


@dataclass(frozen=True)
class CosignatureView:
    name: str
    key_id: str
    when: datetime


@dataclass(frozen=True)
class CheckpointView:
    origin: str
    size: int
    root: str
    note: str
    cosignatures: list[CosignatureView]


@dataclass(frozen=True)
class ObserverPage:
    party: str
    treaty: str
    rule_set: str
    as_of: date
    categories: list[tuple[str, str]]  # (id, name) of the limited categories
    rows: list[AggregateRow]
    compliance: list[ComplianceRow]
    open_issues: dict[str, int]
    checkpoint: CheckpointView | None
    log_vkey: str
    chart: plots.Chart
    #: published zero-knowledge limit proofs as this node checked them (newest first)
    limit_proofs: list[LimitProofStatus]
    #: the regime in words: "" while the limits are in force, else why none is
    no_limit: str = ""
    #: the figures as of the page's date: None when provided
    gap: Gap | None = None
    #: why figures are not provided, once each (the rows' footnotes)
    reasons: list[str] = field(default_factory=list)
    #: (first, last) data dates of each run of dates without figures (shaded in the chart)
    gap_spans: list[tuple[date, date]] = field(default_factory=list)

    @property
    def plot(self) -> dict[str, Any]:
        return plots.to_plotly(self.chart)


def observer_page(node: NodeContext, as_of: date) -> ObserverPage:
    current = treaty(node.engine, node.rules)
    summary = observer_summary(node, current, as_of)
    log_vkey = log_signer(node.party, node.signing_key).verifier_key()
    return page_from_summary(summary, current, str(log_vkey))


def page_from_summary(summary: PublicSummary, current: Treaty, log_vkey: str) -> ObserverPage:
    rule_set = current.rule_set
    finals = final_limits(rule_set)
    limited = [c.id for c in rule_set.categories if c.id in finals]  # the treaty's order
    names = {c.id: c.name for c in rule_set.categories}
    categories = [(cid, names[cid]) for cid in limited]
    rows, reasons = _rows(summary, current, limited)
    spans = gap_spans([(r.data_date, r.gap is not None) for r in rows])
    provided = [p for p in summary.aggregates if p.data.provided]
    series = {cid: [(p.data_date, p.totals.get(cid, 0)) for p in provided] for cid in limited}
    limits = {c.category: (c.limit, c.binding_from) for c in summary.compliance}
    return ObserverPage(
        party=summary.party,
        treaty=summary.treaty,
        rule_set=summary.rule_set,
        as_of=summary.as_of,
        categories=categories,
        rows=rows,
        compliance=[_compliance(c, names) for c in summary.compliance],
        open_issues=dict(sorted(summary.open_issues.items())),
        checkpoint=_checkpoint(summary.checkpoint),
        log_vkey=log_vkey,
        limit_proofs=sorted(
            summary.limit_proofs, key=lambda p: (p.as_of, p.party, p.sequence), reverse=True
        ),
        chart=plots.aggregates_chart(
            summary.party,
            categories,
            series,
            limits,
            [(a, b, f"{summary.party} not provided") for a, b in spans],
        ),
        no_limit=(summary.regime.no_limit_reason or "") if summary.regime else "",
        gap=None if summary.data.provided else _gap(summary.data),
        reasons=reasons,
        gap_spans=spans,
    )


def _rows(
    summary: PublicSummary, current: Treaty, limited: list[str]
) -> tuple[list[AggregateRow], list[str]]:
    """The table's rows, and the reasons the gaps among them footnote (each once)."""
    rows, reasons = [], []
    for point in summary.aggregates:
        if not point.data.provided:  # a gap, not the last figures again
            gap = _gap(point.data)
            if gap.reason not in reasons:
                reasons.append(gap.reason)
            rows.append(AggregateRow(point.data_date, [], gap, reasons.index(gap.reason) + 1))
            continue
        cells = []
        for cid in limited:
            total = point.totals.get(cid, 0)
            in_force = current.rule_set.limit_in_force(cid, point.data_date)
            cells.append(Cell(total, in_force is not None and total > in_force.value))
        rows.append(AggregateRow(point.data_date, cells))
    return rows, reasons


def _gap(data: Provision) -> Gap:
    return Gap(data.reason, data.stale_since)


def gap_spans(dates: list[tuple[date, bool]]) -> list[tuple[date, date]]:
    """Each run of data dates without figures as (the last date with figures before it, or
    its own first date; its last date): the stretch a chart shades as not provided."""
    spans: list[tuple[date, date]] = []
    before: date | None = None
    start: date | None = None  # of the run in progress
    for day, missing in dates:
        if not missing:
            start, before = None, day
        elif start is None:
            start = before or day
            spans.append((start, day))
        else:
            spans[-1] = (start, day)
    return spans


def _compliance(status: LimitStatus, names: dict[str, str]) -> ComplianceRow:
    if not status.in_force:
        state, verdict = "not-binding", "no limit in force"
    elif status.total is None:
        state, verdict = "not-binding", "not provided"
    elif status.within_limit is None:
        state, verdict = "not-binding", f"limit not in force (binds from {status.binding_from})"
    elif status.within_limit:
        state, verdict = "within", "within the limit"
    else:
        state, verdict = "over", f"OVER the limit by {(status.total or 0) - status.limit:,}"
    return ComplianceRow(
        category=status.category,
        name=names.get(status.category, status.category),
        total=status.total,
        limit=status.limit,
        binding_from=status.binding_from,
        status=state,
        verdict=verdict,
    )


def _checkpoint(checkpoint: CheckpointResponse | None) -> CheckpointView | None:
    if checkpoint is None:
        return None
    return CheckpointView(
        origin=checkpoint.origin,
        size=checkpoint.size,
        root=checkpoint.root,
        note=checkpoint.note,
        cosignatures=[
            CosignatureView(c.name, c.key_id, datetime.fromtimestamp(c.timestamp, UTC))
            for c in checkpoint.cosignatures
        ],
    )

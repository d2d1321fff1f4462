"""The party pages' content, computed from the workspace as the node holds it: force levels
over time (the node's party, and for its owner also the other party's verified mirror) with
the official aggregates overlaid, notifications with filters, an item's history, inspections
with the compliance issues and their evidence, and the alerts (over a limit, a fork).

Everything here is item-level (owner, peer, inspector; see ``access``). Each builder takes the
node context and the parties the caller may see, so the served pages and the static copy are
the same computation."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.inspect.findings import InspectionRecord
from treatyledger.ledger.records import mentioned_uids
from treatyledger.model.items import Item
from treatyledger.model.notifications import NotificationKind
from treatyledger.node.auth import Role
from treatyledger.node.context import NodeContext
from treatyledger.node.views import (
    Treaty,
    final_limits,
    regime_of,
    today,
    treaty,
)
from treatyledger.report.dashboard import counted, plots
from treatyledger.report.dashboard.observer import Gap, gap_spans
from treatyledger.rules.schema import RuleSet
from treatyledger.store.inspection_store import (
    StoredInspection,
    StoredIssue,
    list_inspections,
    list_issues,
)
from treatyledger.store.ledger_reads import (
    NotificationQuery,
    StoredNotification,
    materialized_item,
    notification_history,
    notification_page,
    stored_notification,
)
from treatyledger.store.policy import registered_parties

#: rule sets whose categories the bundled official aggregates report
OFFICIAL_FIGURES_RULE_SET = "new-start"
PAGE_SIZE = 50
#: how many of a notification's UIDs a list shows (a baseline declaration names thousands)
UIDS_SHOWN = 5
#: how much of a notification's JSON its page shows
MAX_SHOWN_JSON = 64 * 1024
CACHE_LIMIT = 64
#: data dates a force-level chart shows at most (the API's series bound)
MAX_SERIES_DATES = 200

T = TypeVar("T")


def visible_parties(node: NodeContext, role: Role) -> list[str]:
    """The node's party; for its owner also every other party mirrored in the workspace."""
    if role is not Role.OWNER:
        return [node.party]
    others = sorted(p for p in registered_parties(node.engine) if p != node.party)
    return [node.party, *others]


def cached(node: NodeContext, key: tuple[object, ...], compute: Callable[[], T]) -> T:
    """``compute()``, kept in the node's bounded view cache under ``("dashboard", *key)``;
    keys carry the records version, so a new notification is never shown stale."""
    cache = node.summary_cache
    full = ("dashboard", *key)
    if full not in cache:
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[full] = compute()
    value: T = cache[full]
    return value


# -- force levels ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ForceRow:
    data_date: date
    counted: dict[str, int]
    official: dict[str, int] | None
    #: None when the figures stand; else why not and the last data date that stands
    gap: Gap | None = None

    def differs(self, category: str) -> bool:
        return self.official is not None and self.official.get(category) != self.counted.get(
            category
        )


@dataclass(frozen=True)
class PartyForces:
    party: str
    rows: list[ForceRow]
    mirrored: bool  # the other party's figures, as verified from this node's mirror


@dataclass(frozen=True)
class ForcesPage:
    rule_set: str
    treaty: str
    categories: list[tuple[str, str]]
    limits: dict[str, tuple[int, date]]
    parties: list[PartyForces]
    charts: list[plots.Chart]
    official_source: str | None

    @property
    def plots(self) -> list[dict[str, Any]]:
        return [plots.to_plotly(c) for c in self.charts]


def forces_page(node: NodeContext, parties: list[str], as_of: date) -> ForcesPage:
    current = treaty(node.engine, node.rules)
    limited = final_limits(current.rule_set)
    names = {c.id: c.name for c in current.rule_set.categories}
    categories = [(c.id, c.name) for c in current.rule_set.categories]
    limits = {cid: (limit.value, limit.from_) for cid, limit in limited.items()}
    shown = [_party_forces(node, current, party, as_of) for party in parties]
    charts = [_category_chart(cid, names[cid], shown, limits.get(cid)) for cid, _ in categories]
    official = (
        "Official aggregates: New START fact sheets (State Department, Russian MFA); sources "
        "per row in src/treatyledger/data/reference/new_start_aggregates.csv."
        if current.name == OFFICIAL_FIGURES_RULE_SET
        else None
    )
    return ForcesPage(
        rule_set=current.name,
        treaty=current.rule_set.treaty.name,
        categories=categories,
        limits=limits,
        parties=shown,
        charts=charts,
        official_source=official,
    )


def _party_forces(node: NodeContext, current: Treaty, party: str, as_of: date) -> PartyForces:
    points = counted.counted_series(node, current, party, as_of, MAX_SERIES_DATES)
    official = _official(party) if current.name == OFFICIAL_FIGURES_RULE_SET else {}
    regime = regime_of(node.engine, current, node.summary_cache)
    rows = []
    for day, totals in points:
        state = regime.state(party, day)
        if state.provided:
            rows.append(ForceRow(day, totals, official.get(day)))
            continue
        rows.append(ForceRow(day, {}, official.get(day), Gap(state.reason, state.stale_since)))
    return PartyForces(party, rows, mirrored=party != node.party)


def _official(party: str) -> dict[date, dict[str, int]]:
    return {
        p.date: {
            "deployed_delivery_vehicles": p.deployed_delivery_vehicles,
            "deployed_warheads": p.deployed_warheads,
            "deployed_and_nondeployed_launchers": p.deployed_and_nondeployed_launchers,
        }
        for p in read_new_start_aggregates(party=party)
    }


def _category_chart(
    cid: str, name: str, parties: list[PartyForces], limit: tuple[int, date] | None
) -> plots.Chart:
    lines: list[plots.Series] = []
    for index, forces in enumerate(parties):
        colour = plots.PALETTE[index % len(plots.PALETTE)]
        rows = [r for r in forces.rows if r.gap is None]  # gaps stay gaps
        lines.append(
            plots.Series(
                f"{forces.party} counted from notifications",
                [r.data_date for r in rows],
                [r.counted.get(cid, 0) for r in rows],
                "line",
                colour,
            )
        )
        official = [r for r in rows if r.official is not None and cid in r.official]
        if official:
            lines.append(
                plots.Series(
                    f"{forces.party} official aggregate",
                    [r.data_date for r in official],
                    [r.official[cid] for r in official if r.official is not None],
                    "markers",
                    colour,
                )
            )
    dates = [r.data_date for forces in parties for r in forces.rows]
    if limit is not None and dates:
        value, binding_from = limit
        start = max(binding_from, min(dates))
        lines.append(
            plots.Series(
                f"limit {value:,}",
                [start, max(max(dates), start)],
                [value, value],
                "limit",
                "#4d4d4d",
            )
        )
    gaps = [
        (first, last, f"{forces.party} not provided")
        for forces in parties
        for first, last in gap_spans([(r.data_date, r.gap is not None) for r in forces.rows])
    ]
    return plots.Chart(name, "total", lines, gaps)


# -- notifications ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationRowView:
    party: str
    sequence: int
    kind: str
    effective_time: datetime
    issued_time: datetime
    late: bool
    leaf_index: int | None
    uids: list[str]
    more_uids: int


@dataclass(frozen=True)
class NotificationsPage:
    query: NotificationQuery
    parties: list[str]
    kinds: list[str]
    total: int
    page: int
    pages: int
    rows: list[NotificationRowView]


def notifications_page(
    node: NodeContext, parties: list[str], query: NotificationQuery, page: int = 1
) -> NotificationsPage:
    if query.party not in parties:
        query = NotificationQuery(party=parties[0])
    page = max(1, page)
    total, stored = notification_page(
        node.engine, query, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return NotificationsPage(
        query=query,
        parties=parties,
        kinds=[k.value for k in NotificationKind],
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        rows=[_row(n) for n in stored],
    )


def _row(stored: StoredNotification) -> NotificationRowView:
    uids = sorted(mentioned_uids(stored.record.get("payload") or {}))
    return NotificationRowView(
        party=stored.party,
        sequence=stored.sequence,
        kind=stored.kind,
        effective_time=stored.effective_time,
        issued_time=stored.issued_time,
        late=stored.late,
        leaf_index=stored.leaf_index,
        uids=uids[:UIDS_SHOWN],
        more_uids=max(0, len(uids) - UIDS_SHOWN),
    )


@dataclass(frozen=True)
class NotificationDetail:
    row: NotificationRowView
    signer_key_id: str | None
    corrects: Any
    document: str  # the signed envelope as JSON, cut at MAX_SHOWN_JSON
    cut: bool


def notification_detail(
    node: NodeContext, parties: list[str], party: str, sequence: int
) -> NotificationDetail | None:
    if party not in parties:
        return None
    stored = stored_notification(node.engine, party, sequence)
    if stored is None:
        return None
    document = json.dumps(stored.record, indent=2, sort_keys=True, ensure_ascii=True)
    return NotificationDetail(
        row=_row(stored),
        signer_key_id=stored.record.get("signer_key_id"),
        corrects=stored.record.get("corrects"),
        document=document[:MAX_SHOWN_JSON],
        cut=len(document) > MAX_SHOWN_JSON,
    )


# -- an item's history -----------------------------------------------------------------------


@dataclass(frozen=True)
class ItemHistory:
    uid: str
    party: str | None
    item: Item | None
    notifications: list[NotificationRowView]


def item_history(node: NodeContext, parties: list[str], uid: str) -> ItemHistory:
    found: list[StoredNotification] = []
    for party in parties:
        found.extend(notification_history(node.engine, uid, party))
    owner = found[0].party if found else None
    item = materialized_item(node.engine, owner, uid) if owner else None
    return ItemHistory(uid, owner, item, [_row(n) for n in found])


# -- inspections and compliance issues -------------------------------------------------------


@dataclass(frozen=True)
class InspectionsPage:
    inspections: list[StoredInspection]
    issues: list[StoredIssue]
    open_issues: int = field(default=0)
    #: inspections per treaty year and type against the quotas (None: no inspection)
    chart: plots.Chart | None = None

    @property
    def plot(self) -> dict[str, Any]:
        return plots.to_plotly(self.chart) if self.chart else {}


def inspections_page(node: NodeContext) -> InspectionsPage:
    issues = list_issues(node.engine, node.party)
    inspections = list_inspections(node.engine, node.party)
    rule_set = treaty(node.engine, node.rules).rule_set
    return InspectionsPage(
        inspections=inspections,
        issues=issues,
        open_issues=sum(1 for i in issues if i.status == "open"),
        chart=inspections_chart(node.party, [s.record for s in inspections], rule_set),
    )


def inspections_chart(
    party: str, records: list[InspectionRecord], rule_set: RuleSet
) -> plots.Chart | None:
    """Inspections of ``party`` per treaty year (from entry into force; else the calendar
    year) and type, each type's annual quota dotted beside it."""
    if not records:
        return None
    start = rule_set.treaty.entry_into_force or date(2000, 1, 1)

    def year_of(when: datetime) -> date:
        day = when.date()
        year = day.year if (day.month, day.day) >= (start.month, start.day) else day.year - 1
        return date(year, start.month, start.day)

    # every treaty year from the first inspection to today (or the treaty's end): a year
    # without inspections is a zero, not a gap the line skips over
    expires = rule_set.treaty.expires
    end = min(today(), expires - timedelta(days=1)) if expires else today()
    first = min(year_of(r.time) for r in records)
    last = max(year_of(datetime.combine(end, time())), *(year_of(r.time) for r in records))
    years = [date(y, start.month, start.day) for y in range(first.year, last.year + 1)][:100]
    types = sorted({r.inspection_type for r in records})
    lines = []
    for index, kind in enumerate(types):
        colour = plots.PALETTE[index % len(plots.PALETTE)]
        counts = [
            sum(1 for r in records if r.inspection_type == kind and year_of(r.time) == y)
            for y in years
        ]
        lines.append(plots.Series(f"{kind} inspections", years, counts, "line", colour))
        quota = rule_set.inspections.type(kind) if rule_set.inspections else None
        if quota is not None:
            lines.append(
                plots.Series(
                    f"{kind} quota {quota.annual_quota}",
                    [years[0], years[-1]],
                    [quota.annual_quota] * 2,
                    "limit",
                    colour,
                )
            )
    return plots.Chart(
        f"Inspections of {party} per treaty year", "inspections", lines, x_label="treaty year from"
    )


def evidence_link(reference: str) -> tuple[str, int] | None:
    """(party, sequence) of an evidence reference ``party#sequence``."""
    party, _, sequence = reference.partition("#")
    return (party, int(sequence)) if party and sequence.isdigit() else None

"""Inspections as New START's Protocol runs them (Part Five; Annex on Inspection Activities).

One inspection moves through four steps, each a pure function of the inspection so far, the
step's request, the inspected party's declared state and the rule set's ``[inspections]``:

1. :func:`open_inspection`: the inspecting Party's notification of arrival at the point of
   entry, at least ``timing.arrival_notice`` ahead; counted against the type's annual quota.
2. :func:`designate_site` (the inspecting Party names an eligible site within
   ``timing.site_designation`` of the arrival) or, where the rule set requires the jointly
   random draw, :func:`draw_selection` (site and items from the round's seed at once).
3. :func:`designate_items`: the launchers, missiles or bombers to inspect, at most
   ``max_items``, and the deployed ICBMs/SLBMs whose reentry vehicles are counted, within
   ``timing.item_designation`` of the site's designation. Pre-inspection restrictions hold
   from ``timing.restrictions`` after the site's designation until this step
   (Annex, Part Six, Section I, paragraph 1).
4. :func:`conduct`: the findings (an :class:`InspectionRecord` with the inspection's id),
   within ``timing.in_country`` of the arrival, reconciled with the declared state at their
   time; every movement notified while the restrictions held is a finding too
   (:func:`restriction_breaches`).

A step the Protocol does not allow is refused (:class:`ProcedureError`, naming the rule);
what the inspected party did wrong is a :class:`ComplianceIssue`, never a refusal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from treatyledger.inspect.errors import ProcedureError
from treatyledger.inspect.findings import (
    RULE_OF,
    ComplianceIssue,
    Evidence,
    InspectionRecord,
    IssueKind,
    reconcile_with_ledger,
)
from treatyledger.inspect.selection import (
    check_quota,
    eligible_items_by_site,
    select_inspection,
    site_of,
)
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.model.items import UID_PATTERN, Inventory, Item
from treatyledger.model.kinds import MISSILE_KINDS, TERMINAL_STATUSES, Status
from treatyledger.model.parties import IDENTIFIER_PATTERN
from treatyledger.rules.schema import Inspections, InspectionTiming, InspectionType, SelectionMethod

Uid = Annotated[str, Field(pattern=UID_PATTERN)]
MAX_DESIGNATED = 1_000


class Phase(StrEnum):
    NOTIFIED = "notified"
    SITE_DESIGNATED = "site_designated"
    ITEMS_DESIGNATED = "items_designated"
    COMPLETED = "completed"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ArrivalNotice(_Frozen):
    """The inspecting Party's notification of an inspection: its type and when the team
    arrives at the point of entry. ``round_id`` names the joint-randomness round where the
    rule set requires the jointly random draw."""

    id: str = Field(pattern=IDENTIFIER_PATTERN, description="the inspection's id")
    inspection_type: str = Field(pattern=IDENTIFIER_PATTERN)
    inspecting_party: str = Field(pattern=IDENTIFIER_PATTERN)
    inspected_party: str = Field(pattern=IDENTIFIER_PATTERN)
    point_of_entry: str = Field(default="", max_length=128)
    arrival: AwareDatetime = Field(description="arrival of the team at the point of entry")
    notified_at: AwareDatetime
    round_id: str | None = Field(default=None, pattern=IDENTIFIER_PATTERN)


class SiteDesignation(_Frozen):
    """The inspecting Party designates the site (``site`` omitted for a jointly random draw,
    which the node computes from the round)."""

    site: str | None = Field(default=None, pattern=IDENTIFIER_PATTERN)
    designated_at: AwareDatetime


class ItemDesignation(_Frozen):
    """The items to inspect at the designated site, and among them (or the missiles in them)
    the deployed ICBMs or SLBMs whose reentry vehicles are counted."""

    items: tuple[Uid, ...] = Field(default=(), max_length=MAX_DESIGNATED)
    reentry_vehicle_missiles: tuple[Uid, ...] = Field(default=(), max_length=16)
    designated_at: AwareDatetime


class Inspection(_Frozen):
    """One inspection's state: what was notified, designated or drawn, and when."""

    notice: ArrivalNotice
    selection: SelectionMethod
    treaty_year: int
    phase: Phase = Phase.NOTIFIED
    site: str | None = None
    site_designated_at: AwareDatetime | None = None
    items: tuple[str, ...] = ()
    reentry_vehicle_missiles: tuple[str, ...] = ()
    items_designated_at: AwareDatetime | None = None
    seed: str | None = Field(default=None, description="hex seed of a jointly random draw")
    eligible_sites: tuple[str, ...] = ()
    restrictions_from: AwareDatetime | None = None
    restrictions_until: AwareDatetime | None = None

    @property
    def id(self) -> str:
        return self.notice.id


# --- helpers ------------------------------------------------------------------------------


def _refuse(inspection_id: str, message: str, source: str) -> ProcedureError:
    return ProcedureError(f"inspection {inspection_id}: {message} ({source})")


def _type(inspections: Inspections, type_id: str) -> InspectionType:
    found = inspections.type(type_id)
    if found is None:
        known = ", ".join(t.id for t in inspections.types)
        raise ProcedureError(
            f"expected an inspection type of the rule set ({known}), found {type_id!r}"
        )
    return found


def _timing(inspections: Inspections) -> InspectionTiming:
    if inspections.timing is None:
        raise ProcedureError("the rule set's [inspections] has no timing: no procedure to follow")
    return inspections.timing


def _hours(value: float) -> timedelta:
    return timedelta(hours=value)


def _within(
    inspection: Inspection, what: str, moment: datetime, start: datetime, hours: float, source: str
) -> None:
    if moment < start:
        raise _refuse(
            inspection.id, f"{what} at {moment.isoformat()} is before {start.isoformat()}", source
        )
    if moment > start + _hours(hours):
        raise _refuse(
            inspection.id,
            f"{what} at {moment.isoformat()} is later than {hours:g} hours after "
            f"{start.isoformat()}",
            source,
        )


def _require_phase(inspection: Inspection, *phases: Phase) -> None:
    if inspection.phase not in phases:
        expected = " or ".join(p.value for p in phases)
        raise ProcedureError(
            f"inspection {inspection.id}: expected phase {expected}, found {inspection.phase}"
        )


def eligible_sites(
    declared: Inventory, inspection_type: InspectionType, party: str
) -> dict[str, list[str]]:
    """Sites of ``party`` the type may inspect, each with its eligible item UIDs: the type's
    facility types holding items of its kinds, plus, where the type inspects formerly
    declared facilities, every declared facility of the party that holds no accountable
    item any more (an empty list)."""
    sites = eligible_items_by_site(declared, inspection_type, party)
    if inspection_type.formerly_declared:
        by_uid = {i.uid: i for i in declared.items if i.uid is not None}
        occupied = {
            site_of(i, by_uid)
            for i in declared.items
            if i.party == party and i.status not in TERMINAL_STATUSES
        }
        for facility in declared.facilities.values():
            if facility.party == party and facility.id not in occupied:
                sites.setdefault(facility.id, [])
    return dict(sorted(sites.items()))


# --- 1. notification of arrival -----------------------------------------------------------


def open_inspection(
    notice: ArrivalNotice,
    inspections: Inspections,
    entry_into_force: date,
    already: Iterable[tuple[str, date]],
) -> Inspection:
    """Accept a notification of arrival: a type of the rule set, two different parties, the
    notice at least ``timing.arrival_notice`` before the arrival, the selection the rule set
    requires, and the type's quota for the treaty year of the arrival not yet used
    (``already``: (type, arrival date) of this inspecting Party's earlier inspections)."""
    inspection_type = _type(inspections, notice.inspection_type)
    timing = _timing(inspections)
    if notice.inspecting_party == notice.inspected_party:
        raise ProcedureError(f"inspection {notice.id}: a party does not inspect itself")
    lead = notice.arrival - notice.notified_at
    if lead < _hours(timing.arrival_notice.hours):
        raise _refuse(
            notice.id,
            f"notified {lead.total_seconds() / 3600:g} hours before the arrival, expected at "
            f"least {timing.arrival_notice.hours:g}",
            timing.arrival_notice.source,
        )
    method = inspections.selection_of(inspection_type.id)
    if method is SelectionMethod.JOINT_RANDOM and notice.round_id is None:
        raise _refuse(
            notice.id,
            "the rule set requires the jointly random draw: the notice must name its round_id",
            inspections.selection_source or "rule set [inspections] selection",
        )
    year = check_quota(inspection_type, notice.arrival.date(), entry_into_force, already)
    return Inspection(notice=notice, selection=method, treaty_year=year)


# --- 2. the site --------------------------------------------------------------------------


def designate_site(
    inspection: Inspection,
    designation: SiteDesignation,
    declared: Inventory,
    inspections: Inspections,
) -> Inspection:
    """The inspecting Party designates the site: an eligible site of the inspected party in
    the declared state at the designation, within ``timing.site_designation`` of the
    arrival. Refused where the rule set requires the jointly random draw."""
    _require_phase(inspection, Phase.NOTIFIED)
    timing = _timing(inspections)
    if inspection.selection is not SelectionMethod.DESIGNATION:
        raise _refuse(
            inspection.id,
            "the rule set requires the jointly random draw; a designated site is refused",
            inspections.selection_source or "rule set [inspections] selection",
        )
    if designation.site is None:
        raise ProcedureError(f"inspection {inspection.id}: expected the designated site")
    _within(
        inspection,
        "the site's designation",
        designation.designated_at,
        inspection.notice.arrival,
        timing.site_designation.hours,
        timing.site_designation.source,
    )
    inspection_type = _type(inspections, inspection.notice.inspection_type)
    sites = eligible_sites(declared, inspection_type, inspection.notice.inspected_party)
    if designation.site not in sites:
        raise ProcedureError(
            f"inspection {inspection.id}: site {designation.site} is not a site a "
            f"{inspection_type.id} inspection may visit (eligible: {', '.join(sites) or 'none'}; "
            f"{inspection_type.source})"
        )
    start = designation.designated_at + _hours(timing.restrictions.hours)
    return inspection.model_copy(
        update={
            "phase": Phase.SITE_DESIGNATED,
            "site": designation.site,
            "site_designated_at": designation.designated_at,
            "eligible_sites": tuple(sites),
            "restrictions_from": start,
        }
    )


def draw_selection(
    inspection: Inspection,
    seed: bytes,
    declared: Inventory,
    inspections: Inspections,
    at: datetime,
) -> Inspection:
    """The jointly random draw: the site, then ``max_items`` items there, from the round's
    seed (``inspect.selection.select_inspection``), at once, so the inspected party never
    knows the site before the items and no restriction window opens. The first
    ``reentry_vehicle_inspections`` deployed missiles among the drawn items (or in drawn
    launchers) have their reentry vehicles counted."""
    _require_phase(inspection, Phase.NOTIFIED)
    timing = _timing(inspections)
    if inspection.selection is not SelectionMethod.JOINT_RANDOM:
        raise _refuse(
            inspection.id,
            "the rule set has the inspecting Party designate the site; no draw",
            inspections.selection_source or "rule set [inspections] selection",
        )
    _within(
        inspection,
        "the draw",
        at,
        inspection.notice.arrival,
        timing.site_designation.hours,
        timing.site_designation.source,
    )
    inspection_type = _type(inspections, inspection.notice.inspection_type)
    party = inspection.notice.inspected_party
    pool = eligible_items_by_site(declared, inspection_type, party)
    count = inspection_type.max_items or max((len(v) for v in pool.values()), default=0)
    selection = select_inspection(seed, declared, inspection_type, party, count)
    by_uid = {i.uid: i for i in declared.items if i.uid is not None}
    missiles = [m for uid in selection.items if (m := _deployed_missile(by_uid, uid)) is not None]
    return inspection.model_copy(
        update={
            "phase": Phase.ITEMS_DESIGNATED,
            "site": selection.site,
            "site_designated_at": at,
            "items": selection.items,
            "reentry_vehicle_missiles": tuple(
                dict.fromkeys(missiles[: inspection_type.reentry_vehicle_inspections])
            ),
            "items_designated_at": at,
            "seed": seed.hex(),
            "eligible_sites": selection.eligible_sites,
        }
    )


def _deployed_missile(by_uid: Mapping[str, Item], uid: str) -> str | None:
    """``uid`` if it is a deployed missile, else the deployed missile in it (a launcher)."""
    item = by_uid.get(uid)
    if item is None:
        return None
    if item.kind in MISSILE_KINDS:
        return uid if item.status is Status.DEPLOYED else None
    for other in by_uid.values():
        if (
            other.contained_in == uid
            and other.kind in MISSILE_KINDS
            and other.status is Status.DEPLOYED
        ):
            return other.uid
    return None


# --- 3. the items -------------------------------------------------------------------------


def designate_items(
    inspection: Inspection,
    designation: ItemDesignation,
    declared: Inventory,
    inspections: Inspections,
) -> Inspection:
    """The inspecting Party designates the items at the site: declared there, of the type's
    kinds, at most ``max_items``; the reentry-vehicle missiles are deployed ICBMs or SLBMs
    designated or in designated launchers, at most ``reentry_vehicle_inspections``. Ends the
    pre-inspection restrictions."""
    _require_phase(inspection, Phase.SITE_DESIGNATED)
    timing = _timing(inspections)
    assert inspection.site_designated_at is not None and inspection.site is not None
    _within(
        inspection,
        "the items' designation",
        designation.designated_at,
        inspection.site_designated_at,
        timing.item_designation.hours,
        timing.item_designation.source,
    )
    inspection_type = _type(inspections, inspection.notice.inspection_type)
    pool = eligible_sites(declared, inspection_type, inspection.notice.inspected_party)
    at_site = set(pool.get(inspection.site, ()))
    items = tuple(dict.fromkeys(designation.items))
    outside = [uid for uid in items if uid not in at_site]
    if outside:
        raise ProcedureError(
            f"inspection {inspection.id}: {', '.join(outside)} not declared at "
            f"{inspection.site} as an item a {inspection_type.id} inspection examines"
        )
    if inspection_type.max_items is not None and len(items) > inspection_type.max_items:
        raise ProcedureError(
            f"inspection {inspection.id}: {len(items)} items designated, expected at most "
            f"{inspection_type.max_items} ({inspection_type.source})"
        )
    by_uid = {i.uid: i for i in declared.items if i.uid is not None}
    allowed = {m for uid in items if (m := _deployed_missile(by_uid, uid)) is not None}
    missiles = tuple(dict.fromkeys(designation.reentry_vehicle_missiles))
    wrong = [uid for uid in missiles if uid not in allowed]
    if wrong:
        raise ProcedureError(
            f"inspection {inspection.id}: reentry vehicles are counted on a designated "
            f"deployed ICBM or SLBM; {', '.join(wrong)} is not one"
        )
    if len(missiles) > inspection_type.reentry_vehicle_inspections:
        raise ProcedureError(
            f"inspection {inspection.id}: {len(missiles)} reentry-vehicle inspections, "
            f"expected at most {inspection_type.reentry_vehicle_inspections} "
            f"({inspection_type.source})"
        )
    return inspection.model_copy(
        update={
            "phase": Phase.ITEMS_DESIGNATED,
            "items": items,
            "reentry_vehicle_missiles": missiles,
            "items_designated_at": designation.designated_at,
            "restrictions_until": designation.designated_at,
        }
    )


# --- 4. the findings ----------------------------------------------------------------------


def check_findings(
    inspection: Inspection, record: InspectionRecord, inspections: Inspections
) -> None:
    """The findings belong to this inspection: its id, type, party and site, within the
    in-country period, examining only designated items and counting reentry vehicles only
    on the designated missiles."""
    _require_phase(inspection, Phase.ITEMS_DESIGNATED)
    timing = _timing(inspections)
    notice = inspection.notice
    expected = {
        "id": notice.id,
        "inspection_type": notice.inspection_type,
        "inspected_party": notice.inspected_party,
        "site": inspection.site,
    }
    for field, value in expected.items():
        if getattr(record, field) != value:
            raise ProcedureError(
                f"inspection {notice.id}: findings {field} expected {value}, found "
                f"{getattr(record, field)}"
            )
    assert inspection.items_designated_at is not None
    _within(
        inspection,
        "the findings",
        record.time,
        inspection.items_designated_at,
        max(0.0, timing.in_country.hours - _since_arrival(inspection)),
        timing.in_country.source,
    )
    examined = {*record.items_examined, *record.armament_observed}
    undesignated = sorted(
        examined - set(inspection.items) - set(inspection.reentry_vehicle_missiles)
    )
    if undesignated:
        raise ProcedureError(
            f"inspection {notice.id}: findings examine items not designated: "
            f"{', '.join(undesignated)}"
        )
    counted = sorted(set(record.rvs_observed) - set(inspection.reentry_vehicle_missiles))
    if counted:
        raise ProcedureError(
            f"inspection {notice.id}: reentry vehicles counted on {', '.join(counted)}, "
            f"designated for the reentry-vehicle inspection: "
            f"{', '.join(inspection.reentry_vehicle_missiles) or 'none'}"
        )


def _since_arrival(inspection: Inspection) -> float:
    assert inspection.items_designated_at is not None
    return (inspection.items_designated_at - inspection.notice.arrival).total_seconds() / 3600


#: Notification kinds the pre-inspection restrictions forbid at the site: removals of
#: missiles, launchers and bombers (a move), RV or armament work (a load or an unload).
RESTRICTED_KINDS = frozenset({"move", "load", "unload"})


def restriction_breaches(
    inspection: Inspection,
    records: Sequence[Mapping[str, Any]],
    declared: Inventory,
    record: InspectionRecord,
) -> list[ComplianceIssue]:
    """Every notification of the inspected party effective while the pre-inspection
    restrictions held (from ``restrictions_from`` until the items' designation) that moves an
    item at the site or loads or unloads one there: one issue each, citing it."""
    start, end = inspection.restrictions_from, inspection.restrictions_until
    if start is None or end is None or end <= start:
        return []
    party = inspection.notice.inspected_party
    by_uid = {i.uid: i for i in declared.items if i.uid is not None}
    at_site = {uid for uid, i in by_uid.items() if site_of(i, by_uid) == inspection.site}
    issues = []
    for entry in records:
        if entry["party"] != party or entry["kind"] not in RESTRICTED_KINDS:
            continue
        effective = _parse_time(entry["effective_time"])
        if not start <= effective < end:
            continue
        payload = entry["payload"]
        uid = payload.get("uid") or payload.get("container")
        if uid not in at_site:
            continue
        ref = f"{party}#{entry['sequence']}"
        issues.append(
            ComplianceIssue(
                kind=IssueKind.MOVEMENT_DURING_RESTRICTIONS,
                party=party,
                site=inspection.site or "",
                item=uid,
                expected=f"no {entry['kind']} at {inspection.site} from {start.isoformat()} "
                f"until {end.isoformat()}",
                found=f"{entry['kind']} of {uid} effective {effective.isoformat()} ({ref})",
                message=f"{inspection.id} at {inspection.site}: {ref} notifies a "
                f"{entry['kind']} of {uid} while the pre-inspection restrictions held",
                evidence=Evidence(notifications=(ref,), finding=record),
                rule=RULE_OF[IssueKind.MOVEMENT_DURING_RESTRICTIONS],
            )
        )
    return issues


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def conduct(
    inspection: Inspection,
    record: InspectionRecord,
    records: Sequence[Mapping[str, Any]],
    policy: LedgerPolicy,
    inspections: Inspections,
    declared_at_site_designation: Inventory,
) -> tuple[Inspection, list[ComplianceIssue]]:
    """Check the findings belong to the inspection, reconcile them with the ledger replayed
    to their time and add the restriction breaches; the inspection is completed."""
    check_findings(inspection, record, inspections)
    issues = reconcile_with_ledger(record, records, policy)
    issues += restriction_breaches(inspection, records, declared_at_site_designation, record)
    return inspection.model_copy(update={"phase": Phase.COMPLETED}), issues


__all__ = [
    "ArrivalNotice",
    "Inspection",
    "ItemDesignation",
    "Phase",
    "SiteDesignation",
    "check_findings",
    "conduct",
    "designate_items",
    "designate_site",
    "draw_selection",
    "eligible_sites",
    "open_inspection",
    "restriction_breaches",
]

"""Inspections as New START's Protocol runs them (Part Five; Annex on Inspection Activities).

One inspection moves through four steps, each a pure function of the inspection so far, the
step's request, the inspected party's declared state and the rule set's ``[inspections]``:

1. :func:`open_inspection`: the inspecting Party's notification of arrival at the point of
   entry, at least ``timing.arrival_notice`` ahead; counted against the type's annual quota;
   the arrival no earlier than ``begin`` allows (Part Five, Section I.2) and the team's time
   on the territory overlapping no more than ``concurrency`` allows of the same inspecting
   Party's other inspections there (I.4; :func:`in_country`).
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
from typing import Any

from treatyledger.inspect.errors import ProcedureError
from treatyledger.inspect.findings import (
    RULE_OF,
    ComplianceIssue,
    Evidence,
    InspectionRecord,
    IssueKind,
    reconcile_with_ledger,
)
from treatyledger.inspect.run import (
    ArrivalNotice,
    Inspection,
    ItemDesignation,
    Phase,
    SiteDesignation,
)
from treatyledger.inspect.selection import (
    check_quota,
    eligible_items_by_site,
    select_inspection,
    site_of,
)
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.model.items import Inventory, Item
from treatyledger.model.kinds import MISSILE_KINDS, TERMINAL_STATUSES, Status
from treatyledger.rules.schema import Inspections, InspectionTiming, InspectionType, SelectionMethod

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


def check_begun(
    inspections: Inspections,
    entry_into_force: date,
    arrival: datetime,
    what: str,
    moment: str = "arrival",
) -> None:
    """Refuse an arrival (or, ``moment`` naming it, a finding's time: no team can be on the
    territory earlier) before inspections may begin (the rule set's ``begin``). The one
    place Part Five, Section I.2 is enforced: notices, draws and recorded findings."""
    begin = inspections.begin
    if begin is None:
        return
    first = begin.first_arrival(entry_into_force)
    if arrival < first:
        raise ProcedureError(
            f"{what}: {moment} at {arrival.isoformat()} is before inspections may begin, "
            f"{first.isoformat()} ({begin.days_after_entry_into_force} days after entry into "
            f"force on {entry_into_force.isoformat()}; {begin.source})"
        )


def check_record_begun(
    record: InspectionRecord, inspections: Inspections | None, entry_into_force: date | None
) -> None:
    """Refuse a finding recorded without an inspection run (or an exhibition's) dated before
    inspection activities may begin: no team was on the territory yet (Section I.2)."""
    if inspections is not None and entry_into_force is not None:
        check_begun(
            inspections,
            entry_into_force,
            record.time,
            f"inspection record {record.id}",
            moment="inspection time",
        )


def in_country(inspection: Inspection, timing: InspectionTiming) -> tuple[datetime, datetime]:
    """When the inspection's team is on the inspected Party's territory: from the arrival
    until the findings once completed, else until the in-country period ends (an inspection
    left unfinished stops counting then)."""
    start = inspection.notice.arrival
    if inspection.phase is Phase.COMPLETED:
        return start, inspection.completed_at or inspection.items_designated_at or start
    return start, start + _hours(timing.in_country.hours)


def _check_concurrency(
    notice: ArrivalNotice,
    inspections: Inspections,
    timing: InspectionTiming,
    others: Iterable[Inspection],
) -> None:
    limit = inspections.concurrency
    if limit is None:
        return
    start, end = notice.arrival, notice.arrival + _hours(timing.in_country.hours)
    overlapping = []
    for other in others:
        if (
            other.id == notice.id
            or other.notice.inspecting_party != notice.inspecting_party
            or other.notice.inspected_party != notice.inspected_party
        ):
            continue
        other_start, other_end = in_country(other, timing)
        if other_start < end and start < other_end:
            overlapping.append(f"{other.id} ({other_start.isoformat()} to {other_end.isoformat()})")
    if len(overlapping) >= limit.at_most:
        raise _refuse(
            notice.id,
            f"{notice.inspecting_party} would have more than {limit.at_most} inspection(s) on "
            f"{notice.inspected_party}'s territory at one time: from {start.isoformat()} to "
            f"{end.isoformat()} (the in-country period) overlaps {', '.join(overlapping)}",
            limit.source,
        )


def open_inspection(
    notice: ArrivalNotice,
    inspections: Inspections,
    entry_into_force: date,
    already: Iterable[tuple[str, date]],
    others: Iterable[Inspection] = (),
) -> Inspection:
    """Accept a notification of arrival: a type of the rule set, two different parties, the
    notice at least ``timing.arrival_notice`` before the arrival, the arrival no earlier than
    inspections may begin (``begin``), the selection the rule set requires, the type's quota
    for the treaty year of the arrival not yet used (``already``: (type, arrival date) of this
    inspecting Party's earlier inspections), and no more than ``concurrency`` of ``others``
    (the inspections already notified on this territory) in the country while this one's
    in-country period lasts."""
    inspection_type = _type(inspections, notice.inspection_type)
    timing = _timing(inspections)
    if notice.inspecting_party == notice.inspected_party:
        raise ProcedureError(f"inspection {notice.id}: a party does not inspect itself")
    check_begun(inspections, entry_into_force, notice.arrival, f"inspection {notice.id}")
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
    _check_concurrency(notice, inspections, timing, others)
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
    return completed(inspection, record), issues


def completed(inspection: Inspection, record: InspectionRecord) -> Inspection:
    """The inspection ended by its findings (checked by :func:`check_findings`)."""
    return inspection.model_copy(update={"phase": Phase.COMPLETED, "completed_at": record.time})


__all__ = [
    "ArrivalNotice",
    "Inspection",
    "ItemDesignation",
    "Phase",
    "SiteDesignation",
    "check_begun",
    "check_findings",
    "completed",
    "conduct",
    "designate_items",
    "designate_site",
    "draw_selection",
    "eligible_sites",
    "in_country",
    "open_inspection",
    "restriction_breaches",
]

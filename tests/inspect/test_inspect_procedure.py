"""Inspections as the New START Protocol runs them: the notification of arrival, the
designated site, the pre-inspection restrictions, the designated items, the reentry-vehicle
inspection and the findings; the jointly random draw where a rule set requires it.

Oracles: the treaty text as the rule set cites it (Protocol Part Five, Section VI: ten Type
One and eight Type Two inspections a year; Annex on Inspection Activities, Part Six, Section I,
paragraph 1: restrictions in force no later than one hour after the site's designation, held
until the items are designated) and the existing selection (select_inspection) for the draw.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from factory import inspection_site_force, notification_data
from treatyledger.files.builtin import load_catalog, load_rule_set, rule_set_names
from treatyledger.inspect.errors import ProcedureError, QuotaExceededError
from treatyledger.inspect.findings import InspectionRecord, IssueKind, declared_state
from treatyledger.inspect.procedure import (
    ArrivalNotice,
    Inspection,
    ItemDesignation,
    Phase,
    SiteDesignation,
    conduct,
    designate_items,
    designate_site,
    draw_selection,
    open_inspection,
)
from treatyledger.inspect.selection import select_inspection
from treatyledger.ledger.policy import policy_from_rule_set
from treatyledger.rules.schema import Inspections, SelectionMethod

RULES = load_rule_set("new-start")
ENTRY = date(2011, 2, 5)
ARRIVAL = datetime(2011, 4, 6, 8, tzinfo=UTC)  # inspections begin 2011-04-06 (Part Five I.2)


def inspections(selection: SelectionMethod = SelectionMethod.DESIGNATION) -> Inspections:
    assert RULES.inspections is not None
    return RULES.inspections.model_copy(update={"selection": selection})


def policy() -> Any:
    return policy_from_rule_set(RULES, load_catalog(), require_signatures=False)


def declared(records: list[dict[str, Any]], when: datetime) -> Any:
    return declared_state(records, policy(), "US", when).inventory


def notice(**fields: Any) -> ArrivalNotice:
    values: dict[str, Any] = {
        "id": "RU-T1-2011-01",
        "inspection_type": "type-one",
        "inspecting_party": "RU",
        "inspected_party": "US",
        "point_of_entry": "US-POE",
        "arrival": ARRIVAL,
        "notified_at": ARRIVAL - timedelta(hours=40),
    }
    return ArrivalNotice.model_validate(values | fields)


def hours(n: float) -> datetime:
    return ARRIVAL + timedelta(hours=n)


def at_site(records: list[dict[str, Any]], site: str = "US-ICBM-BASE") -> Inspection:
    opened = open_inspection(notice(), inspections(), ENTRY, [])
    designation = SiteDesignation(site=site, designated_at=hours(2))
    return designate_site(opened, designation, declared(records, hours(2)), inspections())


def findings(**fields: Any) -> InspectionRecord:
    values: dict[str, Any] = {
        "id": "RU-T1-2011-01",
        "inspection_type": "type-one",
        "inspected_party": "US",
        "site": "US-ICBM-BASE",
        "time": hours(10),
        "items_examined": ["US-SILO-1"],
        "rvs_observed": {"US-MM-1": 1},
    }
    return InspectionRecord.model_validate(values | fields)


def move(sequence: int, uid: str, to: str, when: datetime) -> dict[str, Any]:
    return notification_data(
        "US", sequence, "move", {"uid": uid, "to_facility": to}, effective=when, issued=when
    )


def load(sequence: int, missile: str, when: datetime) -> dict[str, Any]:
    return notification_data(
        "US", sequence, "load", {"container": missile, "warheads": 1}, effective=when, issued=when
    )


def run(records: list[dict[str, Any]], record: InspectionRecord | None = None) -> Any:
    """A designated Type One at the ICBM base: site at +2 h, items at +5 h, findings at +10 h."""
    inspection = at_site(records)
    inspection = designate_items(
        inspection,
        ItemDesignation(
            items=("US-SILO-1",), reentry_vehicle_missiles=("US-MM-1",), designated_at=hours(5)
        ),
        declared(records, hours(5)),
        inspections(),
    )
    return conduct(
        inspection,
        record or findings(),
        records,
        policy(),
        inspections(),
        declared(records, hours(2)),
    )


# --- the rule set --------------------------------------------------------------------------


def test_new_start_quotas_and_selection_come_from_the_rule_set() -> None:
    """Part Five, Section VI: ten Type One, eight Type Two a year; designation, not lot."""
    rules = inspections()
    assert (rules.type("type-one").annual_quota, rules.type("type-two").annual_quota) == (10, 8)
    assert "Section VI" in rules.type("type-one").source
    assert RULES.inspections is not None
    assert RULES.inspections.selection is SelectionMethod.DESIGNATION
    restrictions = rules.timing.restrictions if rules.timing else None
    assert restrictions is not None and restrictions.hours == 1 and restrictions.confirmed
    assert "Part Six, Section I, paragraph 1" in restrictions.source


@pytest.mark.parametrize("name", rule_set_names())
def test_a_time_limit_is_confirmed_only_with_the_section_and_paragraph_it_was_read_in(
    name: str,
) -> None:
    timing = load_rule_set(name).inspections
    limits = timing.timing.model_dump() if timing and timing.timing else {}
    for key, limit in limits.items():
        if limit["confirmed"]:
            assert "Section" in limit["source"] and "paragraph" in limit["source"], key
        else:
            assert "not yet confirmed" in limit["source"], key


def test_new_start_time_limits_not_read_in_the_text_stay_unconfirmed() -> None:
    """Issue 11: no stored copy of the Protocol gives the notice of arrival at the point of
    entry, the site's and items' designation or the in-country period; only the restrictions'
    hour (Annex, Part Six, Section I, paragraph 1) was read. The figures stay this rule set's
    assumptions until the text is read."""
    timing = inspections().timing
    assert timing is not None
    unread = {
        "arrival_notice": timing.arrival_notice,
        "site_designation": timing.site_designation,
        "item_designation": timing.item_designation,
        "in_country": timing.in_country,
    }
    assert {k: (v.hours, v.confirmed) for k, v in unread.items()} == {
        "arrival_notice": (32, False),
        "site_designation": (24, False),
        "item_designation": (24, False),
        "in_country": (96, False),
    }
    assert timing.restrictions.confirmed


# --- a designated inspection, step by step ----------------------------------------------


def test_a_designated_inspection_with_clean_findings_completes_without_issues() -> None:
    done, issues = run([inspection_site_force()])
    assert done.phase is Phase.COMPLETED and done.completed_at == hours(10)
    assert (done.site, done.items, done.reentry_vehicle_missiles) == (
        "US-ICBM-BASE",
        ("US-SILO-1",),
        ("US-MM-1",),
    )
    assert (done.restrictions_from, done.restrictions_until) == (hours(3), hours(5))
    assert issues == []


def test_more_reentry_vehicles_than_declared_is_an_issue_citing_part_five() -> None:
    _, issues = run([inspection_site_force()], findings(rvs_observed={"US-MM-1": 3}))
    [issue] = issues
    assert issue.kind is IssueKind.REENTRY_VEHICLE_MISMATCH
    assert (issue.expected, issue.found) == ("1 reentry vehicles", "3 reentry vehicles")
    assert issue.evidence.notifications == ("US#1",)
    assert "Part Five, Section VI" in issue.rule


def test_a_notice_shorter_than_the_rule_sets_lead_is_refused() -> None:
    short = notice(notified_at=ARRIVAL - timedelta(hours=31))
    with pytest.raises(ProcedureError, match="notified 31 hours before the arrival"):
        open_inspection(short, inspections(), ENTRY, [])


def test_the_eleventh_type_one_of_a_treaty_year_is_refused_and_type_two_is_counted_apart() -> None:
    ten = [("type-one", date(2011, 3, 1) + timedelta(days=i)) for i in range(10)]
    with pytest.raises(QuotaExceededError, match="quota of 10"):
        open_inspection(notice(), inspections(), ENTRY, ten)
    type_two = notice(inspection_type="type-two")
    assert open_inspection(type_two, inspections(), ENTRY, ten).treaty_year == 1
    eight = [("type-two", date(2011, 3, 1))] * 8
    with pytest.raises(QuotaExceededError, match="quota of 8"):
        open_inspection(type_two, inspections(), ENTRY, eight)


def test_a_party_cannot_inspect_itself() -> None:
    with pytest.raises(ProcedureError, match="does not inspect itself"):
        open_inspection(notice(inspecting_party="US"), inspections(), ENTRY, [])


@pytest.mark.parametrize(
    ("type_id", "site", "allowed"),
    [
        ("type-one", "US-ICBM-BASE", True),
        ("type-one", "US-AIR-BASE", True),
        ("type-one", "US-STORE", False),  # a storage site holds no deployed arms
        ("type-two", "US-STORE", True),
        ("type-two", "US-CEF", True),  # formerly declared: holds nothing any more
        ("type-two", "US-ICBM-BASE", False),
        ("type-one", "US-CEF", False),
    ],
)
def test_the_site_must_be_one_the_type_may_visit(type_id: str, site: str, allowed: bool) -> None:
    records = [inspection_site_force()]
    opened = open_inspection(notice(inspection_type=type_id), inspections(), ENTRY, [])
    designation = SiteDesignation(site=site, designated_at=hours(1))
    if allowed:
        assert (
            designate_site(opened, designation, declared(records, hours(1)), inspections()).site
            == site
        )
    else:
        with pytest.raises(ProcedureError, match=f"site {site} is not a site"):
            designate_site(opened, designation, declared(records, hours(1)), inspections())


def test_a_site_designated_after_the_rule_sets_window_is_refused() -> None:
    opened = open_inspection(notice(), inspections(), ENTRY, [])
    late = SiteDesignation(site="US-ICBM-BASE", designated_at=hours(25))
    with pytest.raises(ProcedureError, match="later than 24 hours"):
        designate_site(opened, late, declared([inspection_site_force()], hours(1)), inspections())


@pytest.mark.parametrize(
    ("items", "missiles", "message"),
    [
        (("US-BMR-1",), (), "not declared at US-ICBM-BASE"),
        (("US-SILO-1", "US-SILO-2", "US-SILO-3", "US-MM-1"), (), "expected at most 3"),
        (("US-SILO-3",), ("US-MM-1",), "US-MM-1 is not one"),  # not designated
        (("US-SILO-1", "US-SILO-2"), ("US-MM-1", "US-MM-2"), "expected at most 1"),
    ],
)
def test_item_designations_the_procedure_does_not_allow_are_refused(
    items: tuple[str, ...], missiles: tuple[str, ...], message: str
) -> None:
    records = [inspection_site_force()]
    designation = ItemDesignation(
        items=items, reentry_vehicle_missiles=missiles, designated_at=hours(4)
    )
    with pytest.raises(ProcedureError, match=message):
        designate_items(at_site(records), designation, declared(records, hours(4)), inspections())


def test_findings_counting_rvs_on_an_undesignated_missile_are_refused() -> None:
    with pytest.raises(ProcedureError, match="reentry vehicles counted on US-MM-2"):
        run([inspection_site_force()], findings(rvs_observed={"US-MM-2": 1}))


def test_findings_after_the_in_country_period_are_refused() -> None:
    with pytest.raises(ProcedureError, match="the findings"):
        run([inspection_site_force()], findings(time=hours(97)))


# --- pre-inspection restrictions ----------------------------------------------------------


def test_a_move_from_the_site_while_restrictions_hold_is_an_issue_citing_the_annex() -> None:
    """Annex Part Six, Section I.1(b): no heavy bomber removed from the site."""
    records = [inspection_site_force(), move(2, "US-SILO-3", "US-STORE", hours(4))]
    _, issues = run(records)
    [issue] = [i for i in issues if i.kind is IssueKind.MOVEMENT_DURING_RESTRICTIONS]
    assert issue.item == "US-SILO-3"
    assert issue.evidence.notifications == ("US#2",)
    assert "Part Six, Section I, paragraph 1" in issue.rule


def test_rv_work_on_a_missile_at_the_site_while_restrictions_hold_is_an_issue() -> None:
    """Annex Part Six, Section I.1(e): no installation of reentry vehicles."""
    records = [inspection_site_force(), load(2, "US-MM-2", hours(3.5))]
    _, issues = run(records)
    assert [i.item for i in issues if i.kind is IssueKind.MOVEMENT_DURING_RESTRICTIONS] == [
        "US-MM-2"
    ]


@pytest.mark.parametrize(
    "when",
    [hours(2.5), hours(5), hours(6)],
    ids=["within the hour to implement them", "at the items' designation", "after it"],
)
def test_movements_outside_the_restriction_window_are_no_breach(when: datetime) -> None:
    records = [inspection_site_force(), move(2, "US-SILO-3", "US-STORE", when)]
    _, issues = run(records)
    assert [i for i in issues if i.kind is IssueKind.MOVEMENT_DURING_RESTRICTIONS] == []


def test_a_move_at_another_site_is_no_breach() -> None:
    records = [inspection_site_force(), move(2, "US-BMR-1", "US-STORE", hours(4))]
    _, issues = run(records)
    assert issues == []


# --- the jointly random draw --------------------------------------------------------------


def test_a_rule_set_requiring_the_draw_refuses_designation_and_a_notice_without_round() -> None:
    joint = inspections(SelectionMethod.JOINT_RANDOM)
    with pytest.raises(ProcedureError, match="must name its round_id"):
        open_inspection(notice(), joint, ENTRY, [])
    opened = open_inspection(notice(round_id="R-1"), joint, ENTRY, [])
    designation = SiteDesignation(site="US-ICBM-BASE", designated_at=hours(1))
    with pytest.raises(ProcedureError, match="requires the jointly random draw"):
        designate_site(opened, designation, declared([inspection_site_force()], hours(1)), joint)


def test_a_designation_rule_set_refuses_the_draw() -> None:
    opened = open_inspection(notice(), inspections(), ENTRY, [])
    with pytest.raises(ProcedureError, match="no draw"):
        draw_selection(
            opened,
            bytes(32),
            declared([inspection_site_force()], hours(1)),
            inspections(),
            hours(1),
        )


@pytest.mark.parametrize("seed", [bytes([n]) * 32 for n in range(6)])
def test_the_draw_is_the_selection_of_the_seed_and_counts_rvs_on_a_drawn_missile(
    seed: bytes,
) -> None:
    joint = inspections(SelectionMethod.JOINT_RANDOM)
    inventory = declared([inspection_site_force()], hours(1))
    opened = open_inspection(notice(round_id="R-1"), joint, ENTRY, [])
    drawn = draw_selection(opened, seed, inventory, joint, hours(1))
    type_one = joint.type("type-one")
    assert type_one is not None
    expected = select_inspection(seed, inventory, type_one, "US", 3)
    assert (drawn.site, drawn.items, drawn.seed) == (expected.site, expected.items, seed.hex())
    assert drawn.phase is Phase.ITEMS_DESIGNATED
    deployed_missiles = {"US-MM-1", "US-MM-2"}
    silos = {"US-SILO-1": "US-MM-1", "US-SILO-2": "US-MM-2"}
    candidates = [silos.get(u, u) for u in drawn.items if u in deployed_missiles or u in silos]
    assert drawn.reentry_vehicle_missiles == tuple(candidates[:1])
    # no window in which the inspected party knows the site but not the items
    assert drawn.restrictions_from is None

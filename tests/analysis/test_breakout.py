"""Breakout timelines on forces small enough to work by hand."""

from __future__ import annotations

from itertools import pairwise

import pytest
from analysis_helpers import force, missiles, params, port_system, rate_system, stored
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from treatyledger.analysis.breakout import breakout
from treatyledger.analysis.errors import AnalysisParameterError
from treatyledger.analysis.upload import upload_potential
from treatyledger.model import Catalog

MM3 = {"W78": ["MM III"]}
D5 = {"W76": ["Trident II"]}


def binding_at(timeline, day: float, system: str) -> str:  # type: ignore[no-untyped-def]
    for stage in timeline.stages:
        if stage.start <= day and (stage.end is None or day < stage.end):
            return stage.binding[system]
    raise AssertionError(f"no stage covers day {day}")


def test_rate_limit_uploads_bases_times_weekly_rate(catalog: Catalog) -> None:
    # 10 MM III, 1 RV each, capacity 3: 20 slots. 2 bases x 7 missiles a week = 2 a day,
    # 4 slots a day, after a 7-day lead: slots open from day 7 to day 12.
    inventory = force(missiles("MM III", 10, 1), stored("W78", 100))
    system = rate_system("MM III", lead_days=7, bases=2, vehicles_per_base_per_week=7)
    timeline = breakout(inventory, catalog, params([system], MM3))
    assert timeline.current == 10
    assert timeline.final == 30
    assert timeline.deployed_at(9) == pytest.approx(18)
    assert timeline.days_to_reach(30) == pytest.approx(12)
    assert timeline.days_to_reach(31) is None


def test_lead_time_then_rate_then_capacity_bind_in_turn(catalog: Catalog) -> None:
    inventory = force(missiles("MM III", 10, 1), stored("W78", 100))
    system = rate_system("MM III", lead_days=7, bases=2, vehicles_per_base_per_week=7)
    timeline = breakout(inventory, catalog, params([system], MM3))
    assert binding_at(timeline, 3, "MM III") == "lead_time"
    assert binding_at(timeline, 10, "MM III") == "upload_rate"
    assert binding_at(timeline, 100, "MM III") == "capacity"


def test_stored_warheads_running_out_stops_the_upload_early(catalog: Catalog) -> None:
    # 15 warheads for 20 slots at 4 slots a day from day 7: exhausted at 7 + 15/4 = 10.75
    inventory = force(missiles("MM III", 10, 1), stored("W78", 15))
    system = rate_system("MM III", lead_days=7, bases=2, vehicles_per_base_per_week=7)
    timeline = breakout(inventory, catalog, params([system], MM3))
    assert timeline.days_to_reach(25) == pytest.approx(10.75)
    assert timeline.final == 25
    assert binding_at(timeline, 11, "MM III") == "warheads"


def test_submarines_upload_only_when_in_port(catalog: Catalog) -> None:
    # 2 boats, cycle 60 days at sea + 30 in port, staggered by 45 days: boat 1 (phase 0)
    # just left port and is back on day 60; boat 2 (phase 45) is back on day 15. Each upload
    # takes 10 days and adds half of 4 missiles x (8 - 4) = 16 slots.
    inventory = force(missiles("Trident II", 4, 4, kind="slbm"), stored("W76", 100))
    timeline = breakout(inventory, catalog, params([port_system("Trident II")], D5))
    assert timeline.current == 16
    assert timeline.deployed_at(15) == pytest.approx(16)
    assert timeline.deployed_at(25) == pytest.approx(24)
    assert timeline.deployed_at(60) == pytest.approx(24)
    assert timeline.deployed_at(70) == pytest.approx(32)
    assert timeline.days_to_reach(20) == pytest.approx(20)
    assert timeline.days_to_reach(32) == pytest.approx(70)


def test_waiting_for_a_submarine_is_named_port_cycle(catalog: Catalog) -> None:
    inventory = force(missiles("Trident II", 4, 4, kind="slbm"), stored("W76", 100))
    timeline = breakout(inventory, catalog, params([port_system("Trident II")], D5))
    assert binding_at(timeline, 5, "Trident II") == "port_cycle"
    assert binding_at(timeline, 20, "Trident II") == "upload_rate"
    assert binding_at(timeline, 40, "Trident II") == "port_cycle"
    assert binding_at(timeline, 80, "Trident II") == "capacity"


def test_submarine_in_port_at_the_decision_starts_at_once(catalog: Catalog) -> None:
    # 3 boats, cycle 60 + 30: phases 0, 30, 60; the third is in port and starts on day 0
    inventory = force(missiles("Trident II", 3, 4, kind="slbm"), stored("W76", 100))
    system = port_system("Trident II", submarines=3)
    timeline = breakout(inventory, catalog, params([system], D5))
    # each boat holds 1 missile x 4 free slots; the in-port boat is done on day 10
    assert timeline.deployed_at(10) == pytest.approx(16)
    assert timeline.days_to_reach(16) == pytest.approx(10)


def test_restored_launchers_wait_for_their_ready_day(catalog: Catalog) -> None:
    inventory = force(
        missiles("MM III", 1, 3),
        {"kind": "icbm_launcher", "system_type": "MM III", "status": "non_deployed", "quantity": 2},
        {"kind": "icbm", "system_type": "MM III", "status": "non_deployed", "quantity": 2},
        stored("W78", 100),
    )
    system = rate_system(
        "MM III", restore_nondeployed=True, nondeployed_ready_days=30, nondeployed_per_week=7
    )
    timeline = breakout(inventory, catalog, params([system], MM3))
    # the deployed missile is full; the two restored ones open 6 slots from day 30 to 32
    assert binding_at(timeline, 10, "MM III") == "restoration"
    assert timeline.days_to_reach(9) == pytest.approx(32)


def test_retired_warheads_arrive_only_after_their_return_time(catalog: Catalog) -> None:
    # 5 stored + 10 retired; slots open on day 0-5 (20 slots); the retired ones come on day 100
    inventory = force(missiles("MM III", 10, 1), stored("W78", 5), stored("W78", 10, "retired"))
    system = rate_system("MM III", bases=2, vehicles_per_base_per_week=7)
    timeline = breakout(inventory, catalog, params([system], MM3, retired_return_days=100))
    assert timeline.deployed_at(50) == pytest.approx(15)
    assert timeline.deployed_at(100) == pytest.approx(25)
    assert timeline.days_to_reach(16) == pytest.approx(100)


def test_stage_deployed_figures_follow_the_curve(catalog: Catalog) -> None:
    inventory = force(missiles("MM III", 10, 1), stored("W78", 100))
    system = rate_system("MM III", lead_days=7, bases=2, vehicles_per_base_per_week=7)
    timeline = breakout(inventory, catalog, params([system], MM3))
    upload = [s for s in timeline.stages if s.binding["MM III"] == "upload_rate"]
    assert len(upload) == 1
    assert (upload[0].start, upload[0].end) == pytest.approx((7, 12))
    assert (upload[0].deployed_start, upload[0].deployed_end) == pytest.approx((10, 30))


def test_system_without_schedule_is_an_error(catalog: Catalog) -> None:
    inventory = force(missiles("MM III", 10, 1), stored("W78", 100))
    with pytest.raises(AnalysisParameterError, match="no upload schedule for system type 'MM III'"):
        breakout(inventory, catalog, params([], MM3))


def test_json_report_times_requested_levels(catalog: Catalog) -> None:
    inventory = force(missiles("MM III", 10, 1), stored("W78", 100))
    system = rate_system("MM III", lead_days=7, bases=2, vehicles_per_base_per_week=7)
    report = breakout(inventory, catalog, params([system], MM3)).to_json_dict(levels=(20, 99))
    assert report["days_to_level"] == {"20": pytest.approx(9.5), "99": None}
    assert report["points"][0] == {"day": 0.0, "deployed": 10.0, "icbm": 10.0}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    icbms=st.integers(0, 30),
    slbms=st.integers(0, 30),
    shared=st.integers(0, 80),
    only_icbm=st.integers(0, 40),
    retired=st.integers(0, 40),
    boats=st.integers(1, 5),
    lead=st.integers(0, 20),
    retired_return=st.integers(0, 200),
)
def test_curve_rises_to_the_upload_potential(
    catalog: Catalog,
    icbms: int,
    slbms: int,
    shared: int,
    only_icbm: int,
    retired: int,
    boats: int,
    lead: int,
    retired_return: int,
) -> None:
    inventory = force(
        missiles("MM III", icbms, 1),
        missiles("Trident II", slbms, 3, kind="slbm"),
        stored("X", shared),
        stored("W78", only_icbm),
        stored("X", retired, "retired"),
    )
    upload_params = params(
        [
            rate_system("MM III", lead_days=lead, vehicles_per_base_per_week=5),
            port_system("Trident II", submarines=boats, lead_days=lead),
        ],
        {"X": ["MM III", "Trident II"], "W78": ["MM III"]},
        retired_return_days=retired_return,
    )
    timeline = breakout(inventory, catalog, upload_params)
    potential = upload_potential(inventory, catalog, upload_params)
    assert timeline.current == potential.currently_deployed_warheads
    assert timeline.final == pytest.approx(potential.max_deployed_warheads)
    assert all(b >= a - 1e-6 for a, b in pairwise(timeline.deployed))
    assert all(b >= a for a, b in pairwise(timeline.days))


def test_system_no_warhead_fits_needs_no_schedule(catalog: Catalog) -> None:
    # the Trident II has free slots but nothing stored fits it: the curve is the MM III's
    inventory = force(
        missiles("MM III", 10, 1), missiles("Trident II", 2, 4, kind="slbm"), stored("W78", 5)
    )
    system = rate_system("MM III", bases=2, vehicles_per_base_per_week=7)
    timeline = breakout(inventory, catalog, params([system], MM3))
    assert timeline.final == 10 + 8 + 5
    assert binding_at(timeline, 100, "Trident II") == "warheads"

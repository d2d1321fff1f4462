"""Quotas per treaty year, eligibility from the rule set, and verifiable selection."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inspect_world import T0, declared_records, policy, type_one

from treatyledger.files.builtin import load_rule_set
from treatyledger.inspect.errors import (
    NoEligibleSiteError,
    QuotaExceededError,
    SelectionMismatchError,
)
from treatyledger.inspect.findings import declared_state
from treatyledger.inspect.selection import (
    SeededDraws,
    Selection,
    check_quota,
    eligible_items_by_site,
    select_inspection,
    treaty_year,
    verify_selection,
)

ENTRY_INTO_FORCE = date(2011, 2, 5)


def _inventory():
    return declared_state(declared_records(), policy(), "US", T0 + timedelta(days=100)).inventory


def test_treaty_year_turns_on_the_anniversary_of_entry_into_force() -> None:
    assert treaty_year(ENTRY_INTO_FORCE, date(2011, 2, 5)) == 1
    assert treaty_year(ENTRY_INTO_FORCE, date(2012, 2, 4)) == 1
    assert treaty_year(ENTRY_INTO_FORCE, date(2012, 2, 5)) == 2


def test_quota_comes_from_the_rule_set() -> None:
    assert type_one().annual_quota == 10  # New START Protocol Part Five


def test_planning_beyond_the_annual_quota_is_refused() -> None:
    planned = [("type-one", date(2011, 3, 1) + timedelta(days=i)) for i in range(10)]
    with pytest.raises(QuotaExceededError, match="quota of 10 per treaty year already used"):
        check_quota(type_one(), date(2011, 12, 1), ENTRY_INTO_FORCE, planned)


def test_quota_resets_in_the_next_treaty_year() -> None:
    planned = [("type-one", date(2011, 3, 1) + timedelta(days=i)) for i in range(10)]
    assert check_quota(type_one(), date(2012, 3, 1), ENTRY_INTO_FORCE, planned) == 2


def test_other_inspection_types_do_not_use_the_quota() -> None:
    planned = [("type-two", date(2011, 3, 1))] * 20
    assert check_quota(type_one(), date(2011, 12, 1), ENTRY_INTO_FORCE, planned) == 1


def test_eligibility_follows_facility_types_of_the_inspection_type() -> None:
    sites = eligible_items_by_site(_inventory(), type_one(), "US")
    assert list(sites) == ["BASE-A", "BASE-B"]  # STORE-1 is not a Type One site
    rule_set = load_rule_set("new-start")
    assert rule_set.inspections is not None
    type_two = next(t for t in rule_set.inspections.types if t.id == "type-two")
    with pytest.raises(NoEligibleSiteError, match="no site eligible for inspection type type-two"):
        select_inspection(b"\x00" * 32, _inventory(), type_two, "US", 1)


def test_selection_is_a_deterministic_function_of_seed_inventory_and_rules() -> None:
    first = select_inspection(b"\x01" * 32, _inventory(), type_one(), "US", 2)
    again = select_inspection(b"\x01" * 32, _inventory(), type_one(), "US", 2)
    assert first == again
    assert len(set(first.items)) == 2
    assert set(first.items) <= set(
        eligible_items_by_site(_inventory(), type_one(), "US")[first.site]
    )


def test_verify_refuses_a_selection_with_another_site() -> None:
    seed = b"\x02" * 32
    honest = select_inspection(seed, _inventory(), type_one(), "US", 1)
    other_site = "BASE-B" if honest.site == "BASE-A" else "BASE-A"
    forged = Selection(**{**honest.__dict__, "site": other_site})
    with pytest.raises(SelectionMismatchError, match=f"claims site {other_site}"):
        verify_selection(forged, seed, _inventory(), type_one(), 1)


def test_site_draws_are_close_to_uniform() -> None:
    inventory, kind = _inventory(), type_one()
    counts = Counter(
        select_inspection(i.to_bytes(32, "big"), inventory, kind, "US", 1).site for i in range(600)
    )
    assert abs(counts["BASE-A"] - 300) < 60  # 4.9 standard deviations


@settings(max_examples=50, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32), bound=st.integers(1, 1000))
def test_seeded_draws_stay_below_their_bound(seed: bytes, bound: int) -> None:
    draws = SeededDraws(seed, "label")
    assert all(0 <= draws.below(bound) < bound for _ in range(5))

"""The rule-set schema: every built-in loads; mistakes name their path in the file."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

from treatyledger.errors import RuleSetError
from treatyledger.files import load_rule_set, rule_set_names
from treatyledger.rules import RuleSet

MINIMAL = """
[treaty]
id = "t"
name = "T"
source = "test"

[[categories]]
id = "c"
name = "C"

[[categories.clauses]]
id = "c1"
text = "count deployed ICBMs"
method = "count"
select = { kind = "icbm", status = "deployed" }

[[limits]]
category = "c"
value = 10
from = 2000-01-01
source = "test"
"""


def minimal() -> dict[str, Any]:
    return tomllib.loads(MINIMAL)


def error_of(data: dict[str, Any]) -> str:
    with pytest.raises(RuleSetError) as caught:
        RuleSet.from_mapping(data, source="my.toml")
    return str(caught.value)


EXPECTED_CATEGORIES = {
    "start1": [
        "delivery_vehicles",
        "accountable_warheads",
        "ballistic_missile_warheads",
        "mobile_icbm_warheads",
        "heavy_icbm_warheads",
        "heavy_icbms",
        "non_deployed_mobile_icbms",
        "non_deployed_rail_mobile_icbms",
        "missiles_at_test_ranges",
        "test_training_space_launchers",
    ],
    "sort-us-2002": ["operationally_deployed_warheads"],
    "sort-ru-2002": [
        "operationally_deployed_warheads",
        "warheads_awaiting_elimination",
        "delivery_vehicles",
    ],
    "new-start": [
        "deployed_delivery_vehicles",
        "deployed_warheads",
        "deployed_and_nondeployed_launchers",
    ],
    "total-stockpile": ["total_warheads"],
}


def test_the_five_built_in_rule_sets_have_the_issues_category_ids() -> None:
    assert sorted(rule_set_names()) == sorted(EXPECTED_CATEGORIES)
    for name, categories in EXPECTED_CATEGORIES.items():
        assert [c.id for c in load_rule_set(name).categories] == categories


def test_new_start_inspection_quotas_are_ten_type_one_and_eight_type_two() -> None:
    inspections = load_rule_set("new-start").inspections
    assert inspections is not None
    quotas = {t.id: t.annual_quota for t in inspections.types}
    assert quotas == {"type-one": 10, "type-two": 8}
    assert inspections.annual_total == 18


def test_new_start_declares_five_day_notifications_and_forbids_transfers() -> None:
    new_start = load_rule_set("new-start")
    assert new_start.notifications is not None and new_start.notifications.deadline_days == 5
    assert new_start.transfers is not None and new_start.transfers.third_state_forbidden


def test_minimal_rule_set_is_valid() -> None:
    assert RuleSet.from_mapping(minimal()).limit_for("c", None) == 10


def test_unknown_key_is_an_error_naming_its_path() -> None:
    data = minimal()
    data["categories"][0]["clauses"][0]["selct"] = {}
    assert "my.toml: categories[0].clauses[0].selct: unknown key" in error_of(data)


def test_unknown_selector_field_is_an_error_naming_its_path() -> None:
    data = minimal()
    data["categories"][0]["clauses"][0]["select"]["colour"] = "red"
    assert "categories[0].clauses[0].select.colour" in error_of(data)


def test_unknown_enum_value_names_what_was_found() -> None:
    data = minimal()
    data["categories"][0]["clauses"][0]["select"]["kind"] = "cruise_missile"
    message = error_of(data)
    assert "select.kind" in message and "cruise_missile" in message


def test_unknown_method_is_an_error() -> None:
    data = minimal()
    data["categories"][0]["clauses"][0]["method"] = "eval"
    assert "method" in error_of(data)


def test_attribute_outside_the_whitelist_is_an_error() -> None:
    data = minimal()
    clause = data["categories"][0]["clauses"][0]
    clause.update(method="attribute", attribute="__class__")
    assert "attribute must be one of" in error_of(data)


def test_constant_needs_a_value() -> None:
    data = minimal()
    data["categories"][0]["clauses"][0]["method"] = "constant"
    assert "value is required" in error_of(data)


def test_tiered_needs_tiers() -> None:
    data = minimal()
    data["categories"][0]["clauses"][0]["method"] = "tiered"
    assert "tiers/default_tier" in error_of(data)


def test_limit_for_an_unknown_category_is_an_error() -> None:
    data = minimal()
    data["limits"][0]["category"] = "nope"
    assert "unknown category 'nope'" in error_of(data)


def test_duplicate_clause_ids_are_an_error() -> None:
    data = minimal()
    clauses = data["categories"][0]["clauses"]
    clauses.append(copy.deepcopy(clauses[0]))
    assert "duplicate clause or definition id 'c1'" in error_of(data)


def test_empty_selector_list_is_an_error() -> None:
    data = minimal()
    data["categories"][0]["clauses"][0]["select"]["status"] = []
    assert "status must list at least one value" in error_of(data)


def test_unknown_category_lookup_lists_the_known_ones() -> None:
    with pytest.raises(RuleSetError, match="expected one of c"):
        RuleSet.from_mapping(minimal()).category("x")

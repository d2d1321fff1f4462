"""The rule-set schema: every built-in loads; mistakes name their path in the file."""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from typing import Any

import pytest

from treatyledger.files import load_rule_set, rule_set_names
from treatyledger.rules import RuleSet, overlapping_clauses, rule_set_warnings
from treatyledger.rules.errors import RuleSetError

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


# ------------------------------------------------------------------ dates, parties, definitions


def test_expires_before_entry_into_force_is_an_error() -> None:
    data = minimal()
    data["treaty"].update(entry_into_force=date(2011, 2, 5), expires=date(2010, 2, 5))
    assert "expires 2010-02-05 is before entry_into_force 2011-02-05" in error_of(data)


def test_entry_into_force_before_signature_is_an_error() -> None:
    data = minimal()
    data["treaty"].update(signed=date(2010, 4, 8), entry_into_force=date(2009, 1, 1))
    assert "entry_into_force 2009-01-01 is before signed 2010-04-08" in error_of(data)


def test_the_treaty_names_its_parties() -> None:
    assert load_rule_set("new-start").treaty.parties == ("US", "RU")
    assert set(load_rule_set("start1").treaty.parties) >= {"US", "SU", "RU", "BY", "KZ", "UA"}
    assert load_rule_set("new-start").party_problem("XX") == (
        "party 'XX' is not a party of new-start (parties: US, RU)"
    )
    assert RuleSet.from_mapping(minimal()).party_problem("XX") is None  # no list: any party


def definition(**fields: Any) -> dict[str, Any]:
    data = minimal()
    data["definitions"] = [
        {
            "id": "d1",
            "text": "test launchers are non-deployed",
            "source": "Art. I",
            "select": {"kind": "icbm_launcher", "facility_type": "test_range"},
            "status": "non_deployed",
            **fields,
        }
    ]
    return data


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"select": {"facility_type": "test_range"}}, "names the kinds it defines"),
        ({"status": "stored"}, "status stored is not a status of a icbm_launcher"),
        ({"armament": "nuclear"}, "armament is defined for heavy bombers only"),
        ({"status": None}, "sets status, armament or both"),
        ({"exclude": {"container_status": "deployed"}}, "container_status belongs in select"),
        ({"source": ""}, "source"),
        ({"id": "c1"}, "duplicate clause or definition id 'c1'"),
    ],
)
def test_a_definition_that_cannot_mean_anything_is_an_error(
    fields: dict[str, Any], message: str
) -> None:
    data = definition(**fields)
    if fields.get("status", "x") is None:
        del data["definitions"][0]["status"]
    assert message in error_of(data)


def test_every_built_in_definition_cites_its_source() -> None:
    for name in rule_set_names():
        for d in load_rule_set(name).definitions:
            assert d.source.strip() and d.text.strip(), d.id


def test_overlapping_clauses_are_reported_by_their_ids() -> None:
    data = minimal()
    data["categories"][0]["clauses"].append(
        {
            "id": "c2",
            "text": "count ICBMs at bases",
            "method": "count",
            "select": {"kind": ["icbm", "slbm"], "facility_type": "icbm_base"},
        }
    )
    [overlap] = overlapping_clauses(RuleSet.from_mapping(data))
    assert (overlap.category, overlap.first, overlap.second, overlap.kind) == (
        "c",
        "c1",
        "c2",
        "icbm",
    )
    # an exclude that takes the shared items out removes the overlap
    data["categories"][0]["clauses"][1]["exclude"] = {"status": "deployed"}
    assert overlapping_clauses(RuleSet.from_mapping(data)) == []


def test_selectors_on_fields_a_kind_never_has_do_not_overlap() -> None:
    data = minimal()
    data["categories"][0]["clauses"].append(
        {
            "id": "c2",
            "text": "ALCM bombers",
            "method": "count",
            "select": {"armament": "lrna"},  # any kind, but only bombers have an armament
        }
    )
    assert overlapping_clauses(RuleSet.from_mapping(data)) == []


def test_no_built_in_rule_set_has_overlapping_clauses() -> None:
    for name in rule_set_names():
        assert rule_set_warnings(load_rule_set(name)) == [], name

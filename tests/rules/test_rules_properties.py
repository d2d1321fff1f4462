"""Properties over random inventories (hypothesis): the vectorised engine agrees with the
naive reference evaluator, counts are never negative, splitting or merging rows changes no
total, and explain adds up to count for every category."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rules_support import all_rule_sets as built_in_rule_sets
from rules_support import catalog

from treatyledger.model import (
    STATUSES_BY_KIND,
    Armament,
    Basing,
    FacilityType,
    Inventory,
    ItemKind,
    Role,
    inventory_of,
    make_item,
)
from treatyledger.model.parties import Facility
from treatyledger.rules import RuleSet, count, explain
from treatyledger.rules.reference import reference_count, rows_of

PARTIES = ("US", "RU", "UA")
FACILITIES = tuple(Facility(id=f"f-{t.value}", party="US", type=t) for t in FacilityType)


@cache
def small_tier_start1() -> RuleSet:
    """START I with tiers of 3 and 5 units, so that random inventories cross the boundary."""
    text = resources.files("treatyledger").joinpath("data/rules/start1.toml").read_text()
    data = tomllib.loads(text)
    data["treaty"]["id"] = "start1-small-tiers"
    for category in data["categories"]:
        for clause in category["clauses"]:
            if clause["method"] == "tiered":
                clause["tiers"] = {"US": {"first": 3, "each": 10, "cap": 20}}
                clause["default_tier"] = {"first": 5, "each": 8, "cap": 16}
    return RuleSet.from_mapping(data)


def any_party(rule_set: RuleSet) -> RuleSet:
    """The rule set without its list of treaty parties: these properties are about counting,
    and random rows come from any party (the party check has tests of its own)."""
    return rule_set.model_copy(
        update={"treaty": rule_set.treaty.model_copy(update={"parties": ()})}
    )


def all_rule_sets() -> list[RuleSet]:
    return [any_party(rs) for rs in (*built_in_rule_sets(), small_tier_start1())]


def _types(kind: ItemKind) -> list[str]:
    """Types every built-in rule set can count: START I needs an MOU attribution for missiles
    and an ALCM capacity for bombers beyond the tier."""
    if kind is ItemKind.HEAVY_BOMBER:
        return sorted(t.id for t in catalog() if t.kind == kind and t.lrna_capacity)
    missile = (
        ItemKind.SLBM
        if kind in (ItemKind.SLBM, ItemKind.SLBM_LAUNCHER, ItemKind.SUBMARINE)
        else ItemKind.ICBM
    )
    return sorted(
        t.id for t in catalog() if t.kind == missile and t.start1_attributed_warheads is not None
    )


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(list(ItemKind)))
    fields: dict[str, Any] = {
        "party": draw(st.sampled_from(PARTIES)),
        "kind": kind,
        "status": draw(st.sampled_from(sorted(STATUSES_BY_KIND[kind]))),
        "quantity": draw(st.integers(0, 40)),
        "facility": draw(st.none() | st.sampled_from([f.id for f in FACILITIES])),
    }
    if kind is ItemKind.WARHEAD:
        fields["contained_in"] = draw(st.none() | st.just("carrier-1"))
    else:
        system_type = draw(st.sampled_from(_types(kind)))
        capacity = catalog().resolve(system_type).max_warheads
        fields["system_type"] = system_type
        fields["warheads"] = draw(st.none() | st.integers(0, capacity))
        fields["basing"] = draw(st.none() | st.sampled_from(list(Basing)))
        fields["role"] = draw(st.none() | st.sampled_from(list(Role)))
    if kind is ItemKind.HEAVY_BOMBER:
        fields["armament"] = draw(st.none() | st.sampled_from(list(Armament)))
        fields["lrna_capacity"] = draw(st.none() | st.integers(0, capacity))
    return fields


#: The carrier warhead rows may sit in (a contained_in must name an item of the inventory,
#: of the row's own party: a UID names an item within its party's namespace), one per party.
CARRIER = {"kind": "icbm", "status": "non_deployed", "system_type": "MM III"}


def build(fields_list: list[dict[str, Any]]) -> Inventory:
    carriers = [make_item({**CARRIER, "party": p, "uid": "carrier-1"}) for p in PARTIES]
    items = [*carriers, *(make_item(f) for f in fields_list)]
    return inventory_of(items, FACILITIES)


inventories = st.lists(rows(), max_size=25)


def totals(inv: Inventory) -> list[dict[str, dict[str, int]]]:
    return [
        {
            party: {c: v.total for c, v in pc.categories.items()}
            for party, pc in count(inv, rs, catalog()).parties.items()
        }
        for rs in all_rule_sets()
    ]


@settings(max_examples=60, deadline=None)
@given(inventories)
def test_engine_agrees_with_the_naive_reference(fields_list: list[dict[str, Any]]) -> None:
    inv = build(fields_list)
    for rule_set in all_rule_sets():
        assert count(inv, rule_set, catalog()) == reference_count(rows_of(inv, catalog()), rule_set)


@settings(max_examples=40, deadline=None)
@given(inventories)
def test_counts_are_never_negative(fields_list: list[dict[str, Any]]) -> None:
    for by_party in totals(build(fields_list)):
        assert all(total >= 0 for categories in by_party.values() for total in categories.values())


@settings(max_examples=40, deadline=None)
@given(inventories, st.data())
def test_splitting_a_row_changes_no_total(
    fields_list: list[dict[str, Any]], data: st.DataObject
) -> None:
    if not fields_list:
        return
    index = data.draw(st.integers(0, len(fields_list) - 1))
    row = fields_list[index]
    first = data.draw(st.integers(0, row["quantity"]))
    # the two halves stay adjacent, so tiered clauses see the items in the same order
    split = [
        *fields_list[:index],
        {**row, "quantity": first},
        {**row, "quantity": row["quantity"] - first},
        *fields_list[index + 1 :],
    ]
    assert totals(build(split)) == totals(build(fields_list))


@settings(max_examples=40, deadline=None)
@given(inventories)
def test_merging_identical_adjacent_rows_changes_no_total(
    fields_list: list[dict[str, Any]],
) -> None:
    doubled = [part for row in fields_list for part in (row, row)]
    merged = [{**row, "quantity": 2 * row["quantity"]} for row in fields_list]
    assert totals(build(doubled)) == totals(build(merged))


@settings(max_examples=40, deadline=None)
@given(inventories)
def test_explain_adds_up_to_count_for_every_category(fields_list: list[dict[str, Any]]) -> None:
    inv = build(fields_list)
    for rule_set in all_rule_sets():
        result = count(inv, rule_set, catalog())
        for category in rule_set.categories:
            explained: dict[str, int] = dict.fromkeys(result.parties, 0)
            for contribution in explain(inv, rule_set, catalog(), category.id).contributions:
                explained[contribution.party] += contribution.amount
            counted = {p: pc.categories[category.id].total for p, pc in result.parties.items()}
            assert explained == counted

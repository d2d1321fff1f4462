"""Engine behaviour beyond single treaty clauses: explain, errors, columnar tables."""

from __future__ import annotations

import numpy as np
import pytest
from rules_support import catalog, inventory, item, rule_set

from treatyledger.errors import TreatyLedgerError
from treatyledger.files import read_bundled_inventory
from treatyledger.rules import CountingError, InventoryTable, count, explain
from treatyledger.rules.table import ARMAMENTS, KINDS, NO_BASING, NO_FACILITY_TYPE, STATUSES


def test_explain_names_each_row_clause_and_amount() -> None:
    inv = inventory(
        item("US", "icbm", "deployed", "MM III", quantity=397, warheads=1),
        item("US", "heavy_bomber", "deployed", "B-2A", quantity=12, armament="nuclear"),
    )
    contributions = explain(
        inv, rule_set("new-start"), catalog(), "deployed_warheads"
    ).contributions
    assert [(c.row_index, c.clause_id, c.amount) for c in contributions] == [
        (0, "ns.dw.icbm", 397),
        (1, "ns.dw.bomber", 12),
    ]
    assert contributions[0].item_label == "US 397 x MM III icbm deployed"
    assert "actual number of reentry vehicles" in contributions[0].clause_text


def test_explain_filters_by_party() -> None:
    inv = inventory(
        item("US", "icbm", "deployed", "MM III", quantity=1, warheads=1),
        item("RU", "icbm", "deployed", "Yars", quantity=1, warheads=4),
    )
    contributions = explain(
        inv, rule_set("new-start"), catalog(), "deployed_warheads", "RU"
    ).contributions
    assert [(c.party, c.amount) for c in contributions] == [("RU", 4)]


def test_explain_of_an_unknown_party_is_an_error() -> None:
    inv = inventory(item("US", "icbm", "deployed", "MM III", quantity=1, warheads=1))
    with pytest.raises(CountingError, match="no items of party 'XX'"):
        explain(inv, rule_set("new-start"), catalog(), "deployed_warheads", "XX")


def test_explain_of_an_unknown_category_is_an_error() -> None:
    inv = inventory(item("US", "icbm", "deployed", "MM III", quantity=1, warheads=1))
    with pytest.raises(TreatyLedgerError, match="unknown category 'warheads'"):
        explain(inv, rule_set("new-start"), catalog(), "warheads")


def test_explain_uses_uids_where_items_have_them() -> None:
    inv = inventory(
        item("US", "icbm_launcher", "deployed", "MM III", uid="LF-17"),
        item("US", "icbm", "deployed", "MM III", uid="MM3-17", warheads=3, contained_in="LF-17"),
    )
    explanation = explain(inv, rule_set("new-start"), catalog(), "deployed_warheads")
    [contribution] = explanation.contributions
    assert contribution.item_label == "MM3-17"


def test_type_without_mou_attribution_is_an_error_naming_row_and_type() -> None:
    inv = inventory(item("RU", "icbm_launcher", "deployed", "Yars", quantity=10))
    with pytest.raises(CountingError, match=r"Yars.*has no start1_attributed_warheads"):
        count(inv, rule_set("start1"), catalog())


def test_bomber_beyond_the_tier_without_alcm_capacity_is_an_error() -> None:
    inv = inventory(
        item("US", "heavy_bomber", "deployed", "B-2A", quantity=151, armament="lrna"),
    )
    with pytest.raises(CountingError, match="lrna_capacity"):
        count(inv, rule_set("start1"), catalog())


def test_every_party_appears_with_every_category_even_when_zero() -> None:
    inv = inventory(item("RU", "warhead", "stored", quantity=5))
    result = count(inv, rule_set("new-start"), catalog())
    assert {c: v.total for c, v in result.parties["RU"].categories.items()} == {
        "deployed_delivery_vehicles": 0,
        "deployed_warheads": 0,
        "deployed_and_nondeployed_launchers": 0,
    }


def test_count_result_json_has_the_issues_shape() -> None:
    inv = read_bundled_inventory("us-2020-09-01", catalog())
    document = count(inv, rule_set("new-start"), catalog()).to_json_dict()
    assert set(document) == {"rule_set", "as_of", "parties", "overridden", "warnings"}
    assert document["overridden"] == [] and document["warnings"] == []
    assert document["rule_set"] == "new-start"
    assert document["parties"]["US"]["categories"]["deployed_warheads"] == {
        "total": 1457,
        "limit": 1550,
        "within_limit": True,
    }


def test_table_built_from_arrays_counts_like_the_inventory() -> None:
    mm3 = catalog().resolve("MM III")
    n = 4
    table = InventoryTable(
        party_ids=("US",),
        system_types=(mm3,),
        party=np.zeros(n, np.int32),
        kind=np.full(n, KINDS.index("icbm"), np.int8),
        status=np.array([STATUSES.index("deployed")] * 3 + [STATUSES.index("eliminated")], np.int8),
        armament=np.full(n, len(ARMAMENTS), np.int8),
        basing=np.full(n, NO_BASING, np.int8),
        facility_type=np.full(n, NO_FACILITY_TYPE, np.int8),
        contained=np.zeros(n, np.bool_),
        type_index=np.zeros(n, np.int32),
        quantity=np.ones(n, np.int64),
        warheads=np.array([1, 2, 3, 3], np.int64),
        lrna_capacity=np.full(n, -1, np.int64),
    )
    result = count(table, rule_set("new-start"), catalog())
    assert result.parties["US"].categories["deployed_warheads"].total == 6


def test_table_rejects_columns_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="column kind has 1 rows, want 2"):
        InventoryTable(
            party_ids=("US",),
            system_types=(),
            party=np.zeros(2, np.int32),
            kind=np.zeros(1, np.int8),
            status=np.zeros(2, np.int8),
            armament=np.zeros(2, np.int8),
            basing=np.zeros(2, np.int8),
            facility_type=np.zeros(2, np.int8),
            contained=np.zeros(2, np.bool_),
            type_index=np.zeros(2, np.int32),
            quantity=np.zeros(2, np.int64),
            warheads=np.zeros(2, np.int64),
            lrna_capacity=np.zeros(2, np.int64),
        )

"""The observer view: aggregates, compliance and checkpoints; never an item-level field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factory import force_declaration
from node.harness import ServedNode, served_node
from treatyledger.model.items import Item
from treatyledger.node.auth import Role
from treatyledger.node.schemas import PublicSummary

#: Every field an item has, and the containers that would carry items or notifications.
ITEM_FIELDS = set(Item.model_fields) | {"items", "notifications", "payload", "entries", "leaf"}
ITEM_FIELDS -= {"party"}  # the party is public: the view is of one party's node


def keys_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()


def strings_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {s for v in value.values() for s in strings_in(v)}
    if isinstance(value, list):
        return {s for v in value for s in strings_in(v)}
    return {value} if isinstance(value, str) else set()


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedNode]:
    with served_node(tmp_path_factory.mktemp("observer") / "us") as node:
        node.seed(6)
        yield node


def test_summary_gives_aggregates_compliance_and_the_checkpoint(observed: ServedNode) -> None:
    response = observed.client(Role.OBSERVER).get("/v1/public/summary?as_of=2012-01-01")
    assert response.status_code == 200
    body = response.json()
    assert body["aggregates"][0] == {
        "data_date": "2011-02-05",
        "totals": {
            "deployed_delivery_vehicles": 1,
            "deployed_warheads": 1,
            "deployed_and_nondeployed_launchers": 1,
        },
        "data": {"provided": True, "stale_since": None, "reason": ""},
    }
    assert [a["data_date"] for a in body["aggregates"]] == [
        "2011-02-05",
        "2011-03-01",
        "2011-09-01",
    ]
    limits = {c["category"]: c for c in body["compliance"]}
    assert limits["deployed_warheads"]["limit"] == 1550
    assert limits["deployed_warheads"]["within_limit"] is None  # binds from 2018-02-05
    later = observed.client(Role.OBSERVER).get("/v1/public/summary?as_of=2019-01-01").json()
    assert {c["category"]: c["within_limit"] for c in later["compliance"]} == {
        "deployed_and_nondeployed_launchers": True,
        "deployed_delivery_vehicles": True,
        "deployed_warheads": True,
    }


def test_observer_responses_hold_no_item_level_field_or_uid(observed: ServedNode) -> None:
    owner = observed.client(Role.OWNER)
    uids = {item["uid"] for item in owner.get("/v1/inventory?as_of=2012-01-01").json()["items"]}
    assert uids  # the node does hold item-level data
    observer = observed.client(Role.OBSERVER)
    observer.get("/v1/log/checkpoint")  # make sure a checkpoint exists
    for path in ("/v1/public/summary", "/v1/public/summary?as_of=2011-02-05", "/v1/log/checkpoint"):
        body = observer.get(path).json()
        assert not keys_in(body) & ITEM_FIELDS, path
        assert not {s for s in strings_in(body) if any(uid in s for uid in uids)}, path


def test_observer_schemas_declare_no_item_level_property(observed: ServedNode) -> None:
    spec = httpx.get(observed.url + "/v1/openapi.json", timeout=60).json()
    schemas = spec["components"]["schemas"]

    def properties(name: str, seen: set[str]) -> set[str]:
        if name in seen:
            return set()
        seen.add(name)
        found: set[str] = set()
        for prop, definition in schemas[name].get("properties", {}).items():
            found.add(prop)
            text = str(definition)
            for other in schemas:
                if f"#/components/schemas/{other}'" in text:
                    found |= properties(other, seen)
        return found

    assert not properties(PublicSummary.__name__, set()) & ITEM_FIELDS


@settings(max_examples=10, deadline=None)
@given(as_of=st.dates(min_value=date(2010, 1, 1)))
def test_summary_on_any_date_holds_no_item_level_field(observed: ServedNode, as_of: Any) -> None:
    body = observed.client(Role.OBSERVER).get(f"/v1/public/summary?as_of={as_of}").json()
    assert not keys_in(body) & ITEM_FIELDS


def test_summary_follows_the_log_as_it_grows(tmp_path: Path) -> None:
    with served_node(tmp_path / "us") as node:
        node.seed(2)
        observer = node.client(Role.OBSERVER)
        before = observer.get("/v1/public/summary?as_of=2012-01-01").json()
        response = node.submit([force_declaration("US", sequence=3, number=2)])
        assert response.status_code == 200
        after = observer.get("/v1/public/summary?as_of=2012-01-01").json()
    assert before["aggregates"][0]["totals"]["deployed_warheads"] == 1
    assert after["aggregates"][0]["totals"]["deployed_warheads"] == 2
    assert after["checkpoint"]["size"] >= before["checkpoint"]["size"]

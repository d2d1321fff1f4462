"""Inspections over real HTTP: an inspector submits a finding, the node answers with the
compliance issues reconciliation found (citing the notifications), the other party reads
them, observers never see them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from sqlalchemy import select

from factory import force_declaration
from node.harness import ServedNode, served_node
from node.test_openapi_fuzz import CHECKS, EXAMPLES
from treatyledger.node.auth import Role
from treatyledger.store.node_tables import Principal

ISSUE_ENDPOINTS = ("/v1/inspections", "/v1/compliance-issues")


def _load(sequence: int, missile: str, warheads: int) -> dict[str, Any]:
    return {
        "party": "US",
        "sequence": sequence,
        "kind": "load",
        "effective_time": "2011-02-10T00:00:00Z",
        "issued_time": "2011-02-10T01:00:00Z",
        "payload": {"container": missile, "warheads": warheads},
    }


def type_one(**fields: Any) -> dict[str, Any]:
    """A Type One finding at US-BASE after both missiles were declared and loaded."""
    return {
        "id": "INSP-2011-1",
        "inspection_type": "type-one",
        "inspected_party": "US",
        "site": "US-BASE",
        "time": "2011-04-20T09:00:00Z",  # inspections begin 2011-04-06 (Part Five, I.2)
        "items_examined": ["US-MS-1"],
        "rvs_observed": {"US-MS-1": 4},
        **fields,
    }


@pytest.fixture
def declared(tmp_path: Path) -> Iterator[ServedNode]:
    """US declares two loaded Minuteman III at US-BASE (US#1, US#2: one RV each), then loads
    one more RV on US-MS-1 (US#3): US-MS-1 is declared with 2."""
    with served_node(tmp_path / "us") as node:
        records = [
            force_declaration("US", 1, 1),
            force_declaration("US", 2, 2),
            _load(3, "US-MS-1", 1),
        ]
        response = node.submit(records)
        assert response.json()["accepted"] == 3, response.text
        yield node


def test_inspector_finding_with_more_rvs_than_declared_is_a_cited_issue_the_peer_reads(
    declared: ServedNode,
) -> None:
    response = declared.client(Role.INSPECTOR).post("/v1/inspections", json=type_one())
    assert response.status_code == 201, response.text
    [issue] = response.json()["issues"]
    assert issue["kind"] == "reentry_vehicle_mismatch"
    assert issue["item"] == "US-MS-1"
    assert (issue["expected"], issue["found"]) == ("2 reentry vehicles", "4 reentry vehicles")
    assert issue["evidence"]["notifications"] == ["US#1", "US#3"]
    assert issue["evidence"]["inspection"] == "INSP-2011-1"
    assert (issue["party"], issue["raised_by"]) == ("US", "RU")  # RU's inspectors found it
    assert [e["action"] for e in issue["events"]] == ["raise"]
    assert "Part Five, Section VI" in issue["rule"]

    read = declared.client(Role.PEER).get("/v1/compliance-issues")
    assert read.status_code == 200
    assert read.json() == [issue]


@pytest.mark.parametrize(
    ("inspection_type", "time", "accepted"),
    [
        ("type-one", "2011-03-01T09:00:00Z", False),
        ("type-one", "2011-04-05T23:59:59Z", False),
        ("type-one", "2011-04-06T00:00:00Z", True),
        ("exhibition.new_type", "2011-04-05T23:59:59Z", False),
    ],
    ids=["weeks before", "a second before the 60 days expire", "as they expire", "exhibition"],
)
def test_a_finding_dated_before_inspections_may_begin_is_a_422_problem_and_stores_nothing(
    declared: ServedNode, inspection_type: str, time: str, accepted: bool
) -> None:
    """New START Protocol Part Five, Section I.2: inspection activities (exhibitions too)
    begin upon expiration of 60 days after entry into force (2011-02-05): 2011-04-06 00:00
    GMT. A finding recorded without an inspection run is held to it as a run's notice is."""
    body = type_one(inspection_type=inspection_type, time=time)
    response = declared.client(Role.INSPECTOR).post("/v1/inspections", json=body)
    stored = declared.client(Role.PEER).get("/v1/inspections").json()
    if accepted:
        assert response.status_code == 201, response.text
        assert [s["record"]["id"] for s in stored] == ["INSP-2011-1"]
        return
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/inspection-procedure")
    assert "before inspections may begin, 2011-04-06T00:00:00+00:00" in problem["detail"]
    assert "Part Five, Section I, paragraph 2" in problem["detail"]
    assert stored == []
    assert declared.client(Role.PEER).get("/v1/compliance-issues").json() == []


def test_observer_is_refused_every_item_level_inspection_endpoint(declared: ServedNode) -> None:
    observer = declared.client(Role.OBSERVER)
    assert declared.client(Role.INSPECTOR).post("/v1/inspections", json=type_one()).is_success
    for path in ISSUE_ENDPOINTS:
        response = observer.get(path)
        assert response.status_code == 403, path
        assert "US-MS-1" not in response.text
    assert observer.post("/v1/inspections", json=type_one(id="X")).status_code == 403


def test_the_stored_record_names_who_submitted_it(declared: ServedNode) -> None:
    declared.client(Role.INSPECTOR).post("/v1/inspections", json=type_one())
    [stored] = declared.client(Role.OWNER).get("/v1/inspections").json()
    with declared.workspace.engine.connect() as conn:
        inspector = conn.execute(
            select(Principal.name).where(Principal.role == Role.INSPECTOR.value)
        ).scalar_one()
    assert stored["submitted_by"] == inspector
    assert stored["record"]["rvs_observed"] == {"US-MS-1": 4}
    assert stored["issues"] == 1


def test_a_record_id_submitted_twice_is_a_409_problem(declared: ServedNode) -> None:
    inspector = declared.client(Role.INSPECTOR)
    assert inspector.post("/v1/inspections", json=type_one()).status_code == 201
    again = inspector.post("/v1/inspections", json=type_one(rvs_observed={"US-MS-2": 3}))
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert len(declared.client(Role.PEER).get("/v1/compliance-issues").json()) == 1


def test_a_finding_about_the_other_party_is_a_422_problem(declared: ServedNode) -> None:
    response = declared.client(Role.INSPECTOR).post(
        "/v1/inspections", json=type_one(inspected_party="RU")
    )
    assert response.status_code == 422
    assert "expected inspected party US" in response.json()["detail"]
    assert declared.client(Role.PEER).get("/v1/inspections").json() == []


def test_a_record_outside_the_schema_is_a_422_problem_and_stores_nothing(
    declared: ServedNode,
) -> None:
    inspector = declared.client(Role.INSPECTOR)
    for body in (
        type_one(extra="field"),
        type_one(time="2011-04-20T09:00:00"),  # no time zone
        type_one(rvs_observed={"US-MS-1": 10_000}),
    ):
        response = inspector.post("/v1/inspections", json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
    assert declared.client(Role.PEER).get("/v1/inspections").json() == []


def test_an_oversized_record_is_a_413_problem(declared: ServedNode) -> None:
    huge = type_one(remarks="x" * ((1 << 20) + 1))  # the harness node admits 1 MiB bodies
    response = declared.client(Role.INSPECTOR).post("/v1/inspections", json=huge)
    assert response.status_code == 413
    assert declared.client(Role.PEER).get("/v1/inspections").json() == []


def test_issues_can_be_read_per_record(declared: ServedNode) -> None:
    inspector = declared.client(Role.INSPECTOR)
    inspector.post("/v1/inspections", json=type_one())
    inspector.post("/v1/inspections", json=type_one(id="INSP-2011-2", rvs_observed={"US-MS-2": 1}))
    peer = declared.client(Role.PEER)
    assert peer.get("/v1/compliance-issues", params={"record": "INSP-2011-2"}).json() == []
    assert len(peer.get("/v1/compliance-issues", params={"record": "INSP-2011-1"}).json()) == 1


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_inspection_submission_answers_within_its_contract_for_an_inspector(
    declared: ServedNode, mode: GenerationMode
) -> None:
    """The shared schemathesis test calls with the owner's token (refused here); this one
    drives the submission with the inspector's."""
    schema = schemathesis.openapi.from_url(declared.url + "/v1/openapi.json", timeout=120)
    operation = schema["/v1/inspections"]["POST"]
    headers = {"Authorization": f"Bearer {declared.tokens[Role.INSPECTOR]}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


def test_observer_summary_counts_open_issues_per_kind_without_items(
    declared: ServedNode,
) -> None:
    observer = declared.client(Role.OBSERVER)
    assert observer.get("/v1/public/summary").json()["open_issues"] == {}
    declared.client(Role.INSPECTOR).post("/v1/inspections", json=type_one())
    summary = observer.get("/v1/public/summary")
    assert summary.json()["open_issues"] == {"reentry_vehicle_mismatch": 1}
    assert "US-MS-1" not in summary.text
    assert "INSP-2011-1" not in summary.text

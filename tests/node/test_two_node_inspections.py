"""Two party nodes over real HTTP run inspections as the Protocol runs them and the
Commission's workflow on what they find:

- a Type One inspection designated by RU's inspectors on the US node (the site, then the
  items): more reentry vehicles than declared on the designated missile, and a silo moved
  while the pre-inspection restrictions held (Annex on Inspection Activities, Part Six,
  Section I, paragraph 1), each a compliance issue raised by RU;
- a Type Two inspection whose site and items are drawn from a commit-then-reveal round both
  parties published in their own logs (the rule set requires the jointly random draw for Type
  Two here): an item count that differs from the declaration, an issue raised by RU.

The issues are visible on both nodes (``issue sync``): US answers on its node, RU resolves on
its own, and both nodes end with the same events and statuses.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from factory import inspection_site_force, notification_data
from node.harness import ServedNode, served_node
from treatyledger.files.builtin import load_catalog, load_rule_set
from treatyledger.inspect.findings import declared_state
from treatyledger.inspect.randomness import commitment_of, derive_seed
from treatyledger.inspect.selection import select_inspection
from treatyledger.ledger.policy import policy_from_rule_set
from treatyledger.node.auth import Role
from treatyledger.node.issue_sync import sync_issues
from treatyledger.node.peer import sync_peer
from treatyledger.node.peer_client import PeerClient
from treatyledger.store.workspace import Workspace

ROUND = "R-2011-T2-1"
VALUES = {"US": bytes([1]) * 32, "RU": bytes([2]) * 32}
SALTS = {"US": bytes([3]) * 32, "RU": bytes([4]) * 32}


def joint_random_type_two(tmp_path: Path) -> Path:
    """New START's rule set with Type Two requiring the jointly random draw."""
    text = files("treatyledger").joinpath("data/rules/new-start.toml").read_text()
    marker = "formerly_declared = true\n"
    assert marker in text
    path = tmp_path / "new-start-joint-type-two.toml"
    path.write_text(text.replace(marker, marker + 'selection = "joint_random"\n'))
    return path


@dataclass
class Nodes:
    us: ServedNode
    ru: ServedNode


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[Nodes]:
    rules = str(joint_random_type_two(tmp_path))
    with (
        Workspace.init(tmp_path / "us", "US", rules=rules) as us_ws,
        Workspace.init(tmp_path / "ru", "RU", rules=rules) as ru_ws,
    ):
        us_ws.register_party_key("RU", ru_ws.public_key)
        ru_ws.register_party_key("US", us_ws.public_key)
        us_key, ru_key = us_ws.signing_key, ru_ws.signing_key
    with (
        served_node(tmp_path / "us", "US", peer_key=ru_key) as us,
        served_node(tmp_path / "ru", "RU", peer_key=us_key) as ru,
    ):
        assert us.submit([inspection_site_force("US")]).json()["accepted"] == 1
        yield Nodes(us, ru)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def notify(node: ServedNode, sequence: int, kind: str, payload: dict[str, Any], when: str) -> None:
    record = notification_data(node.workspace.party, sequence, kind, payload)
    record["effective_time"] = record["issued_time"] = when
    assert ok(node.submit([record]))["accepted"] == 1


def pull(into: ServedNode, source: ServedNode) -> int:
    """``into`` takes ``source``'s issues with its peer token there (``issue sync``)."""
    with PeerClient(source.url, source.tokens[Role.PEER]) as client:
        return sync_issues(into.workspace.engine, into.workspace.party, client).added


def issues(node: ServedNode) -> dict[str, Any]:
    return {i["id"]: i for i in ok(node.client(Role.OWNER).get("/v1/compliance-issues"))}


def test_a_designated_inspection_site_then_items_and_its_issues_on_both_nodes(
    nodes: Nodes,
) -> None:
    us, ru = nodes.us, nodes.ru
    inspector = us.client(Role.INSPECTOR)  # RU's inspectors on the US node
    notice = {
        "id": "RU-T1-2011-1",
        "inspection_type": "type-one",
        "inspecting_party": "RU",
        "inspected_party": "US",
        "point_of_entry": "US-POE",
        "arrival": "2011-04-06T08:00:00Z",
        "notified_at": "2011-04-04T08:00:00Z",
    }
    run = ok(inspector.post("/v1/inspection-runs", json=notice), 201)
    assert (run["selection"], run["phase"], run["treaty_year"]) == ("designation", "notified", 1)
    site = {"site": "US-ICBM-BASE", "designated_at": "2011-04-06T10:00:00Z"}
    run = ok(inspector.post("/v1/inspection-runs/RU-T1-2011-1/site", json=site))
    assert run["restrictions_from"] == "2011-04-06T11:00:00Z"  # one hour: Annex Part Six I.1
    # US moves an empty silo's record away while the restrictions hold
    notify(us, 2, "move", {"uid": "US-SILO-3", "to_facility": "US-STORE"}, "2011-04-06T11:30:00Z")
    items = {
        "items": ["US-SILO-1"],
        "reentry_vehicle_missiles": ["US-MM-1"],
        "designated_at": "2011-04-06T13:00:00Z",
    }
    run = ok(inspector.post("/v1/inspection-runs/RU-T1-2011-1/items", json=items))
    assert run["phase"] == "items_designated"
    findings = {
        "id": "RU-T1-2011-1",
        "inspection_type": "type-one",
        "inspected_party": "US",
        "site": "US-ICBM-BASE",
        "time": "2011-04-06T15:00:00Z",
        "items_examined": ["US-SILO-1"],
        "rvs_observed": {"US-MM-1": 2},
    }
    done = ok(inspector.post("/v1/inspection-runs/RU-T1-2011-1/findings", json=findings), 201)
    assert done["inspection"]["phase"] == "completed"
    found = {i["kind"]: i for i in done["issues"]}
    assert set(found) == {"reentry_vehicle_mismatch", "movement_during_restrictions"}
    rv, moved = found["reentry_vehicle_mismatch"], found["movement_during_restrictions"]
    assert (rv["item"], rv["expected"], rv["found"]) == (
        "US-MM-1",
        "1 reentry vehicles",
        "2 reentry vehicles",
    )
    assert (moved["item"], moved["evidence"]["notifications"]) == ("US-SILO-3", ["US#2"])
    for issue in done["issues"]:
        assert (issue["party"], issue["raised_by"]) == ("US", "RU")
        assert issue["evidence"]["inspection"] == "RU-T1-2011-1"
    assert "Part Six, Section I, paragraph 1" in moved["rule"]

    # the Commission: US answers on its node; RU takes the issues, resolves on its node
    ok(
        us.client(Role.OWNER).post(
            f"/v1/compliance-issues/{moved['id']}/answer", json={"text": "maintenance"}
        )
    )
    assert pull(ru, us) == 5  # two issues, two raise events, one answer
    on_ru = issues(ru)
    assert on_ru[moved["id"]]["status"] == "answered"
    assert on_ru[rv["id"]]["status"] == "open"
    ok(ru.client(Role.OWNER).post(f"/v1/compliance-issues/{moved['id']}/resolve", json={}))
    assert pull(us, ru) == 1
    assert issues(us) == issues(ru)
    assert issues(us)[moved["id"]]["status"] == "resolved"
    assert [(e["action"], e["party"]) for e in issues(us)[moved["id"]]["events"]] == [
        ("raise", "RU"),
        ("answer", "US"),
        ("resolve", "RU"),
    ]
    # observers see counts only
    counts = ok(us.client(Role.OBSERVER).get("/v1/compliance-issues/counts"))
    assert counts == {"counts": {"US": {"open": 1, "resolved": 1}}}
    assert us.client(Role.OBSERVER).get("/v1/compliance-issues").status_code == 403


def test_a_jointly_random_inspection_and_its_issue_on_both_nodes(nodes: Nodes) -> None:
    us, ru = nodes.us, nodes.ru
    for node, sequence in ((us, 2), (ru, 1)):
        party = node.workspace.party
        commitment = commitment_of(VALUES[party], SALTS[party])
        notify(node, sequence, "randomness_commit", {"round_id": ROUND, "commitment": commitment},
               "2011-04-20T00:00:00Z")  # fmt: skip
    sync_peer(us.workspace, ru.url, ru.tokens[Role.PEER])  # RU's commitment reaches US
    for node, sequence in ((us, 3), (ru, 2)):
        party = node.workspace.party
        reveal = {"round_id": ROUND, "value": VALUES[party].hex(), "salt": SALTS[party].hex()}
        notify(node, sequence, "randomness_reveal", reveal, "2011-04-21T00:00:00Z")
    sync_peer(us.workspace, ru.url, ru.tokens[Role.PEER])

    inspector = us.client(Role.INSPECTOR)
    notice = {
        "id": "RU-T2-2011-1",
        "inspection_type": "type-two",
        "inspecting_party": "RU",
        "inspected_party": "US",
        "arrival": "2011-05-01T08:00:00Z",
        "notified_at": "2011-04-29T08:00:00Z",
        "round_id": ROUND,
    }
    run = ok(inspector.post("/v1/inspection-runs", json=notice), 201)
    assert run["selection"] == "joint_random"
    refused = inspector.post(
        "/v1/inspection-runs/RU-T2-2011-1/site",
        json={"site": "US-STORE", "designated_at": "2011-05-01T10:00:00Z"},
    )
    assert refused.status_code == 422 and "requires the jointly random draw" in refused.text
    drawn = ok(
        inspector.post(
            "/v1/inspection-runs/RU-T2-2011-1/site", json={"designated_at": "2011-05-01T10:00:00Z"}
        )
    )
    # the draw is the one anyone recomputes from the two reveals and the declared state
    seed = derive_seed(ROUND, VALUES)
    rules = load_rule_set(us.workspace.rules)
    assert rules.inspections is not None
    type_two = rules.inspections.type("type-two")
    assert type_two is not None
    policy = policy_from_rule_set(rules, load_catalog(), require_signatures=False)
    when = datetime(2011, 5, 1, 10, tzinfo=UTC)
    declared = declared_state([inspection_site_force("US")], policy, "US", when).inventory
    expected = select_inspection(seed, declared, type_two, "US", 1_000)
    assert (drawn["seed"], drawn["site"], tuple(drawn["items"])) == (
        seed.hex(),
        expected.site,
        expected.items,
    )
    assert (drawn["site"], drawn["items"], drawn["phase"]) == (
        "US-STORE",
        ["US-MM-9"],
        "items_designated",
    )
    findings = {
        "id": "RU-T2-2011-1",
        "inspection_type": "type-two",
        "inspected_party": "US",
        "site": "US-STORE",
        "time": "2011-05-01T14:00:00Z",
        "items_examined": ["US-MM-9"],
        "items_counted": {"icbm": 2},
    }
    done = ok(inspector.post("/v1/inspection-runs/RU-T2-2011-1/findings", json=findings), 201)
    [issue] = done["issues"]
    assert (issue["kind"], issue["expected"], issue["found"], issue["raised_by"]) == (
        "count_mismatch",
        "1 icbm",
        "2 icbm",
        "RU",
    )
    assert pull(ru, us) == 2
    assert issues(ru)[issue["id"]] == issues(us)[issue["id"]]


def _arrival(run_id: str, arrival: str) -> dict[str, Any]:
    when = datetime.fromisoformat(arrival.replace("Z", "+00:00"))
    return {
        "id": run_id,
        "inspection_type": "type-one",
        "inspecting_party": "RU",
        "inspected_party": "US",
        "arrival": arrival,
        "notified_at": (when - timedelta(days=2)).isoformat(),
    }


def test_an_inspection_too_early_or_while_another_is_open_is_refused_over_http(
    nodes: Nodes,
) -> None:
    """New START Protocol Part Five, Section I.2 (upon expiration of 60 days after entry into
    force: from 00:00 GMT of 2011-04-06) and I.4 (one inspection at a time)."""
    inspector = nodes.us.client(Role.INSPECTOR)
    early = inspector.post("/v1/inspection-runs", json=_arrival("RU-A", "2011-04-05T23:59:59Z"))
    assert early.status_code == 422, early.text
    assert "Section I, paragraph 2" in early.json()["detail"]
    ok(inspector.post("/v1/inspection-runs", json=_arrival("RU-A", "2011-04-06T00:00:00Z")), 201)
    second = inspector.post("/v1/inspection-runs", json=_arrival("RU-B", "2011-04-08T00:00:00Z"))
    assert second.status_code == 422, second.text
    assert "Section I, paragraph 4" in second.json()["detail"] and "RU-A" in second.text
    site = {"site": "US-ICBM-BASE", "designated_at": "2011-04-06T01:00:00Z"}
    ok(inspector.post("/v1/inspection-runs/RU-A/site", json=site))
    items = {"items": ["US-SILO-1"], "designated_at": "2011-04-06T02:00:00Z"}
    ok(inspector.post("/v1/inspection-runs/RU-A/items", json=items))
    findings = {
        "id": "RU-A",
        "inspection_type": "type-one",
        "inspected_party": "US",
        "site": "US-ICBM-BASE",
        "time": "2011-04-06T03:00:00Z",
        "items_examined": ["US-SILO-1"],
    }
    ok(inspector.post("/v1/inspection-runs/RU-A/findings", json=findings), 201)
    after = ok(
        inspector.post("/v1/inspection-runs", json=_arrival("RU-B", "2011-04-06T03:00:00Z")), 201
    )
    assert after["phase"] == "notified"
    runs = ok(inspector.get("/v1/inspection-runs"))
    assert [(r["notice"]["id"], r["phase"]) for r in runs] == [
        ("RU-A", "completed"),
        ("RU-B", "notified"),
    ]

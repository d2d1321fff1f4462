"""Two party nodes with a treaty history, for the dashboard tests: the US node serves the
dashboard over real HTTP on loopback; its US stream (synthetic, sized from the official New
START aggregates) was submitted over HTTP, the RU node's stream was verified and mirrored by
the US node's peer sync, and an inspector recorded a finding that raises a compliance issue.
One principal per role on the US node (tokens in ``tokens``)."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from treatyledger.exercise import official_points
from treatyledger.files import load_catalog
from treatyledger.ledger import sign
from treatyledger.ledger.synthetic import synthetic_stream
from treatyledger.model.notifications import Notification
from treatyledger.node.app import create_app
from treatyledger.node.auth import Role, add_principal
from treatyledger.node.context import NodeContext
from treatyledger.node.keys import cosigner_vkey
from treatyledger.node.peer import sync_peer
from treatyledger.node.server import RunningNode, serve_in_thread
from treatyledger.node.submission import submission_body
from treatyledger.report.dashboard import create_node_app
from treatyledger.store.workspace import Workspace

UNTIL = date(2012, 9, 1)
BODY = 8 << 20


@dataclass
class Scenario:
    url: str
    workspace: Workspace
    tokens: dict[Role, str]
    records: dict[str, list[dict[str, Any]]]  # party -> the stream submitted
    as_of: date

    def uids(self, party: str = "US") -> set[str]:
        """Every item UID the party's notifications name (the item-level oracle)."""
        found: set[str] = set()
        for record in self.records[party]:
            for item in record["payload"].get("items", ()):
                if isinstance(item, dict) and item.get("uid"):
                    found.add(item["uid"])
                elif isinstance(item, str):
                    found.add(item)
            for key in ("uid", "container"):
                value = record["payload"].get(key)
                if isinstance(value, str):
                    found.add(value)
        return found

    def facilities(self, party: str = "US") -> set[str]:
        found: set[str] = set()
        for record in self.records[party]:
            for item in record["payload"].get("items", ()):
                if isinstance(item, dict) and item.get("facility"):
                    found.add(item["facility"])
        return found


def _stream(party: str, key: Any) -> list[dict[str, Any]]:
    records = synthetic_stream(
        party, official_points(party, UNTIL), load_catalog(), random.Random(17)
    )
    return [sign(Notification.model_validate(r), key).to_json_dict() for r in records]


def _submit(url: str, token: str, records: list[dict[str, Any]]) -> None:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
        for start in range(0, len(records), 250):
            response = c.post(
                "/v1/notifications",
                content=submission_body(records[start : start + 250]),
                headers={"Content-Type": "application/json"},
            )
            assert response.status_code == 200, response.text
            assert response.json()["rejected"] == 0


def _inspection(url: str, token: str, records: list[dict[str, Any]]) -> None:
    """One Type One inspection at the first declared ICBM base, reporting one more deployed
    missile's reentry vehicles than declared: a compliance issue with its evidence."""
    declared = records[0]["payload"]["items"]
    missile = next(i for i in declared if i["kind"] == "icbm" and i.get("status") == "deployed")
    body = {
        "id": "insp-2012-001",
        "inspection_type": "type-one",
        "inspected_party": "US",
        "site": missile["facility"],
        "time": "2012-06-01T09:00:00Z",
        "items_examined": [missile["uid"]],
        "rvs_observed": {missile["uid"]: int(missile.get("warheads", 1)) + 1},
        "remarks": "one more reentry vehicle than declared",
    }
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        response = c.post("/v1/inspections", json=body)
        assert response.status_code == 201, response.text
        assert response.json()["issues"], "the finding raised no issue"


@contextmanager
def two_nodes(root: Path, db_url: str | None = None) -> Iterator[Scenario]:
    us = Workspace.init(root / "us", "US", db_url=db_url)
    ru = Workspace.init(root / "ru", "RU")
    running: list[RunningNode] = []
    try:
        us.register_party_key("RU", ru.public_key)
        ru.register_party_key("US", us.public_key)
        suffix = secrets.token_hex(3)
        tokens = {
            role: add_principal(
                us.engine,
                f"{role.value}-{suffix}",
                role,
                vkey=str(cosigner_vkey("RU", ru.public_key)) if role is Role.PEER else None,
            )
            for role in Role
        }
        ru_owner = add_principal(ru.engine, "ru-office", Role.OWNER)
        ru_peer = add_principal(
            ru.engine, "us-office", Role.PEER, vkey=str(cosigner_vkey("US", us.public_key))
        )
        us_node = serve_in_thread(
            create_node_app(NodeContext.from_workspace(us, max_body_bytes=BODY))
        )
        running.append(us_node)
        ru_node = serve_in_thread(create_app(NodeContext.from_workspace(ru, max_body_bytes=BODY)))
        running.append(ru_node)
        records = {"US": _stream("US", us.signing_key), "RU": _stream("RU", ru.signing_key)}
        _submit(us_node.url, tokens[Role.OWNER], records["US"])
        _submit(ru_node.url, ru_owner, records["RU"])
        sync_peer(us, ru_node.url, ru_peer)
        _inspection(us_node.url, tokens[Role.INSPECTOR], records["US"])
        yield Scenario(us_node.url, us, tokens, records, as_of=datetime.now(UTC).date())
    finally:
        for node in running:
            node.stop()
        us.close()
        ru.close()

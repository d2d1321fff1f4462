"""Every endpoint x every role over real HTTP: allowed roles get their answer; every other
role gets a 403 problem, a missing or unknown token a 401 problem, and none of them changes
anything."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from factory import stream
from node.harness import ServedNode, served_node
from pg import fresh_database, postgres_reachable
from treatyledger.ledger import sign
from treatyledger.model.notifications import Notification
from treatyledger.node.auth import Role
from treatyledger.node.submission import submission_body
from treatyledger.store.inspection_tables import (
    ComplianceIssueEventRow,
    ComplianceIssueRow,
    InspectionRecordRow,
    InspectionRunRow,
)
from treatyledger.store.ledger_tables import NotificationRow
from treatyledger.store.node_tables import Principal
from treatyledger.store.tlog_tables import TlogCheckpointRow, TlogCosignatureRow, TlogLeafRow
from treatyledger.tlog.checkpoint import Checkpoint, sign_checkpoint
from treatyledger.tlog.cosignature import cosignature_line
from treatyledger.tlog.note import NoteSigner, parse_note

PROBLEM = "application/problem+json"
OCTETS = "application/octet-stream"
SEEDED = 5

Body = Callable[[ServedNode, Role], Any]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    allowed: frozenset[Role]
    body: Body | None = None
    ok: int = 200
    media: str = "application/json"
    #: the OpenAPI path when ``path`` fills in path parameters
    template: str | None = None
    #: answered without a token (C2SP tlog-tiles: "Hash tiles are public")
    public: bool = False

    @property
    def id(self) -> str:
        return f"{self.method} {self.template or self.path.split('?')[0]}"


def _next_notification(node: ServedNode, _role: Role) -> bytes:
    with node.workspace.engine.connect() as conn:
        last = conn.execute(select(func.max(NotificationRow.sequence))).scalar() or 0
    record = stream(node.workspace.party, 1, first=last + 1)[0]
    note = sign(Notification.model_validate(record), node.workspace.signing_key)
    return submission_body([note])


def _add_checkpoint(_node: ServedNode, _role: Role) -> str:
    signer = NoteSigner.from_seed("treatyledger.example/RU", bytes(32))
    return "old 0\n\n" + sign_checkpoint(Checkpoint(signer.name, 0, bytes(32)), signer)


def _finding(_node: ServedNode, _role: Role) -> dict[str, Any]:
    """A Type One finding at the seeded base, a fresh record id each call (ids are unique)."""
    return {
        "id": f"INSP-{next(_finding_ids)}",
        "inspection_type": "type-one",
        "inspected_party": "US",
        "site": "US-BASE",
        "time": "2011-04-20T00:00:00Z",  # inside the regime (Part Five, Section I.2)
        "rvs_observed": {"US-MS-1": 1},
    }


_finding_ids = itertools.count(1)
_run_ids = itertools.count(1)


def _notice(_node: ServedNode, _role: Role) -> dict[str, Any]:
    """A notification of arrival by RU's inspectors, a fresh id each call."""
    return {
        "id": f"RUN-{next(_run_ids)}",
        "inspection_type": "type-one",
        "inspecting_party": "RU",
        "inspected_party": "US",
        "arrival": "2011-04-06T08:00:00Z",
        "notified_at": "2011-04-04T08:00:00Z",
    }


def _site(_node: ServedNode, _role: Role) -> dict[str, Any]:
    return {"site": "US-BASE", "designated_at": "2011-04-06T09:00:00Z"}


def _items(_node: ServedNode, _role: Role) -> dict[str, Any]:
    return {"items": ["US-LN-1"], "designated_at": "2011-04-06T10:00:00Z"}


def _run_findings(_node: ServedNode, _role: Role) -> dict[str, Any]:
    return {
        "id": "NO-SUCH-RUN",
        "inspection_type": "type-one",
        "inspected_party": "US",
        "site": "US-BASE",
        "time": "2011-04-06T12:00:00Z",
    }


def _raise(_node: ServedNode, _role: Role) -> dict[str, Any]:
    return {"message": "a question for the Commission"}


def _answer(_node: ServedNode, _role: Role) -> dict[str, Any]:
    return {"text": "an answer"}


def _cosignature(node: ServedNode, role: Role) -> dict[str, Any]:
    note = node.client(Role.OWNER).get("/v1/log/checkpoint").json()["note"]
    text = parse_note(note).text
    # a role without a cosigner key still sends a well-formed cosignature (the peer's)
    cosigner = node.cosigners.get(role, node.cosigners[Role.PEER])
    return {"checkpoint": text, "cosignature": cosignature_line(cosigner, text, 1_700_000_000)}


OWNER, PEER, INSPECTOR, WITNESS, OBSERVER = (
    Role.OWNER,
    Role.PEER,
    Role.INSPECTOR,
    Role.WITNESS,
    Role.OBSERVER,
)
# The allowed roles of each endpoint, spelled out (the table of docs/architecture.md), not
# taken from the node's own role sets: a change there must show here.
ENDPOINTS = [
    Endpoint("POST", "/v1/notifications", frozenset({OWNER}), _next_notification),
    Endpoint("GET", "/v1/log/checkpoint", frozenset({OWNER, PEER, INSPECTOR, WITNESS, OBSERVER})),
    Endpoint(
        "GET",
        f"/v1/log/entries?start=0&end={SEEDED}&proof_size={SEEDED}",
        frozenset({OWNER, PEER, INSPECTOR}),
    ),
    Endpoint(
        "GET",
        f"/v1/log/proof/inclusion?index=1&size={SEEDED}",
        frozenset({OWNER, PEER, INSPECTOR}),
    ),
    Endpoint(
        "GET",
        f"/v1/log/proof/consistency?first=2&second={SEEDED}",
        frozenset({OWNER, PEER, INSPECTOR, WITNESS, OBSERVER}),
    ),
    Endpoint("POST", "/v1/log/cosignatures", frozenset({PEER, WITNESS}), _cosignature),
    Endpoint("GET", "/v1/inventory?as_of=2012-01-01", frozenset({OWNER, PEER, INSPECTOR})),
    Endpoint("GET", "/v1/counts?as_of=2012-01-01", frozenset({OWNER, PEER, INSPECTOR})),
    Endpoint("GET", "/v1/series", frozenset({OWNER, PEER, INSPECTOR})),
    Endpoint("GET", "/v1/calendar?as_of=2012-01-01", frozenset({OWNER, PEER, INSPECTOR})),
    # a witness reads checkpoints, consistency proofs and hash tiles, nothing else: no
    # entries, no inclusion proofs, no aggregates (least privilege, issue 13)
    Endpoint("GET", "/v1/public/summary", frozenset({OWNER, PEER, INSPECTOR, OBSERVER})),
    Endpoint("POST", "/v1/inspections", frozenset({INSPECTOR}), _finding, ok=201),
    Endpoint("GET", "/v1/inspections", frozenset({OWNER, PEER, INSPECTOR})),
    Endpoint("GET", "/v1/compliance-issues", frozenset({OWNER, PEER, INSPECTOR})),
    # the Commission workflow: observers see the counts only
    Endpoint(
        "GET",
        "/v1/compliance-issues/counts",
        frozenset({OWNER, PEER, INSPECTOR, OBSERVER}),
    ),
    Endpoint(
        "GET",
        "/v1/compliance-issues/US-999",
        frozenset({OWNER, PEER, INSPECTOR}),
        ok=404,
        media=PROBLEM,
        template="/v1/compliance-issues/{issue_id}",
    ),
    Endpoint("POST", "/v1/compliance-issues", frozenset({OWNER, PEER, INSPECTOR}), _raise, ok=201),
    Endpoint(
        "POST",
        "/v1/compliance-issues/US-999/answer",
        frozenset({OWNER, PEER}),
        _answer,
        ok=404,
        media=PROBLEM,
        template="/v1/compliance-issues/{issue_id}/answer",
    ),
    Endpoint(
        "POST",
        "/v1/compliance-issues/US-999/resolve",
        frozenset({OWNER, PEER}),
        _answer,
        ok=404,
        media=PROBLEM,
        template="/v1/compliance-issues/{issue_id}/resolve",
    ),
    # inspections as the Protocol runs them: inspectors act, item-level roles read; a step
    # on an inspection that does not exist is the 404 of an unknown inspection
    Endpoint("POST", "/v1/inspection-runs", frozenset({INSPECTOR}), _notice, ok=201),
    Endpoint("GET", "/v1/inspection-runs", frozenset({OWNER, PEER, INSPECTOR})),
    Endpoint(
        "GET",
        "/v1/inspection-runs/NO-SUCH-RUN",
        frozenset({OWNER, PEER, INSPECTOR}),
        ok=404,
        media=PROBLEM,
        template="/v1/inspection-runs/{run_id}",
    ),
    Endpoint(
        "POST",
        "/v1/inspection-runs/NO-SUCH-RUN/site",
        frozenset({INSPECTOR}),
        _site,
        ok=404,
        media=PROBLEM,
        template="/v1/inspection-runs/{run_id}/site",
    ),
    Endpoint(
        "POST",
        "/v1/inspection-runs/NO-SUCH-RUN/items",
        frozenset({INSPECTOR}),
        _items,
        ok=404,
        media=PROBLEM,
        template="/v1/inspection-runs/{run_id}/items",
    ),
    Endpoint(
        "POST",
        "/v1/inspection-runs/NO-SUCH-RUN/findings",
        frozenset({INSPECTOR}),
        _run_findings,
        ok=404,
        media=PROBLEM,
        template="/v1/inspection-runs/{run_id}/findings",
    ),
    Endpoint(
        "GET",
        "/v1/tlog/checkpoint",
        frozenset({OWNER, PEER, INSPECTOR, WITNESS, OBSERVER}),
        media="text/plain; charset=utf-8",
        public=True,
    ),
    Endpoint(
        "GET",
        f"/v1/tlog/tile/0/000.p/{SEEDED}",
        frozenset({OWNER, PEER, INSPECTOR, WITNESS, OBSERVER}),
        media=OCTETS,
        template="/v1/tlog/tile/{path}",
        public=True,
    ),
    Endpoint(
        "GET",
        f"/v1/tlog/tile/entries/000.p/{SEEDED}",
        frozenset({OWNER, PEER, INSPECTOR}),
        media=OCTETS,
        template="/v1/tlog/tile/entries/{path}",
    ),
    # no notification of the seeded log is large enough for a digest leaf: allowed roles
    # get the 404 of a missing blob, the others a 403 before the lookup
    Endpoint(
        "GET",
        "/v1/tlog/blob/sha256/" + "0" * 64,
        frozenset({OWNER, PEER, INSPECTOR}),
        ok=404,
        media=PROBLEM,
        template="/v1/tlog/blob/sha256/{digest}",
    ),
    # the seeded node witnesses no log (no other party's key): a peer's submission is a
    # 404 unknown log, as tlog-witness says; every other role is refused first
    Endpoint(
        "POST",
        "/v1/witness/add-checkpoint",
        frozenset({PEER}),
        _add_checkpoint,
        ok=404,
        media=PROBLEM,
    ),
]
#: The documented route outside the matrix (no token, no role).
PUBLIC_ROUTES = {"GET /v1/health"}
GUARDED_ENDPOINTS = [e for e in ENDPOINTS if not e.public]
PUBLIC_ENDPOINTS = [e for e in ENDPOINTS if e.public]


def test_the_matrix_covers_every_route_of_the_app(seeded: ServedNode) -> None:
    """Every operation of the node's OpenAPI document (generated from its routes) is in the
    matrix above, and nothing else is."""
    paths = seeded.client().get("/v1/openapi.json").json()["paths"]
    operations = {f"{method.upper()} {path}" for path, item in paths.items() for method in item}
    assert operations == {e.id for e in ENDPOINTS} | PUBLIC_ROUTES


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedNode]:
    """The US node, seeded, on each backend (the matrix runs on both)."""
    path: Path = tmp_path_factory.mktemp("roles") / "us"
    with ExitStack() as stack:
        db_url = None
        if request.param == "postgresql":
            require_postgres()
            db_url = stack.enter_context(fresh_database())
        node = stack.enter_context(served_node(path, db_url=db_url))
        node.seed(SEEDED)
        yield node


def require_postgres() -> None:
    if not postgres_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432 and CI=true")
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432")


def fingerprint(node: ServedNode) -> tuple[int, ...]:
    """Everything a call could change: notifications, leaves, checkpoints' cosignatures,
    principals, inspection records, compliance issues and their events, inspections."""
    with node.workspace.engine.connect() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (
                NotificationRow,
                TlogLeafRow,
                TlogCosignatureRow,
                Principal,
                InspectionRecordRow,
                ComplianceIssueRow,
                ComplianceIssueEventRow,
                InspectionRunRow,
            )
        )


def _call(node: ServedNode, endpoint: Endpoint, role: Role | None, token: str | None = None):
    client = node.client(role) if role is not None else node.client(token=token)
    body_role = role if role in endpoint.allowed else next(iter(sorted(endpoint.allowed)))
    body = endpoint.body(node, body_role) if endpoint.body else None
    if isinstance(body, bytes):
        headers = {"Content-Type": "application/json"}
        return client.request(endpoint.method, endpoint.path, content=body, headers=headers)
    if isinstance(body, str):
        return client.request(endpoint.method, endpoint.path, content=body)
    return client.request(endpoint.method, endpoint.path, json=body)


CASES = [(e, r) for e in ENDPOINTS for r in Role]


@pytest.mark.parametrize(("endpoint", "role"), CASES, ids=[f"{e.id}-{r}" for e, r in CASES])
def test_role_is_allowed_or_refused_as_declared(
    seeded: ServedNode, endpoint: Endpoint, role: Role
) -> None:
    before = fingerprint(seeded)
    response = _call(seeded, endpoint, role)
    if role in endpoint.allowed:
        assert response.status_code == endpoint.ok, response.text
        assert response.headers["content-type"] == endpoint.media
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["status"] == 403
        assert role.value in response.json()["detail"]
        assert fingerprint(seeded) == before


@pytest.mark.parametrize("endpoint", GUARDED_ENDPOINTS, ids=[e.id for e in GUARDED_ENDPOINTS])
@pytest.mark.parametrize("token", [None, "tl_not-a-real-token", "garbage"])
def test_missing_or_unknown_token_is_a_401_problem_and_changes_nothing(
    seeded: ServedNode, endpoint: Endpoint, token: str | None
) -> None:
    before = fingerprint(seeded)
    response = _call(seeded, endpoint, None, token)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert fingerprint(seeded) == before


@pytest.mark.parametrize("endpoint", PUBLIC_ENDPOINTS, ids=[e.id for e in PUBLIC_ENDPOINTS])
@pytest.mark.parametrize("token", [None, "tl_not-a-real-token", "garbage"])
def test_public_routes_answer_without_a_token(
    seeded: ServedNode, endpoint: Endpoint, token: str | None
) -> None:
    """The checkpoint and hash tiles answer anyone, with the same bytes a principal gets."""
    response = _call(seeded, endpoint, None, token)
    assert response.status_code == endpoint.ok, response.text
    assert response.headers["content-type"] == endpoint.media
    assert response.content == _call(seeded, endpoint, Role.OWNER).content


def test_public_hash_tiles_are_cached_long_and_the_checkpoint_briefly(seeded: ServedNode) -> None:
    tile = seeded.client().get(f"/v1/tlog/tile/0/000.p/{SEEDED}")
    assert tile.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert seeded.client().get("/v1/tlog/checkpoint").headers["cache-control"] == "max-age=2"
    # an entry bundle under the same prefix stays behind the role rules
    assert seeded.client().get(f"/v1/tlog/tile/entries/000.p/{SEEDED}").status_code == 401


def test_refused_caller_with_a_malformed_body_still_gets_403(seeded: ServedNode) -> None:
    response = seeded.client(Role.OBSERVER).post(
        "/v1/notifications", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 403


def test_owner_token_does_not_make_a_foreign_signature_valid(seeded: ServedNode) -> None:
    """A notification signed with any key but the party's is rejected, even from the owner."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    body = json.loads(_next_notification(seeded, Role.OWNER))
    record = Notification.model_validate(body["notifications"][0]).unsigned()
    forged = sign(record, Ed25519PrivateKey.generate()).to_json_dict()
    before = fingerprint(seeded)
    response = seeded.post_notifications([forged])
    assert response.status_code == 422
    assert response.json()["results"][0]["status"] == "rejected"
    assert fingerprint(seeded) == before


def test_another_partys_notification_is_refused_even_for_the_owner(seeded: ServedNode) -> None:
    record = stream("RU", 1)[0]
    foreign = sign(Notification.model_validate(record), seeded.peer_key).to_json_dict()
    before = fingerprint(seeded)
    response = seeded.post_notifications([foreign])
    assert response.status_code in (403, 422)
    assert response.headers["content-type"] == PROBLEM
    assert fingerprint(seeded) == before


def test_cosignature_by_another_key_than_the_callers_is_refused(seeded: ServedNode) -> None:
    body = _cosignature(seeded, Role.WITNESS)  # the witness's line, sent with the peer's token
    before = fingerprint(seeded)
    response = seeded.client(Role.PEER).post("/v1/log/cosignatures", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert fingerprint(seeded) == before


def test_peer_cosignature_appears_on_the_checkpoint(seeded: ServedNode) -> None:
    body = _cosignature(seeded, Role.PEER)
    assert seeded.client(Role.PEER).post("/v1/log/cosignatures", json=body).status_code == 200
    checkpoint = seeded.client(Role.OBSERVER).get("/v1/log/checkpoint").json()
    names = [c["name"] for c in checkpoint["cosignatures"]]
    assert seeded.cosigners[Role.PEER].name in names
    assert "\u2014 " + seeded.cosigners[Role.PEER].name in checkpoint["note"]
    with seeded.workspace.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(TlogCheckpointRow)).scalar_one() >= 1

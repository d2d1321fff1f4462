"""The node's cross-cutting behaviour over real HTTP: health, problem+json errors, the body
size limit, authentication, and the OpenAPI document."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from sqlalchemy import text

from factory import stream
from node.harness import ServedNode, served_node
from treatyledger.node.auth import Role, add_principal, hash_token, revoke_principal
from treatyledger.store.base import make_engine

PROBLEM = "application/problem+json"


def test_health_needs_no_token_and_names_the_party(node: ServedNode) -> None:
    response = node.client().get("/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "party": "US", "version": "0.1.0"}


def test_unknown_path_is_a_404_problem(node: ServedNode) -> None:
    response = node.client(Role.OWNER).get("/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 404 and body["title"] == "Not Found"
    assert body["instance"] == "/v1/no-such-thing"


def test_declared_body_over_the_limit_is_a_413_problem(tmp_path: Path) -> None:
    with served_node(tmp_path / "ws", max_body_bytes=1000) as small:
        response = small.client(Role.OWNER).post(
            "/v1/notifications", content=b"[" + b" " * 2000 + b"]"
        )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert "limit is 1000 bytes" in response.json()["detail"]


def test_streamed_body_over_the_limit_is_a_413_problem(tmp_path: Path) -> None:
    def chunks():  # no Content-Length: the server must count as it reads
        for _ in range(10):
            yield b" " * 500

    with served_node(tmp_path / "ws", max_body_bytes=1000) as small:
        response = small.client(Role.OWNER).post(
            "/v1/notifications", content=chunks(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


def test_token_is_stored_only_as_its_sha256(node: ServedNode) -> None:
    from sqlalchemy import select

    from treatyledger.store.node_tables import Principal

    token = node.tokens[Role.PEER]
    with node.workspace.engine.connect() as conn:
        stored = conn.execute(select(Principal.token_hash).where(Principal.role == "peer")).all()
    assert [row.token_hash for row in stored] == [hash_token(token)]
    assert all(token not in row.token_hash for row in stored)


def test_tokens_are_distinct_and_high_entropy(node: ServedNode) -> None:
    tokens = list(node.tokens.values())
    assert len(set(tokens)) == len(tokens)
    assert all(len(t) >= 43 for t in tokens)  # 32 random bytes in URL-safe base64


def test_revoked_token_is_refused_with_401(node: ServedNode) -> None:
    token = add_principal(node.workspace.engine, "leaving", Role.OBSERVER)
    client = node.client(token=token)
    assert client.get("/v1/public/summary").status_code == 200
    revoke_principal(node.workspace.engine, "leaving")
    time.sleep(1.1)  # successful lookups are reused for up to 1 s
    response = client.get("/v1/public/summary")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")


#: Answered without a token: health, and C2SP tlog-tiles' checkpoint and hash tiles
#: ("Hash tiles are public"); tests/node/test_roles.py checks they answer without one.
UNGUARDED_PATHS = {"/v1/health", "/v1/tlog/checkpoint", "/v1/tlog/tile/{path}"}


def test_openapi_document_lists_every_route_with_problem_responses(node: ServedNode) -> None:
    spec = httpx.get(node.url + "/v1/openapi.json", timeout=60).json()
    assert spec["openapi"].startswith("3.")
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            errors = [code for code in responses if code.startswith(("4", "5"))]
            for code in errors:
                if (path, code) == ("/v1/witness/add-checkpoint", "409"):
                    continue  # tlog-witness prescribes text/x.tlog.size: the held size
                content = responses[code].get("content", {})
                assert "application/problem+json" in content, (method, path, code)
            if path in UNGUARDED_PATHS:
                # public by design: no token, and the document must not ask for one
                assert not operation.get("security"), f"{method} {path} asks for a token"
            else:
                assert operation.get("security"), f"{method} {path} has no security"
                assert "401" in responses and "403" in responses, (method, path)


def test_body_that_is_not_utf8_json_is_a_documented_problem(node: ServedNode) -> None:
    response = node.client(Role.OWNER).post(
        "/v1/notifications", content=b"\xff5bX", headers={"content-type": "application/json"}
    )
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == PROBLEM
    spec = httpx.get(node.url + "/v1/openapi.json", timeout=60).json()
    assert str(response.status_code) in spec["paths"]["/v1/notifications"]["post"]["responses"]


def test_a_store_failure_is_a_503_that_quotes_no_internal_error(node: ServedNode) -> None:
    with node.workspace.engine.begin() as conn:
        conn.execute(text("DROP TABLE ledger_item_notifications"))
        conn.execute(text("DROP TABLE ledger_notifications"))
    response = node.submit(stream("US", 1))
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.text
    assert "nothing of the batch was acknowledged" in response.json()["detail"]
    for internal in ("ledger_notifications", "OperationalError", "sqlite", "Error"):
        assert internal not in body


def test_an_unreachable_database_is_a_503_health_that_quotes_no_internal_error(
    node: ServedNode, tmp_path: Path
) -> None:
    context = node.app.state.node
    context.engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'ledger.db'}")
    response = node.client().get("/v1/health")
    assert response.status_code == 503
    body = response.json()
    assert body["detail"] == f"the database is unavailable (incident {body['incident']})"
    for internal in ("OperationalError", "sqlite", "missing"):
        assert internal not in response.text

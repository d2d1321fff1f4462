"""The API documentation and the access log, over real HTTP.

The roles each operation's description names are held to the role matrix of test_roles.py
(written out by hand there, from the issue, not taken from the node); the documentation page
loads nothing from outside the node; the access log has one line per request and never a
token; X-Forwarded-* are believed only from configured proxies."""

from __future__ import annotations

import logging
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from node.harness import ServedNode
from node.test_roles import ENDPOINTS, PUBLIC_ROUTES
from treatyledger.node.access_log import LOGGER_NAME
from treatyledger.node.app import create_app
from treatyledger.node.auth import Role, list_principals
from treatyledger.node.context import NodeContext
from treatyledger.node.server import FORWARDED_ENV, serve_in_thread

ROLE_LINE = re.compile(r"\*\*Roles:\*\* ([^.;]+)[.;]")


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            yield path, method.upper(), operation


def _documented_roles(operation: dict[str, Any]) -> set[str]:
    found = ROLE_LINE.search(operation["description"])
    assert found, operation["description"]
    return {name.strip() for name in found.group(1).split(",")}


def test_every_operation_names_the_roles_of_the_role_matrix(node: ServedNode) -> None:
    spec = httpx.get(node.url + "/v1/openapi.json", timeout=30).json()
    matrix = {endpoint.id: endpoint.allowed for endpoint in ENDPOINTS if not endpoint.public}
    public = {endpoint.id for endpoint in ENDPOINTS if endpoint.public} | PUBLIC_ROUTES
    seen = set()
    for path, method, operation in _operations(spec):
        label = f"{method} {path}"
        if label in public:
            assert "**Roles:** anyone; no token needed." in operation["description"], label
            seen.add(label)
            continue
        assert label in matrix, f"{label} is in the document but not in the role matrix"
        assert _documented_roles(operation) == {role.value for role in matrix[label]}, label
        assert "Any other role gets 403" in operation["description"]
        seen.add(label)
    assert seen == set(matrix) | public, "operations of the role matrix missing from the document"


def test_every_operation_has_an_example_request_with_its_required_parameters(
    node: ServedNode,
) -> None:
    spec = httpx.get(node.url + "/v1/openapi.json", timeout=30).json()
    for path, method, operation in _operations(spec):
        examples = re.findall(r"```sh\n(.*?)\n```", operation["description"], re.S)
        assert len(examples) == 1, f"{method} {path}"
        words = shlex.split(examples[0])
        assert words[0] == "curl"
        assert ("-X" in words) == (method != "GET")
        if method != "GET":
            assert words[words.index("-X") + 1] == method
        url = words[-1]
        assert url.startswith("$NODE/v1/")
        template = re.escape(path).replace(r"\{", "{").replace(r"\}", "}")
        pattern = re.sub(r"\{[a-z_]+\}", "[^?]+", template)
        assert re.fullmatch(pattern + r"(\?.*)?", url.removeprefix("$NODE")), (path, url)
        query = dict(part.split("=", 1) for part in url.partition("?")[2].split("&") if part)
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and parameter.get("required"):
                assert parameter["name"] in query, (path, parameter["name"])
        assert ("Authorization: Bearer $TOKEN" in words) == bool(operation.get("security"))
        if "requestBody" in operation:
            assert "--data-binary" in words, path


def test_the_example_requests_are_answered(node: ServedNode) -> None:
    """Each GET example, run with a token of an allowed role (URLs as written), is answered
    with the operation's success status or, for a lookup by id or digest, a documented 404."""
    node.seed(10)
    spec = httpx.get(node.url + "/v1/openapi.json", timeout=30).json()
    matrix = {endpoint.id: endpoint.allowed for endpoint in ENDPOINTS}
    for path, method, operation in _operations(spec):
        if method != "GET":
            continue
        url = shlex.split(re.findall(r"```sh\n(.*?)\n```", operation["description"], re.S)[0])[
            -1
        ].removeprefix("$NODE")
        allowed = matrix.get(f"{method} {path}")
        role = None if allowed is None else sorted(allowed)[0]
        response = node.client(role).get(url)
        # a lookup by an example id or digest finds nothing on this node: a documented 404
        expected = {404} if "/blob/" in path or "_id}" in path else {200}
        assert response.status_code in expected, (url, response.status_code, response.text)


def test_docs_page_and_assets_come_from_the_node(node: ServedNode) -> None:
    page = httpx.get(node.url + "/v1/docs", timeout=30)
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text), "an off-node URL on the page"
    assert "<script>" not in page.text  # nothing inline: the CSP would refuse it
    for name in re.findall(r"(?:src|href)=\"([^\"]+)\"", page.text):
        asset = httpx.get(f"{node.url}/v1/{name}", timeout=30)
        assert asset.status_code == 200, name
        assert asset.content
    init = httpx.get(node.url + "/v1/docs/init.js", timeout=30).text
    assert "validatorUrl: null" in init  # the validator badge would call a public service
    missing = httpx.get(node.url + "/v1/docs/index.html", timeout=30)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert httpx.get(node.url + "/docs", timeout=30).status_code == 404


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def access_lines() -> Iterator[list[str]]:
    logger = logging.getLogger(LOGGER_NAME)
    handler = _Lines()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


LINE = re.compile(r"(GET|POST) (\S+) (\S+) (\d{3}) (\d+\.\d)ms")


def test_access_log_names_the_principal_and_never_a_token(
    node: ServedNode, access_lines: list[str]
) -> None:
    peer_token = node.tokens[Role.PEER]
    observer_token = node.tokens[Role.OBSERVER]
    node.client(Role.PEER).get("/v1/log/checkpoint")
    node.client(Role.OBSERVER).get("/v1/inventory")  # 403
    node.client(token="tl_" + "x" * 43).get("/v1/log/checkpoint")  # unknown token: 401
    httpx.get(node.url + "/v1/health", timeout=30)
    # tokens where they must never be: in a query string and in a path
    node.client().get(f"/v1/log/checkpoint?token={peer_token}")
    node.client().get(f"/v1/{observer_token}")
    node.client(Role.OWNER).post(
        "/v1/notifications", content=b"{", headers={"content-type": "application/json"}
    )
    parsed = [LINE.fullmatch(line) for line in access_lines]
    assert all(parsed), access_lines
    got = [(m[1], m[2], m[3], int(m[4])) for m in parsed if m]
    assert got == [
        ("GET", "/v1/log/checkpoint", _name(node, Role.PEER), 200),
        ("GET", "/v1/inventory", _name(node, Role.OBSERVER), 403),
        ("GET", "/v1/log/checkpoint", "anonymous", 401),
        ("GET", "/v1/health", "anonymous", 200),
        ("GET", "/v1/log/checkpoint", "anonymous", 401),
        ("GET", "/v1/tl_[redacted]", "anonymous", 404),
        ("POST", "/v1/notifications", _name(node, Role.OWNER), 422),
    ]
    text = "\n".join(access_lines)
    for token in node.tokens.values():
        assert token not in text
        assert token[3:20] not in text
    assert "x" * 20 not in text


def _name(node: ServedNode, wanted: Role) -> str:
    names = [name for name, role, _ in list_principals(node.workspace.engine) if role is wanted]
    assert len(names) == 1
    return names[0]


def test_forwarded_headers_are_believed_only_from_configured_proxies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind a TLS proxy the node must see https (the dashboard's Secure cookie and its
    Origin check depend on it), but a client must not be able to claim it: the redirect to
    the canonical /v1/docs is an absolute URL built from what the node believes."""
    from treatyledger.store.workspace import Workspace

    monkeypatch.delenv(FORWARDED_ENV, raising=False)
    with Workspace.init(tmp_path / "us", "US") as ws:
        for trusted, expected in ((None, "http://"), ("127.0.0.1", "https://")):
            app = create_app(NodeContext.from_workspace(ws))
            with serve_in_thread(app, trusted_proxies=trusted) as running:
                response = httpx.get(
                    running.url + "/v1/docs/",
                    headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
                    timeout=30,
                )
            assert response.status_code == 307
            assert response.headers["location"].startswith(expected), (trusted, response)

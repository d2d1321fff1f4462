"""The node's API documentation, readable on an air-gapped network.

- The OpenAPI document (``/v1/openapi.json``) says, in each operation's description, which
  roles may call it, taken from the route's own :class:`~treatyledger.node.auth.RoleGuard`
  (the one role table: what is enforced is what is documented), and gives an example request.
- ``/v1/docs`` is Swagger UI served from the node itself: the JavaScript and stylesheet come
  from the ``fastapi-offline`` package's copy of ``swagger-ui-dist`` (no CDN, no web font, no
  validator badge), the page's own start-up script is a file too, so the page runs under a
  strict Content-Security-Policy (``script-src 'self'``)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from functools import cache
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute

from treatyledger.node.auth import Role, guard_of
from treatyledger.node.errors import Problem

DOCS_PATH = "/v1/docs"

#: The files the page loads, by name (an allow-list: nothing else is served from the package).
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
ASSET_PACKAGE = "fastapi_offline"

# Relative URLs: /v1/docs -> /v1/docs/<asset> and /v1/openapi.json, also under a proxy prefix.
PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>TreatyLedger node API</title>
<link rel="icon" type="image/png" href="docs/favicon.png">
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
"""

INIT_JS = """\
window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#swagger-ui",
  validatorUrl: null,
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  tryItOutEnabled: false,
  persistAuthorization: false
});
"""

# Swagger UI sets style attributes, hence 'unsafe-inline' for styles only; nothing inline runs.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
ASSET_HEADERS = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}

#: Example values of query parameters, by name; every required parameter must have one
#: (tests/node/test_api_docs.py holds the document to that).
QUERY_EXAMPLES = {
    "start": "0",
    "end": "10",
    "proof_size": "10",
    "index": "3",
    "size": "10",
    "first": "5",
    "second": "10",
    "as_of": "2020-09-01",
    "rules": "new-start",
    "dates": "2020-09-01",
    "record": "INSP-2020-001",
}
#: Example values of path parameters, by name.
PATH_PARAM_EXAMPLES = {"run_id": "RUN-2021-001", "issue_id": "ISSUE-2021-001"}
#: Example paths of the operations whose path parameter is a C2SP path, by path template.
PATH_EXAMPLES = {
    "/v1/tlog/tile/{path}": "/v1/tlog/tile/0/000.p/10",
    "/v1/tlog/tile/entries/{path}": "/v1/tlog/tile/entries/000.p/10",
    "/v1/tlog/blob/sha256/{digest}": "/v1/tlog/blob/sha256/" + "0" * 64,
}
BODY_FILES = {"application/json": "body.json", "text/plain": "body.txt"}

INTRO = """

**Examples** below use `NODE` for the node's address and `TOKEN` for a principal's token,
read from its token file, never typed on a command line:

```sh
NODE=http://127.0.0.1:8080
TOKEN=$(cat peer.token)
```
"""


def operation_roles(
    routers: Iterable[APIRouter], prefix: str
) -> dict[tuple[str, str], frozenset[Role] | None]:
    """(path, method) -> the roles the route's guard admits (None: no token needed)."""
    found: dict[tuple[str, str], frozenset[Role] | None] = {}
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            guard = guard_of(route)
            for method in route.methods or ():
                found[(prefix + route.path_format, method.lower())] = (
                    None if guard is None else guard.roles
                )
    return found


def roles_sentence(roles: frozenset[Role] | None) -> str:
    if roles is None:
        return "**Roles:** anyone; no token needed."
    names = ", ".join(role.value for role in Role if role in roles)
    return f"**Roles:** {names}. Any other role gets 403, a missing or unknown token 401."


def example_request(path: str, method: str, operation: dict[str, Any]) -> str:
    """A curl command calling the operation with example values."""
    url = PATH_EXAMPLES.get(path) or re.sub(
        r"\{([a-z_]+)\}", lambda m: PATH_PARAM_EXAMPLES[m.group(1)], path
    )
    query = [
        f"{p['name']}={QUERY_EXAMPLES[p['name']]}"
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p["name"] in QUERY_EXAMPLES
    ]
    if query:
        url += "?" + "&".join(query)
    parts = ["curl -sS"]
    if method != "get":
        parts.append(f"-X {method.upper()}")
    if operation.get("security"):
        parts.append('-H "Authorization: Bearer $TOKEN"')
    content = operation.get("requestBody", {}).get("content", {})
    for media in content:
        parts.append(f"-H 'Content-Type: {media}' --data-binary @{BODY_FILES.get(media, 'body')}")
        break
    parts.append(f'"$NODE{url}"')
    return "```sh\n" + " ".join(parts) + "\n```"


def describe_operations(
    document: dict[str, Any], roles: dict[tuple[str, str], frozenset[Role] | None]
) -> None:
    """Add the roles sentence and an example request to every operation of ``document``."""
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            text = operation.get("description", "").rstrip()
            lines = [text] if text else []
            # every operation is a route of the routers given: a miss is a wiring mistake
            lines.append(roles_sentence(roles[(path, method)]))
            lines.append("Example:\n\n" + example_request(path, method, operation))
            operation["description"] = "\n\n".join(lines)


def install_api_docs(app: FastAPI, routers: Iterable[APIRouter], prefix: str = "/v1") -> None:
    """Document ``app``'s operations (roles, examples) and serve Swagger UI at /v1/docs.
    ``routers`` are the routers mounted under ``prefix``; create the app with docs_url=None."""
    roles = operation_roles(routers, prefix)
    app.description = (app.description or "") + INTRO
    app.openapi = _documented_openapi(app.openapi, roles)  # type: ignore[method-assign]

    @app.get(DOCS_PATH, include_in_schema=False)
    def docs_page() -> HTMLResponse:
        return HTMLResponse(PAGE, headers=PAGE_HEADERS)

    @app.get(DOCS_PATH + "/init.js", include_in_schema=False)
    def docs_init() -> Response:
        return Response(INIT_JS, media_type=ASSETS["swagger-ui-bundle.js"], headers=ASSET_HEADERS)

    @app.get(DOCS_PATH + "/{name}", include_in_schema=False)
    def docs_asset(name: str) -> Response:
        if name not in ASSETS:
            raise Problem(404, f"no documentation asset named {name[:64]!r}", problem="not-found")
        return Response(asset(name), media_type=ASSETS[name], headers=ASSET_HEADERS)


def _documented_openapi(
    generate: Callable[[], dict[str, Any]], roles: dict[tuple[str, str], frozenset[Role] | None]
) -> Callable[[], dict[str, Any]]:
    """FastAPI's own generator (which caches the document), described once."""
    described: list[dict[str, Any]] = []
    lock = threading.Lock()

    def openapi() -> dict[str, Any]:
        with lock:
            if not described:
                document = generate()
                describe_operations(document, roles)
                described.append(document)
            return described[0]

    return openapi


@cache
def asset(name: str) -> bytes:
    """A Swagger UI file from the installed package (read once)."""
    return files(ASSET_PACKAGE).joinpath("static", name).read_bytes()

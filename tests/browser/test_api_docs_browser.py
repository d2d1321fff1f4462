"""/v1/docs in headless Chromium with every request off loopback aborted: Swagger UI, served
by the node from the installed package, renders the whole operation list, and an operation
opened shows the roles that may call it and its example request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from browser.harness import offline_context, screenshot
from browser.pages import assert_offline_clean, open_page
from node.harness import ServedNode, served_node

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def docs_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedNode]:
    path: Path = tmp_path_factory.mktemp("docs") / "us"
    with served_node(path) as node:
        yield node


def test_api_docs_render_the_operation_list_offline(browser: Any, docs_node: ServedNode) -> None:
    spec = httpx.get(docs_node.url + "/v1/openapi.json", timeout=30).json()
    operations = sum(len(methods) for methods in spec["paths"].values())
    with offline_context(browser) as (context, network):
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        response = open_page(page, docs_node.url + "/v1/docs")
        assert response.status == 200
        page.wait_for_selector(".opblock", timeout=120_000)
        assert page.locator(".opblock").count() == operations
        summaries = page.locator(".opblock-summary-path").all_inner_texts()
        assert any("/v1/log/checkpoint" in text for text in summaries), summaries
        # open one operation: its description carries the roles and the example
        page.locator("#operations-transparency_log-entries_v1_log_entries_get").click()
        body = page.locator("#operations-transparency_log-entries_v1_log_entries_get")
        body.locator(".opblock-description-wrapper").wait_for(timeout=120_000)
        text = body.inner_text()
        # a witness reads checkpoints, consistency proofs and hash tiles, never entries
        assert "Roles: owner, peer, inspector." in text
        assert 'curl -sS -H "Authorization: Bearer $TOKEN"' in text
        screenshot(page, "api-docs")
        assert errors == [], errors
    assert_offline_clean(network)

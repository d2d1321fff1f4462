"""Schemathesis against the node's own OpenAPI document, over real HTTP, bounded: every
operation gets generated requests, valid and invalid, with an owner's token; no answer may be
a 5xx, carry an undocumented status or content type, or violate its response schema.

(The operations are driven one by one with Hypothesis instead of schemathesis's pytest
plugin, whose lazy fixture loader does not run under pytest 9.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from node.harness import ServedNode, served_node
from treatyledger.node.auth import Role

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 12  # per operation and mode: bounded, the whole run stays well under a minute


@pytest.fixture(scope="module")
def fuzzed_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedNode]:
    path: Path = tmp_path_factory.mktemp("fuzz") / "us"
    with served_node(path) as node:
        node.seed(5)
        yield node


def _operations(node: ServedNode) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_url(node.url + "/v1/openapi.json", timeout=120)
    return [result.ok() for result in schema.get_all_operations()]


def test_openapi_document_has_every_operation(fuzzed_node: ServedNode) -> None:
    labels = {op.label for op in _operations(fuzzed_node)}
    assert {
        "POST /v1/notifications",
        "GET /v1/log/checkpoint",
        "GET /v1/log/entries",
        "GET /v1/log/proof/inclusion",
        "GET /v1/log/proof/consistency",
        "POST /v1/log/cosignatures",
        "GET /v1/inventory",
        "GET /v1/counts",
        "GET /v1/series",
        "GET /v1/public/summary",
        "GET /v1/health",
        "POST /v1/inspections",
        "GET /v1/inspections",
        "GET /v1/compliance-issues",
        "GET /v1/tlog/checkpoint",
        "GET /v1/tlog/tile/entries/{path}",
        "GET /v1/tlog/tile/{path}",
        "GET /v1/tlog/blob/sha256/{digest}",
        "POST /v1/witness/add-checkpoint",
    } <= labels


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_within_its_documented_contract(
    fuzzed_node: ServedNode, mode: GenerationMode
) -> None:
    headers = {"Authorization": f"Bearer {fuzzed_node.tokens[Role.OWNER]}"}
    for operation in _operations(fuzzed_node):
        if mode is GenerationMode.NEGATIVE and not (len(operation.query) or len(operation.body)):
            continue  # nothing to make invalid (no parameters, no body)

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

"""The submission body as bytes: ``{"notifications": [N1, N2, ...]}``, where each ``Ni`` is
the RFC 8785 canonical JSON of one signed notification.

The node verifies each signature over the bytes it received (``ledger.canonical``), so the
body is not parsed into models and re-serialised: ``split_batch`` finds each notification's
own bytes in the body (the envelope around them may be spaced freely) and hands them on as
``Received``; every notification is then judged alone, so one that is malformed, not
canonical or invalid is rejected by itself and the others go on. ``submission_body`` is what
a client sends."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from treatyledger.ledger.canonical import Received, strict_decode_at
from treatyledger.ledger.errors import EncodingProblem
from treatyledger.ledger.signing import leaf_bytes
from treatyledger.model.notifications import Notification
from treatyledger.node.errors import BatchError

_WHITESPACE = " \t\n\r"
_DECODER = json.JSONDecoder()


def submission_body(notifications: Iterable[Notification | Mapping[str, Any]]) -> bytes:
    """The body a client POSTs to ``/v1/notifications``: each notification canonical."""
    return b'{"notifications":[' + b",".join(leaf_bytes(n) for n in notifications) + b"]}"


def split_batch(body: bytes, max_batch: int) -> list[Received]:
    """Each notification of the body with its own bytes, decoded strictly; raises BatchError
    when the envelope itself is malformed."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BatchError("the body is not UTF-8") from None
    return _notifications(text, max_batch)


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WHITESPACE:
        i += 1
    return i


def _expect(text: str, i: int, char: str) -> int:
    i = _skip(text, i)
    if i >= len(text) or text[i] != char:
        found = repr(text[i]) if i < len(text) else "the end"
        raise BatchError(f"expected {char!r} at character {i}, found {found}")
    return i + 1


def _value_end(text: str, i: int) -> int:
    try:
        _value, end = _DECODER.raw_decode(text, i)
    except ValueError as exc:
        raise BatchError(f"not JSON at character {i}: {exc}") from None
    return int(end)


def _notifications(text: str, max_batch: int) -> list[Received]:
    """Each element of the ``notifications`` array, with its bytes."""
    i = _expect(text, 0, "{")
    spans: list[Received] | None = None
    i = _skip(text, i)
    if i < len(text) and text[i] == "}":
        raise BatchError("notifications: field required")
    while True:
        i = _skip(text, i)
        key_end = _value_end(text, i)
        key = json.loads(text[i:key_end])
        if not isinstance(key, str):
            raise BatchError(f"expected a key at character {i}")
        if key != "notifications":
            raise BatchError(f"{key[:64]}: unknown field (the body has notifications only)")
        if spans is not None:
            raise BatchError("the key 'notifications' appears twice")
        i = _expect(text, key_end, ":")
        spans, i = _array(text, i, max_batch)
        i = _skip(text, i)
        if i < len(text) and text[i] == ",":
            i += 1
            continue
        i = _expect(text, i, "}")
        break
    if _skip(text, i) != len(text):
        raise BatchError(f"extra data after the body at character {i}")
    return spans


def _element(text: str, i: int) -> tuple[Received, int]:
    """One notification's bytes and value, decoded once; a notification that is not strict
    JSON (a duplicate key, NaN) is kept with its problem, to be rejected alone."""
    try:
        value, end = strict_decode_at(text, i)
    except EncodingProblem as exc:
        end = _value_end(text, i)
        return Received(text[i:end].encode("utf-8"), None, exc), end
    except ValueError as exc:
        raise BatchError(f"not JSON at character {i}: {exc}") from None
    return Received(text[i:end].encode("utf-8"), value), end


def _array(text: str, i: int, max_batch: int) -> tuple[list[Received], int]:
    i = _expect(text, i, "[")
    spans: list[Received] = []
    i = _skip(text, i)
    if i < len(text) and text[i] == "]":
        raise BatchError("notifications: at least one notification is needed")
    while True:
        i = _skip(text, i)
        received, end = _element(text, i)
        spans.append(received)
        if len(spans) > max_batch:
            raise BatchError(f"notifications: at most {max_batch} in one request")
        i = _skip(text, end)
        if i < len(text) and text[i] == ",":
            i += 1
            continue
        return spans, _expect(text, i, "]")


#: The request body's schema in the OpenAPI document: components under this prefix.
SCHEMA_PREFIX = "Submit."


def openapi_components() -> dict[str, Any]:
    """The JSON Schema of the submission body and the models it names, as OpenAPI
    components (the route reads its body as bytes, so FastAPI does not generate them)."""
    from treatyledger.node.schemas import SubmitRequest

    schema = SubmitRequest.model_json_schema(
        mode="validation", ref_template="#/components/schemas/" + SCHEMA_PREFIX + "{model}"
    )
    defs = schema.pop("$defs", {})
    components = {SCHEMA_PREFIX + name: value for name, value in defs.items()}
    components[SCHEMA_PREFIX + "SubmitRequest"] = schema
    return components

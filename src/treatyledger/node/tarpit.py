"""Refusals answered before any route work, and the tarpit that slows the clients earning them.

A refusal (401, 413, 429) is decided from the request's headers alone by a pure ASGI
middleware (``node.auth.EarlyAuth``, ``node.ratelimit.RateLimit``, ``node.limits``) and sent
as a small problem+json document by :func:`send_problem`, without FastAPI's routing,
dependency resolution or response classes: a flood of refused requests costs the node little.

With a :class:`Tarpit` (``treatyledger serve`` has one), the refusal is sent only after a
bounded sleep: no CPU, but a closed-loop abuser (a flood, a client retrying at once) is slowed
to about one request per delay and connection. At most ``max_held`` refusals are held at a
time, far below the connection cap, so holding them can never use up the connections honest
clients need; past it a refusal is answered at once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.types import Send

from treatyledger.node.problems import PROBLEM_MEDIA_TYPE, problem_document

#: seconds a refusal is held at most, and how many are held at once at most
TARPIT_SECONDS = 1.0
TARPIT_MAX_HELD = 100


@dataclass
class Tarpit:
    max_seconds: float = TARPIT_SECONDS
    max_held: int = TARPIT_MAX_HELD
    #: refusals being held now, and held in all (tests and the bench read them)
    held: int = 0
    delayed: int = 0

    async def hold(self, seconds: float | None = None) -> None:
        """Sleep ``seconds`` (at most ``max_seconds``; default that), unless ``max_held``
        refusals are already held."""
        wait = self.max_seconds if seconds is None else min(seconds, self.max_seconds)
        if wait <= 0 or self.held >= self.max_held:
            return
        self.held += 1
        self.delayed += 1
        try:
            await asyncio.sleep(wait)
        finally:
            self.held -= 1


def problem_bytes(status: int, detail: str, problem: str, instance: str | None) -> bytes:
    """The bytes ``node.problems.problem_response`` would send (the same document, encoded
    as Starlette's JSONResponse encodes it)."""
    body = problem_document(status, detail, problem=problem, instance=instance)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


async def send_problem(
    send: Send,
    status: int,
    detail: str,
    *,
    problem: str,
    instance: str | None,
    headers: Mapping[str, str] | None = None,
    tarpit: Tarpit | None = None,
    hold_s: float | None = None,
) -> None:
    """Send a refusal straight to the server (after the tarpit's hold, if any)."""
    body = problem_bytes(status, detail, problem, instance)
    if tarpit is not None:
        await tarpit.hold(hold_s)
    raw_headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    raw_headers += [(k.lower().encode(), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})

"""Liveness: public, no token, no item data."""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from treatyledger import __version__
from treatyledger.node.errors import Problem
from treatyledger.node.problems import new_incident
from treatyledger.node.schemas import Health
from treatyledger.store.base import ping

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)

#: seconds a database that answered is taken to be readable without asking again: a flood of
#: health checks (anonymous, cheap to send) costs no query each; a failure is never reused
PING_FRESH_S = 1.0


class LastPing:
    """The engine that last answered, when, and the answer's bytes (one per app)."""

    def __init__(self) -> None:
        self.engine: Any = None
        self.at = -PING_FRESH_S
        self.body = b""


# async, with the ping in the thread pool only when it is due: a plain function route runs in
# the pool on every request (a queue, a thread woken, the GIL passed twice), the most of the
# route's CPU; the answer is encoded once and returned as a Response (no re-validation)
@router.get("/health", response_model=Health, summary="Is the node up and its database readable")
async def health(request: Request) -> Response:
    node = request.app.state.node
    last: LastPing = request.app.state.health_ping
    now = time.monotonic()
    if last.engine is not node.engine or now - last.at > PING_FRESH_S:
        try:
            await run_in_threadpool(ping, node.engine)
        except Exception:  # what failed stays in the node's log, never in the answer
            last.engine = None
            incident = new_incident()
            log.exception("incident %s: health check: the database did not answer", incident)
            raise Problem(
                503,
                f"the database is unavailable (incident {incident})",
                problem="store-unavailable",
                incident=incident,
            ) from None
        answer = Health(status="ok", party=node.party, version=__version__)
        last.engine, last.at, last.body = node.engine, now, answer.model_dump_json().encode()
    return Response(last.body, media_type="application/json")

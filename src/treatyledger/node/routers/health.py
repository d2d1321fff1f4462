"""Liveness: public, no token, no item data."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from treatyledger import __version__
from treatyledger.node.problems import Problem
from treatyledger.node.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, summary="Is the node up and its database readable")
async def health(request: Request) -> Health:
    node = request.app.state.node

    def ping() -> None:
        with node.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await run_in_threadpool(ping)
    except Exception as exc:
        raise Problem(503, f"database unavailable: {type(exc).__name__}") from None
    return Health(status="ok", party=node.party, version=__version__)

"""Liveness: public, no token, no item data."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request

from treatyledger import __version__
from treatyledger.node.errors import Problem
from treatyledger.node.problems import new_incident
from treatyledger.node.schemas import Health
from treatyledger.store.base import ping

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/health", response_model=Health, summary="Is the node up and its database readable")
def health(request: Request) -> Health:
    node = request.app.state.node
    try:
        ping(node.engine)
    except Exception:  # what failed stays in the node's log, never in the answer
        incident = new_incident()
        log.exception("incident %s: health check: the database did not answer", incident)
        raise Problem(
            503,
            f"the database is unavailable (incident {incident})",
            problem="store-unavailable",
            incident=incident,
        ) from None
    return Health(status="ok", party=node.party, version=__version__)

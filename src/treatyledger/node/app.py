"""The party node: a FastAPI application over one party's workspace.

``create_app(context)`` wires the routers (all under ``/v1``), the problem+json error
handlers, the body-size limit and role checks. Routers stay thin; the work is in the store,
ledger and tlog packages."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.concurrency import run_in_threadpool

from treatyledger import __version__
from treatyledger.ledger.canonical import Received
from treatyledger.ledger.outcomes import Rule
from treatyledger.node.access_log import AccessLog
from treatyledger.node.apidocs import install_api_docs
from treatyledger.node.auth import AuthCache, AuthFirstRoute, EarlyAuth, route_rules
from treatyledger.node.context import NodeContext
from treatyledger.node.frontier import warm_in_background
from treatyledger.node.integrity import IntegrityGate, check_on_start
from treatyledger.node.limits import BodySizeLimit
from treatyledger.node.problems import (
    IncidentMiddleware,
    install_problem_handlers,
    problem_responses,
)
from treatyledger.node.ratelimit import RateLimit, RateLimiter
from treatyledger.node.routers import (
    calendar,
    health,
    inspections,
    issues,
    log,
    notifications,
    public,
    runs,
    state,
    tiles,
    witness,
)
from treatyledger.node.submission import openapi_components
from treatyledger.node.views import treaty
from treatyledger.node.writer import GroupCommitWriter

logger = logging.getLogger(__name__)

DESCRIPTION = """\
A TreatyLedger party node. The owning party submits signed notifications; the peer party,
inspectors and witnesses read its transparency log, fetch proofs and cosign checkpoints;
observers see aggregates, checkpoints and compliance status only.

Authenticate with `Authorization: Bearer <token>` (tokens come from `treatyledger principal
add`). Every error is an RFC 9457 `application/problem+json` document.
"""


def create_app(context: NodeContext) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from treatyledger.store.ledger_snapshot import snapshot_key
        from treatyledger.store.ledger_store import Ack, LedgerStore
        from treatyledger.store.submission_prep import Dispatched

        # One in-memory ledger state per node process, written to by one group-commit
        # writer: concurrent submissions share transactions. The start-up check (or, with
        # full_audit, the full audit) loads the state the store starts from: the latest sound
        # snapshot plus the rows after it, each checked. A store that fails it gets no writer
        # (IntegrityGate answers for it).
        def open_store() -> LedgerStore | None:
            policy = treaty(context.engine, context.rules).policy
            key = snapshot_key(context.signing_key)
            if not context.audit_on_start:
                return LedgerStore(
                    context.engine, policy, home_party=context.party, snapshot_key=key, pool_min=1
                )
            report, state = context.audited or check_on_start(context)
            context.audited = None  # the state is the store's from here
            app.state.integrity = report
            app.state.forensic = context.forensic
            if not report.ok:
                logger.error("the store failed its integrity audit: %s", report.summary())
                return None
            return LedgerStore(
                context.engine,
                policy,
                home_party=context.party,
                snapshot_key=key,
                state=state,
                unsnapshotted=report.replayed,  # a snapshot at stop if rows were replayed
                pool_min=1,  # the GIL is the requests': every batch is verified in the pool
            )

        store = await run_in_threadpool(open_store)
        if store is None:
            yield
            return

        workers_started = False

        def submit_batch(
            batch: list[Received], ahead: list[Dispatched | None] | None = None
        ) -> list[Ack]:
            nonlocal workers_started
            if not workers_started:  # the verification workers load while this first batch
                # is judged (a node that serves only reads starts none)
                workers_started = True
                store.start_workers()
            return store.submit(batch, ahead)

        def refuse(notification: Received, expected: int) -> Ack:
            return Ack(
                party=notification.party,
                sequence=notification.sequence,
                status="rejected",
                rule=Rule.SEQUENCE_GAP.value,
                reason=f"sequence {notification.sequence} is too far ahead of the next "
                f"expected ({expected}; at most {context.max_ahead} ahead are held)",
            )

        writer = GroupCommitWriter(
            submit_batch,
            lambda: store.next_sequence(context.party),
            is_gap=_is_gap,
            refuse=refuse,
            max_ahead=context.max_ahead,
            max_held=context.max_ahead,
            # sent to the workers while the batch before them commits (None each until the
            # workers are ready: then the batch sends them itself)
            prepare=store.prepare_ahead,
        )
        # The ledger state lives as long as the process and only grows: keep the cycle
        # collector from rescanning it (full collections over a large state otherwise stall
        # every request, longer as the log grows). Collect what is young, then freeze the
        # survivors, at startup and every few seconds.
        freezer = None
        if context.freeze_gc:
            gc.collect()
            gc.freeze()
            freezer = asyncio.get_running_loop().create_task(_freeze_survivors())
        app.state.store = store
        app.state.writer = writer
        writer.start()
        warm_in_background(context)  # served: the first summary replays nothing
        pusher = None
        if context.witness_push_seconds:
            from treatyledger.node.witness_push import BackgroundPusher

            app.state.witness_pusher = BackgroundPusher(
                context, interval=context.witness_push_seconds
            )
            pusher = asyncio.get_running_loop().create_task(app.state.witness_pusher.run())
        try:
            yield
        finally:
            for task in (freezer, pusher):
                if task is not None:
                    task.cancel()
            await writer.stop()
            if store.unsnapshotted:  # the next start replays nothing
                await run_in_threadpool(store.save_snapshot)

    app = FastAPI(
        lifespan=lifespan,
        title="TreatyLedger node",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/v1/openapi.json",
        docs_url=None,  # served by node.apidocs from the package, not from a CDN
        redoc_url=None,
        responses=problem_responses(413, 429, 500),
        # no OpenTelemetry here: off, FastAPI asks the global providers on every request
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.node = context
    app.state.auth_cache = AuthCache(context.auth_cache_seconds)
    app.state.health_ping = health.LastPing()
    tarpit = app.state.tarpit = context.tarpit
    routers = [health.router, *_routers()]
    install_problem_handlers(app)
    # innermost: the submissions, answered before routing (see there), inside everything else
    app.add_middleware(notifications.DirectSubmission, path="/v1/notifications")
    app.add_middleware(IncidentMiddleware)  # the access log sees its 500s
    app.add_middleware(BodySizeLimit, max_body_bytes=context.max_body_bytes, tarpit=tarpit)
    # outside the body limit: a request without a usable token is refused from its headers
    app.add_middleware(
        EarlyAuth, rules=route_rules(routers, "/v1"), cache=app.state.auth_cache, tarpit=tarpit
    )
    app.add_middleware(IntegrityGate)  # outside the body limit: a refused node reads nothing
    if context.rate_limits is not None:  # outside the body limit: refused before any read
        app.state.rate_limiter = RateLimiter(context.rate_limits)
        app.add_middleware(RateLimit, limiter=app.state.rate_limiter, tarpit=tarpit)
    app.add_middleware(AccessLog)  # added last: outermost, so it times and sees every answer

    v1 = APIRouter(prefix="/v1", route_class=AuthFirstRoute)
    for router in routers:
        v1.include_router(router)
    app.include_router(v1)
    _document_submission_body(app)
    install_api_docs(app, routers, prefix="/v1")  # wraps the document above: roles, examples
    return app


def _document_submission_body(app: FastAPI) -> None:
    """Add the submission body's models to the OpenAPI document (its route reads bytes)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schema.setdefault("components", {}).setdefault("schemas", {}).update(
                openapi_components()
            )
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _is_gap(ack: Any) -> bool:
    return bool(ack.status == "rejected" and ack.rule == Rule.SEQUENCE_GAP.value)


FREEZE_EVERY_S = 5.0


async def _freeze_survivors() -> None:
    while True:
        await asyncio.sleep(FREEZE_EVERY_S)
        gc.collect()
        gc.freeze()


def _routers() -> list[APIRouter]:
    return [
        notifications.router,
        calendar.router,
        log.router,
        state.router,
        public.router,
        inspections.router,
        runs.router,
        issues.router,
        tiles.router,
        tiles.public_router,  # after tiles.router: see there
        witness.router,
    ]

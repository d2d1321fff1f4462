"""Submission of the node party's signed notifications (the owner only)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Request, Response, Security
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from treatyledger.node.auth import Caller, Role, caller_of
from treatyledger.node.context import MAX_BATCH, NodeContext
from treatyledger.node.errors import BatchError, Problem
from treatyledger.node.problems import new_incident, problem_responses
from treatyledger.node.routers.deps import Node, guard, guarded_router
from treatyledger.node.schemas import SubmitResponse, SubmitResult
from treatyledger.node.submission import SCHEMA_PREFIX, split_batch
from treatyledger.node.tarpit import Tarpit

router = guarded_router(tags=["notifications"])
OWNER_ONLY = frozenset({Role.OWNER})
Owner = Annotated[Caller, Security(guard(*OWNER_ONLY))]
log = logging.getLogger(__name__)


@router.post(
    "/notifications",
    response_model=SubmitResponse,
    summary="Submit signed notifications of this node's party",
    description=(
        "Each notification must be of this node's party and carry a valid signature by one of "
        "its registered keys, whoever the caller is. A notification is acknowledged only after "
        "it is durably stored and appended to the party's log. Each notification is sent as "
        "its RFC 8785 canonical JSON (the signed bytes are the bytes received) and judged "
        "alone: one that is malformed, not canonical or invalid is rejected with its rule and "
        "the others go on. A batch in which nothing is accepted (or already stored) is "
        "answered 422 with the per-notification results."
    ),
    responses=problem_responses(503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{SCHEMA_PREFIX}SubmitRequest"}
                }
            },
        }
    },
)
async def submit(node: Node, _caller: Owner, request: Request) -> Response:
    # under create_app, DirectSubmission answers these requests before the router does
    return await answer_submission(node, request)


async def answer_submission(node: NodeContext, request: Request) -> Response:
    """The answer to an owner's submission (the caller checked already); raises Problem."""
    try:
        received = split_batch(await request.body(), MAX_BATCH)
    except BatchError as exc:
        await _hold(request)
        raise Problem(422, f"body: {exc}", problem="invalid-request") from None
    foreign = [r for r in received if r.party not in (node.party, "?")]
    if foreign:
        raise Problem(
            403,
            f"this node writes only party {node.party}'s log; notification "
            f"{foreign[0].party}#{foreign[0].sequence} is of party {foreign[0].party}",
            problem="foreign-party",
        )
    writer = request.app.state.writer
    try:
        acks = await writer.submit(received)
    except Exception:  # the store failed; nothing of the batch was acknowledged
        # what failed stays in the node's log: an answer never quotes an internal exception
        incident = new_incident()
        log.exception(
            "incident %s: a batch of %d notifications could not be stored",
            incident,
            len(received),
        )
        raise Problem(
            503,
            "the notifications could not be stored; nothing of the batch was acknowledged "
            f"(incident {incident})",
            problem="store-unavailable",
            incident=incident,
        ) from None
    results = [
        SubmitResult(
            party=ack.party,
            sequence=ack.sequence if ack.sequence is not None else 0,
            status=ack.status,
            leaf_index=ack.leaf_index,
            late=ack.late,
            flags=list(ack.flags),
            rule=ack.rule,
            error=ack.reason,
        )
        for ack in acks
    ]
    rejected = sum(r.status == "rejected" for r in results)
    if rejected == len(results):
        await _hold(request)
        first = results[0]
        raise Problem(
            422,
            f"every notification was rejected; {first.party}#{first.sequence}: "
            f"{first.rule}: {first.error}",
            problem="notifications-rejected",
            results=[r.model_dump() for r in results],
        )
    accepted = sum(r.status == "accepted" for r in results)
    answer = SubmitResponse(accepted=accepted, rejected=rejected, results=results)
    # encoded once here: returning the model would have FastAPI validate it again first
    return Response(answer.model_dump_json(), media_type="application/json")


async def _hold(request: Request) -> None:
    """A submission of which nothing is stored is answered through the tarpit (under serve):
    an owner's client looping on invalid notifications is slowed, an honest one (whose
    retries are accepted or already stored) never."""
    tarpit: Tarpit | None = request.app.state.tarpit
    if tarpit is not None:
        await tarpit.hold()


class DirectSubmission:
    """ASGI middleware, innermost: ``POST /v1/notifications`` is answered here, without
    FastAPI's routing through the nested routers and its dependency solving, which cost a
    request more than the rest of its answer (issue 19). The same role check as the route's
    RoleGuard (``caller_of``), the same answer (``answer_submission``) and the app's own
    problem handlers; every middleware outside (access log, rate limit, integrity gate,
    early auth, body limit, incidents) applies as before. Any other method or path, and the
    OpenAPI document, are the router's."""

    def __init__(self, app: ASGIApp, path: str):
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive, send)
        try:
            await caller_of(request, OWNER_ONLY)
            response = await answer_submission(request.app.state.node, request)
        except (Problem, HTTPException) as exc:  # HTTPException: the body limit's 413
            response = await _handled(request, exc)
        await response(scope, receive, send)


async def _handled(request: Request, exc: Exception) -> Response:
    """``exc`` answered by the app's handler for it, as the router's would."""
    handlers = request.app.exception_handlers
    handler = next(handlers[cls] for cls in type(exc).__mro__ if cls in handlers)
    response: Response = await handler(request, exc)
    return response

"""Submission of the node party's signed notifications (the owner only)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Request, Response, Security

from treatyledger.node.auth import Caller, Role
from treatyledger.node.context import MAX_BATCH
from treatyledger.node.errors import BatchError, Problem
from treatyledger.node.problems import new_incident, problem_responses
from treatyledger.node.routers.deps import Node, guard, guarded_router
from treatyledger.node.schemas import SubmitResponse, SubmitResult
from treatyledger.node.submission import SCHEMA_PREFIX, split_batch
from treatyledger.node.tarpit import Tarpit

router = guarded_router(tags=["notifications"])
Owner = Annotated[Caller, Security(guard(Role.OWNER))]
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

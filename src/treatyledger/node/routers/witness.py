"""The node as a C2SP tlog-witness (https://c2sp.org/tlog-witness): ``POST
/v1/witness/add-checkpoint`` takes another party's signed checkpoint with a consistency proof
from the size this node last cosigned, and answers its cosignature lines (200, text/plain),
the held size on a mismatch (409, ``text/x.tlog.size``), or a problem with the spec's status
(400 malformed, 403 no trusted signature, 404 unknown log, 422 bad proof). The logs it
witnesses are the other parties whose keys this workspace holds (``peer trust``). The
submitter authenticates as a peer principal, as every caller of the node does."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Request, Security
from fastapi.responses import Response

from treatyledger.node.auth import Caller, Role
from treatyledger.node.errors import Problem
from treatyledger.node.keys import cosigners_for, log_vkey
from treatyledger.node.problems import problem_responses
from treatyledger.node.routers.deps import Node, guard, guarded_router
from treatyledger.store.witness_store import witness_add_checkpoint
from treatyledger.store.workspace import all_party_keys
from treatyledger.tlog.checkpoint import origin_for_party
from treatyledger.tlog.errors import ConflictError, EquivocationError, WitnessError
from treatyledger.tlog.witness import CONFLICT_CONTENT_TYPE, MAX_REQUEST_BYTES, conflict_body

router = guarded_router(prefix="/witness", tags=["tlog-witness"])
Submitter = Annotated[Caller, Security(guard(Role.PEER))]


@router.post(
    "/add-checkpoint",
    response_class=Response,
    responses={
        **problem_responses(400, 403, 404, 422),
        200: {"content": {"text/plain": {}}, "description": "cosignature lines"},
        409: {"content": {CONFLICT_CONTENT_TYPE: {}}, "description": "the held size"},
    },
    summary="tlog-witness add-checkpoint: cosign a checkpoint consistent with the held one",
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}}
    },
)
async def add_checkpoint(node: Node, _caller: Submitter, request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_REQUEST_BYTES:
        raise Problem(413, f"at most {MAX_REQUEST_BYTES} bytes", problem="too-large")
    from starlette.concurrency import run_in_threadpool

    def handle() -> Response:
        log_keys = {
            origin_for_party(party): [log_vkey(party, key) for key in keys]
            for party, keys in all_party_keys(node.engine).items()
            if party != node.party
        }
        cosigners = cosigners_for(node.party, node.signing_key, node.mldsa_seed)
        try:
            lines = witness_add_checkpoint(
                node.engine, cosigners, log_keys, body, now=int(time.time())
            )
        except ConflictError as exc:
            return Response(
                conflict_body(exc.expected_size), status_code=409, media_type=CONFLICT_CONTENT_TYPE
            )
        except EquivocationError as exc:
            raise Problem(
                exc.status, str(exc), problem="equivocation", evidence=exc.evidence
            ) from None
        except WitnessError as exc:
            raise Problem(exc.status, str(exc), problem="witness-refused") from None
        return Response(lines, media_type="text/plain; charset=utf-8")

    return await run_in_threadpool(handle)

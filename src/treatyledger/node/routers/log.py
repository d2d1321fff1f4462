"""The node's transparency log: checkpoints, entries, proofs, cosignatures."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Security

from treatyledger.node import logview
from treatyledger.node.auth import Caller, Role, principal_vkey
from treatyledger.node.context import MAX_ENTRIES_PER_READ
from treatyledger.node.errors import Problem
from treatyledger.node.routers.deps import EVERYONE, LOG_READERS, Node, guard, guarded_router
from treatyledger.node.schemas import (
    CheckpointResponse,
    ConsistencyProofResponse,
    CosignRequest,
    CosignResponse,
    EntriesResponse,
    InclusionProofResponse,
)
from treatyledger.store import checkpoints
from treatyledger.store.errors import TlogStoreError, UnknownCheckpoint
from treatyledger.tlog.verifier import VerificationError, parse_checkpoint, parse_vkey

router = guarded_router(prefix="/log", tags=["transparency log"])
Anyone = Annotated[Caller, Security(guard(*EVERYONE))]
Reader = Annotated[Caller, Security(guard(*LOG_READERS))]
Cosigner = Annotated[Caller, Security(guard(Role.PEER, Role.WITNESS))]

Index = Annotated[int, Query(ge=0, le=2**53)]


def _out_of_range(detail: str) -> Problem:
    return Problem(422, detail, problem="out-of-range")


@router.get(
    "/checkpoint",
    response_model=CheckpointResponse,
    summary="The latest signed checkpoint with its cosignatures",
)
def checkpoint(node: Node, _caller: Anyone) -> CheckpointResponse:
    """The latest checkpoint this node signed, with its cosignatures as stored now. A served
    node signs at most one a second: the checkpoint covers every entry acknowledged more than
    a second before the request."""
    return logview.checkpoint_response(node, logview.current_checkpoint_note(node))


@router.get("/entries", response_model=EntriesResponse, summary="Log entries [start, end)")
def entries(
    node: Node,
    _caller: Reader,
    start: Index,
    end: Index,
    proof_size: Annotated[
        int | None,
        Query(ge=1, le=2**53, description="also give each entry's inclusion proof to this size"),
    ] = None,
) -> EntriesResponse:
    size = logview.log_size(node)
    if not start < end <= size:
        raise _out_of_range(f"expected start < end <= {size} (the log size), found {start}, {end}")
    if end - start > MAX_ENTRIES_PER_READ:
        raise _out_of_range(f"at most {MAX_ENTRIES_PER_READ} entries per read")
    if proof_size is not None and not end <= proof_size <= size:
        raise _out_of_range(f"expected end <= proof_size <= {size}, found {proof_size}")
    found = logview.entries(node, start, end, proof_size)
    return EntriesResponse(start=start, end=end, proof_size=proof_size, entries=found)


@router.get(
    "/proof/inclusion",
    response_model=InclusionProofResponse,
    summary="RFC 9162 inclusion proof of entry index in the tree of size",
)
def inclusion_proof(
    node: Node, _caller: Reader, index: Index, size: Index
) -> InclusionProofResponse:
    current = logview.log_size(node)
    if not index < size <= current:
        raise _out_of_range(f"expected index < size <= {current}, found {index}, {size}")
    leaf_hash, proof = logview.inclusion(node, index, size)
    return InclusionProofResponse(
        index=index,
        size=size,
        leaf_hash=logview.b64(leaf_hash),
        proof=[logview.b64(h) for h in proof],
    )


@router.get(
    "/proof/consistency",
    response_model=ConsistencyProofResponse,
    summary="RFC 9162 consistency proof between two tree sizes",
)
def consistency_proof(
    node: Node, _caller: Anyone, first: Index, second: Index
) -> ConsistencyProofResponse:
    current = logview.log_size(node)
    if not 0 < first <= second <= current:
        raise _out_of_range(f"expected 0 < first <= second <= {current}, found {first}, {second}")
    proof = logview.consistency(node, first, second)
    return ConsistencyProofResponse(
        first=first, second=second, proof=[logview.b64(h) for h in proof]
    )


@router.post(
    "/cosignatures",
    response_model=CosignResponse,
    summary="Add a peer's or witness's cosignature to a checkpoint this node signed",
)
def cosign(node: Node, caller: Cosigner, body: CosignRequest) -> CosignResponse:
    vkey_text = principal_vkey(node.engine, caller.name)
    if vkey_text is None:
        raise Problem(
            403,
            f"principal {caller.name} has no verifier key registered; add it with "
            "`principal add ... --vkey`",
            problem="no-verifier-key",
        )
    vkey = parse_vkey(vkey_text)
    try:
        checkpoint = parse_checkpoint(body.checkpoint)
    except VerificationError as exc:
        raise Problem(422, f"checkpoint: {exc}", problem="bad-checkpoint") from None
    origin = logview.origin_of(node)
    if checkpoint.origin != origin:
        raise Problem(
            422,
            f"checkpoint of log {checkpoint.origin!r}, this node's log is {origin!r}",
            problem="bad-checkpoint",
        )
    try:
        full = checkpoints.add_checkpoint_cosignature(
            node.engine, origin, body.checkpoint, checkpoint.size, body.cosignature, vkey
        )
    except UnknownCheckpoint as exc:
        raise Problem(422, str(exc), problem="unknown-checkpoint") from None
    except (TlogStoreError, VerificationError) as exc:
        raise Problem(422, str(exc), problem="bad-cosignature") from None
    response = logview.checkpoint_response(node, full)
    mine = [c for c in response.cosignatures if c.name == vkey.name]
    return CosignResponse(
        size=checkpoint.size,
        cosigner=vkey.name,
        timestamp=mine[0].timestamp if mine else 0,
        cosignatures=len(response.cosignatures),
    )

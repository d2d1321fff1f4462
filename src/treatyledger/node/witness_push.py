"""Pushing this node's checkpoints to its configured witnesses by the C2SP tlog-witness
protocol (``add-checkpoint``), and keeping the cosignatures they answer: any witness
implementation that speaks the protocol (another TreatyLedger node, litewitness,
omniwitness) can witness a treaty log.

Per witness: send ``old <size it last cosigned>`` with the consistency proof from there; on
a 409 the answer is the size it really holds, so the proof is rebuilt from that size and
the request sent once more. Cosignature lines are verified with the witness's configured
keys before they are stored (``tlog_store.add_cosignature`` verifies again)."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from treatyledger.errors import Unavailable
from treatyledger.node import logview
from treatyledger.node.context import NodeContext
from treatyledger.node.keys import log_signer
from treatyledger.store import tlog_store
from treatyledger.store.witness_store import (
    ConfiguredWitness,
    checkpoint_to_push,
    list_witnesses,
    set_witness_size,
    store_cosignatures,
)
from treatyledger.tlog.note import parse_note
from treatyledger.tlog.verifier import VerificationError, parse_checkpoint
from treatyledger.tlog.witness import (
    CONFLICT_CONTENT_TYPE,
    add_checkpoint_body,
    parse_conflict_body,
    parse_cosignature_lines,
)

MAX_ANSWER_BYTES = 1 << 20


class WitnessPushError(Unavailable):
    """A witness could not be reached or refused the checkpoint."""


@dataclass(frozen=True)
class PushResult:
    witness: str
    size: int
    cosignatures: int
    error: str | None = None


def _token(witness: ConfiguredWitness) -> str | None:
    if witness.token_file is None:
        return None
    path = Path(witness.token_file)
    try:
        if path.stat().st_mode & 0o077:
            raise WitnessPushError(
                f"witness {witness.name}: token file {path} is readable by others; chmod 600 it"
            )
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise WitnessPushError(f"witness {witness.name}: cannot read {path}: {exc}") from None


def _post(client: httpx.Client, witness: ConfiguredWitness, body: str) -> httpx.Response:
    headers = {"Content-Type": "text/plain; charset=utf-8"}
    token = _token(witness)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = client.post(f"{witness.url}/add-checkpoint", content=body, headers=headers)
    except httpx.TransportError as exc:
        raise WitnessPushError(f"witness {witness.name} unreachable: {exc}") from None
    if len(response.content) > MAX_ANSWER_BYTES:
        raise WitnessPushError(f"witness {witness.name} answered {len(response.content)} bytes")
    return response


def _refusal(witness: ConfiguredWitness, response: httpx.Response) -> WitnessPushError:
    detail = response.text[:300]
    with contextlib.suppress(ValueError, AttributeError):
        detail = str(response.json().get("detail", detail))
    return WitnessPushError(f"witness {witness.name} refused: {response.status_code} {detail}")


def push_to_witness(
    node: NodeContext, witness: ConfiguredWitness, client: httpx.Client
) -> PushResult:
    """One add-checkpoint exchange (two on a 409) for the current checkpoint."""
    origin = logview.origin_of(node)
    note = checkpoint_to_push(node.engine, origin, log_signer(node.party, node.signing_key))
    checkpoint = parse_checkpoint(parse_note(note).text)
    held = witness.size
    for _attempt in range(2):
        if held > checkpoint.size:
            raise WitnessPushError(
                f"witness {witness.name} holds size {held}, beyond this log's {checkpoint.size}"
            )
        proof: Sequence[bytes] = []
        if 0 < held < checkpoint.size:
            proof = logview.consistency(node, held, checkpoint.size)
        response = _post(client, witness, add_checkpoint_body(held, proof, note))
        if response.status_code == 409 and response.headers.get("content-type", "").startswith(
            CONFLICT_CONTENT_TYPE
        ):
            held = parse_conflict_body(response.text)
            continue
        if response.status_code != 200:
            raise _refusal(witness, response)
        try:
            lines = parse_cosignature_lines(response.text, note, witness.vkeys)
        except VerificationError as exc:
            raise WitnessPushError(f"witness {witness.name}: bad cosignature: {exc}") from None
        if not lines:
            raise WitnessPushError(f"witness {witness.name}: no cosignature by its known keys")
        keys = {(k.name, k.key_id): k for k in witness.vkeys}
        keyed = []
        for line in lines:
            name = line[2:].split(" ", 1)[0]
            key_id = int.from_bytes(base64.b64decode(line.rsplit(" ", 1)[1])[:4], "big")
            keyed.append((line, keys[(name, key_id)]))
        store_cosignatures(node.engine, origin, checkpoint.size, keyed)
        set_witness_size(node.engine, witness.name, checkpoint.size)
        return PushResult(witness.name, checkpoint.size, len(lines))
    raise WitnessPushError(f"witness {witness.name} answered 409 twice")


def push_to_witnesses(node: NodeContext, *, timeout: float = 30.0) -> list[PushResult]:
    """Push the current checkpoint to every configured witness; one failure does not stop
    the others (each result says what happened)."""
    results = []
    with httpx.Client(timeout=timeout) as client:
        for witness in list_witnesses(node.engine):
            try:
                results.append(push_to_witness(node, witness, client))
            except (WitnessPushError, tlog_store.TlogStoreError) as exc:
                results.append(PushResult(witness.name, witness.size, 0, str(exc)))
    return results

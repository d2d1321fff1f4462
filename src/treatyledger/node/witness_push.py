"""Pushing this node's checkpoints to its configured witnesses by the C2SP tlog-witness
protocol (``add-checkpoint``), and keeping the cosignatures they answer: any witness
implementation that speaks the protocol (another TreatyLedger node, litewitness,
omniwitness) can witness a treaty log.

Per witness: send ``old <size it last cosigned>`` with the consistency proof from there; on
a 409 the answer is the size it really holds, so the proof is rebuilt from that size and
the request sent once more. Cosignature lines are verified with the witness's configured
keys before they are stored (``tlog_store.add_cosignature`` verifies again).

``BackgroundPusher`` is what ``treatyledger serve`` runs beside the API: every few seconds
it pushes the current checkpoint to each witness that holds a smaller size, so every new
checkpoint is witnessed without a command; a witness that fails is retried with exponential
backoff (1 s, 2 s, 4 s ... at most 5 minutes), the others are not held up."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from treatyledger.node import logview
from treatyledger.node.context import NodeContext
from treatyledger.node.errors import WitnessPushError
from treatyledger.node.keys import log_signers
from treatyledger.store.errors import TlogStoreError
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
log = logging.getLogger(__name__)


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
    signers = log_signers(node.party, node.signing_key, node.mldsa_seed)
    note = checkpoint_to_push(node.engine, origin, signers)
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
            except (WitnessPushError, TlogStoreError) as exc:
                results.append(PushResult(witness.name, witness.size, 0, str(exc)))
    return results


@dataclass
class _Retry:
    failures: int = 0
    next_at: float = 0.0


class BackgroundPusher:
    """Push each new checkpoint to the configured witnesses, with backoff per witness."""

    def __init__(
        self,
        node: NodeContext,
        *,
        interval: float = 5.0,
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.node = node
        self.interval = interval
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.timeout = timeout
        self.clock = clock
        self.retries: dict[str, _Retry] = {}
        #: the latest result per witness, for the node's operators and the tests
        self.last: dict[str, PushResult] = {}

    def delay(self, failures: int) -> float:
        """Seconds before the next attempt after ``failures`` failures in a row."""
        return float(min(self.max_delay, self.base_delay * 2.0 ** max(failures - 1, 0)))

    def due(self) -> list[ConfiguredWitness]:
        """Witnesses behind the log whose backoff has run out."""
        size = logview.log_size(self.node)
        now = self.clock()
        return [
            w
            for w in list_witnesses(self.node.engine)
            if w.size < size and self.retries.get(w.name, _Retry()).next_at <= now
        ]

    def run_once(self) -> list[PushResult]:
        """One round: push to every due witness; record successes and failures."""
        witnesses = self.due()
        if not witnesses:
            return []
        results = []
        with httpx.Client(timeout=self.timeout) as client:
            for witness in witnesses:
                try:
                    result = push_to_witness(self.node, witness, client)
                except (WitnessPushError, TlogStoreError) as exc:
                    result = PushResult(witness.name, witness.size, 0, str(exc))
                self._record(result)
                results.append(result)
        return results

    def _record(self, result: PushResult) -> None:
        self.last[result.witness] = result
        retry = self.retries.setdefault(result.witness, _Retry())
        if result.error is None:
            retry.failures, retry.next_at = 0, 0.0
            return
        retry.failures += 1
        retry.next_at = self.clock() + self.delay(retry.failures)
        log.warning(
            "witness %s: push failed (%d in a row, next in %.0f s): %s",
            result.witness,
            retry.failures,
            self.delay(retry.failures),
            result.error,
        )

    async def run(self) -> None:
        """Rounds until cancelled; a round runs in a worker thread (it blocks on HTTP and
        the database), and nothing a round raises stops the next."""
        from starlette.concurrency import run_in_threadpool

        while True:
            try:
                await run_in_threadpool(self.run_once)
            except Exception:  # the node keeps serving; what failed goes to its log
                log.exception("witness push round failed")
            await asyncio.sleep(self.interval)

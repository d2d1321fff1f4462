"""What the store does with a submitted notification before the ledger's state judges it:
decode and parse it against the schema, refuse an unregistered party, canonicalise it once
(the log leaf and the signed message), check that bytes received were canonical and verify
the signature. None of it reads or changes the state, so a large batch is sent whole to the
worker processes of ``store.signature_pool`` (``PoolFeed``), which do all of it, while the
writer judges the notifications in order as their answers come (``LedgerStore.submit``). A
node sends what waits for the next batch while the batch before it commits
(``LedgerStore.prepare_ahead``): an answer prepared against parties or keys registered since
is not used, the notification is sent again with its batch.

The writer trusts a worker's record only when the worker verified its signature over the
record's own canonical bytes; a refusal comes back with its rule, from the same ``prepare``
the writer runs; anything else (no key verified it, an error, a dead pool) is judged again on
the writer's thread, which names the rule. So the pool moves work, never decides otherwise."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from treatyledger.ledger.canonical import Received, canonical_problem
from treatyledger.ledger.outcomes import Rule
from treatyledger.ledger.signing import canonical_bytes_of_leaf, leaf_bytes, sign
from treatyledger.ledger.state import candidate_keys
from treatyledger.model.errors import NotificationSchemaError
from treatyledger.model.notifications import Notification, parse_notification
from treatyledger.store import signature_pool


@dataclass(frozen=True, slots=True)
class Unsigned:
    """A party's own notification without its sequence number: ``submit`` gives it the party's
    next free number when it judges it, then signs it with ``key``."""

    draft: Mapping[str, Any]
    key: Ed25519PrivateKey

    def signed(self, sequence: int) -> Notification:
        """Raises NotificationSchemaError for a draft that is not a notification."""
        return sign(parse_notification({**self.draft, "sequence": sequence}), self.key)


Submitted = Notification | Mapping[str, Any] | Received | Unsigned


def _unverified() -> bool:
    return False


@dataclass(slots=True)
class Prepared:
    """A notification ready to be judged: its JSON ``record``, its log leaf ``signed`` and the
    bytes its signature covers (``message``; None when signatures are not verified).
    ``verified()`` is True when the pool verified the signature (False: not asked, or not
    verified there; the state then checks it itself)."""

    record: dict[str, Any]
    signed: bytes
    message: bytes | None
    verified: Callable[[], bool] = _unverified


@dataclass(frozen=True, slots=True)
class Refused:
    """Why a notification is rejected before the state sees it."""

    party: str
    sequence: int | None
    rule: str
    reason: str


def ref_of(data: Any) -> tuple[str, int | None]:
    """The party and sequence a submission claims, as far as it says (for its ack)."""
    if isinstance(data, Received):
        data = data.value
    if isinstance(data, Unsigned):
        data = data.draft
    if isinstance(data, Notification):
        return data.party, data.sequence
    if isinstance(data, Mapping):
        party = data.get("party")
        sequence = data.get("sequence")
        return (
            str(party)[:128] if party is not None else "?",
            sequence if isinstance(sequence, int) and not isinstance(sequence, bool) else None,
        )
    return "?", None


def prepare(
    each: Notification | Mapping[str, Any] | Received,
    parties: set[str] | frozenset[str],
    verify: bool,
) -> Prepared | Refused:
    """Everything about one notification that does not depend on the ledger's state."""
    received = each if isinstance(each, Received) else None
    if received is not None:
        if received.problem is not None:
            problem = received.problem
            return Refused(
                received.party, received.sequence or None, problem.rule.value, problem.reason
            )
        each = received.value
    try:
        notification = each if isinstance(each, Notification) else parse_notification(each)
    except NotificationSchemaError as exc:
        party, sequence = ref_of(each)
        return Refused(party, sequence, Rule.SCHEMA.value, str(exc))
    return _prepare_record(notification.to_json_dict(), received, parties, verify)


def _prepare_record(
    record: dict[str, Any],
    received: Received | None,
    parties: set[str] | frozenset[str],
    verify: bool,
) -> Prepared | Refused:
    """``prepare`` from the notification's JSON form (schema-valid)."""
    party = record["party"]
    sequence = record["sequence"]
    if party not in parties:
        reason = f"party {party} is not registered in this ledger (register its key)"
        return Refused(party, sequence, Rule.UNKNOWN_SIGNER.value, reason)
    # one canonicalization gives the log leaf and the signed message, before the state
    # changes: whatever fails here leaves the state as it was
    signed = leaf_bytes(record)
    if received is not None and received.raw != signed:
        problem_text = canonical_problem(received.raw, received.value, record, signed)
        if problem_text is not None:
            return Refused(party, sequence, Rule.NOT_CANONICAL.value, problem_text)
    message = canonical_bytes_of_leaf(record, signed) if verify else None
    return Prepared(record, signed, message)


# ---------------------------------------------------------------------- in the pool


@dataclass(frozen=True, slots=True)
class _Model:
    """A ``Notification`` sent to a worker as its JSON form (already schema-valid)."""

    record: dict[str, Any]


#: what a worker is sent for one notification: bytes are a ``Received`` decoded there again
#: (the same strict decoding; pickling its decoded value cost the writer ~12 us of 13)
_Job = Mapping[str, Any] | Received | _Model | bytes
#: what it answers: the record and its log leaf, verified; a refusal; None (judged again on
#: the writer's thread, which names the rule: no verifying key, or an error)
_Answer = tuple[dict[str, Any], bytes] | Refused | None
#: party -> key id -> raw public key
RawKeys = dict[str, dict[str, bytes]]


def prepare_chunk(jobs: Sequence[_Job], parties: frozenset[str], keys: RawKeys) -> list[_Answer]:
    """In a worker: each notification prepared as the writer would (``prepare``), and its
    signature verified over the bytes the log will hold."""
    return [_prepare_verified(job, parties, keys) for job in jobs]


def _prepare_verified(job: _Job, parties: frozenset[str], keys: RawKeys) -> _Answer:
    try:
        if isinstance(job, _Model):
            ready = _prepare_record(job.record, None, parties, verify=True)
        elif isinstance(job, bytes):
            ready = prepare(Received.decode(job), parties, verify=True)
        else:
            ready = prepare(job, parties, verify=True)
        if isinstance(ready, Refused):
            return ready
        record = ready.record
        signature = signature_pool.decoded_signature(record.get("signature"))
        candidates = candidate_keys(keys.get(record["party"], {}), record)
        if signature is None or ready.message is None:
            return None
        if not signature_pool.verifies(signature, ready.message, candidates):
            return None
        return record, ready.signed
    except Exception:  # judged again on the writer's thread, which reports it
        return None


def _verified() -> bool:
    return True


def _job_of(each: Notification | Mapping[str, Any] | Received) -> _Job:
    if isinstance(each, Notification):
        return _Model(each.to_json_dict())
    if isinstance(each, Received):
        return each.raw  # without a problem (those are refused before): it decoded strictly
    return each


@dataclass(frozen=True, slots=True)
class Dispatched:
    """One notification sent to the pool: the ``offset``th answer of ``future``, prepared
    against the parties and keys of ``generation`` (``PoolFeed``)."""

    future: Future[list[_Answer]]
    offset: int
    generation: int

    def answer(self) -> Prepared | Refused | None:
        """The notification prepared and verified (or refused); None when the writer is to
        judge it alone (not verified there, or the worker died or failed)."""
        try:
            answer = self.future.result()[self.offset]
        except Exception:
            return None
        if answer is None or isinstance(answer, Refused):
            return answer
        signature_pool.count_verified(1)
        record, signed = answer
        # verified: the message is not needed again (the state hashes it for a duplicate)
        return Prepared(record, signed, None, _verified)


class PoolFeed:
    """What the pool prepares against: the ledger's parties and registered keys as of their
    last change, with a ``generation`` that every change advances. The set is replaced
    whole, so a thread dispatching ahead of the writer (``dispatch``) reads one consistent
    set, and an answer prepared against an older one is sent again (``answers``): parties
    and keys only grow, but a refusal of an unregistered party must not outlive its
    registration."""

    def __init__(self) -> None:
        self._args: tuple[int, frozenset[str], RawKeys] = (0, frozenset(), {})

    def update(self, parties: set[str], keys: Mapping[str, Mapping[str, Ed25519PublicKey]]) -> None:
        raw = {
            party: {kid: key.public_bytes_raw() for kid, key in party_keys.items()}
            for party, party_keys in keys.items()
        }
        self._args = (self._args[0] + 1, frozenset(parties), raw)

    def dispatch(
        self, batch: Sequence[Submitted], minimum: int = signature_pool.POOL_MIN
    ) -> list[Dispatched | None]:
        """``batch`` sent to the pool now (None for what the writer prepares itself: an
        ``Unsigned``, a line refused at once, or everything when there is no pool or the
        batch is under ``minimum``)."""
        pool = signature_pool.executor_for(len(batch), minimum)
        if pool is None:
            return [None] * len(batch)
        generation, parties, raw = self._args
        sent: list[Dispatched | None] = [None] * len(batch)
        size = signature_pool.chunk_size(len(batch))
        chunks: list[tuple[list[int], list[_Job]]] = [([], [])]
        for position, each in enumerate(batch):
            if isinstance(each, Unsigned):  # its sequence, so its bytes, depend on the state
                continue
            if isinstance(each, Received) and each.problem is not None:
                continue  # refused at once on the writer's thread
            if len(chunks[-1][1]) >= size:
                chunks.append(([], []))
            chunks[-1][0].append(position)
            chunks[-1][1].append(_job_of(each))
        for positions, jobs in chunks:
            if not jobs:
                continue
            try:
                future = pool.submit(prepare_chunk, jobs, parties, raw)
            except Exception:  # a broken or shut-down pool: the writer prepares these
                break
            for offset, position in enumerate(positions):
                sent[position] = Dispatched(future, offset, generation)
        return sent

    def answers(
        self,
        batch: Sequence[Submitted],
        ahead: Sequence[Dispatched | None] | None,
        minimum: int = signature_pool.POOL_MIN,
    ) -> list[Dispatched | None]:
        """For each notification of ``batch``, its answer to come: the one dispatched
        ``ahead`` when it was prepared against the parties and keys of now, else sent now
        with the rest (the writer then judges in order as the answers come)."""
        generation = self._args[0]
        handles: list[Dispatched | None] = [
            a if a is not None and a.generation == generation else None
            for a in (ahead or [None] * len(batch))
        ]
        missing = [position for position, h in enumerate(handles) if h is None]
        if missing:
            sent = self.dispatch([batch[position] for position in missing], minimum)
            for position, handle in zip(missing, sent, strict=True):
                handles[position] = handle
        return handles


def start_workers() -> list[Future[list[_Answer]]]:
    """Start the pool's workers now and have each load this module (about a second of CPU
    apiece), so that the first large batch does not wait for them; done when the futures are
    (empty: no pool)."""
    pool = signature_pool.executor_for(signature_pool.POOL_MIN)
    if pool is None:
        return []
    try:
        return [
            pool.submit(prepare_chunk, [], frozenset(), {}) for _ in range(signature_pool.workers())
        ]
    except Exception:  # a broken pool: the batches will find out, and the writer does the work
        return []

"""What the store does with a submitted notification before the ledger's state judges it:
decode and parse it against the schema, refuse an unregistered party, canonicalise it once
(the log leaf and the signed message) and check that bytes received were canonical. None of
it reads or changes the state, so a whole batch can be prepared first and its signatures
sent to the verification pool (``store.signature_pool``) while the writer judges the
notifications in order (``LedgerStore.submit``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from treatyledger.ledger.canonical import Received, canonical_problem
from treatyledger.ledger.outcomes import Rule
from treatyledger.ledger.signing import canonical_bytes_of_leaf, leaf_bytes, sign
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
    each: Notification | Mapping[str, Any] | Received, parties: set[str], verify: bool
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
    record = notification.to_json_dict()
    party = record["party"]
    sequence = record["sequence"]
    if party not in parties:
        reason = f"party {party} is not registered in this ledger (register its key)"
        return Refused(party, sequence, Rule.UNKNOWN_SIGNER.value, reason)
    # one canonicalization gives the log leaf and the signed message, before the state
    # changes: whatever fails here leaves the state as it was
    signed = leaf_bytes(record)
    if received is not None:
        problem_text = canonical_problem(received.raw, received.value, record)
        if problem_text is not None:
            return Refused(party, sequence, Rule.NOT_CANONICAL.value, problem_text)
    message = canonical_bytes_of_leaf(record, signed) if verify else None
    return Prepared(record, signed, message)


def prepare_batch(
    batch: Sequence[Submitted],
    parties: set[str],
    signing_keys: Callable[[Mapping[str, Any]], list[Ed25519PublicKey]],
) -> dict[int, Prepared]:
    """The signed notifications of a batch prepared, their signatures sent to the pool;
    empty when the batch is verified on the writer's thread (small, or no pool). What fails
    here, or is refused, is left out: the writer judges it again by itself."""
    checks = signature_pool.start_checks(len(batch))
    if checks is None:
        return {}
    prepared: dict[int, Prepared] = {}
    for position, each in enumerate(batch):
        if isinstance(each, Unsigned):  # its sequence, so its bytes, depend on the state
            continue
        try:
            ready = prepare(each, parties, verify=True)
        except Exception:  # judged again on the writer's thread, which reports it
            continue
        if isinstance(ready, Prepared) and ready.message is not None:
            record = ready.record
            keys = signing_keys(record)
            ready.verified = checks.add(record.get("signature"), ready.message, keys)
            prepared[position] = ready
    checks.flush()
    return prepared

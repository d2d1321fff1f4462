"""What applying a notification can come to: an ``Outcome`` (accepted or duplicate, with its
flags) or a ``NotificationRejected`` naming the ``Rule`` it broke."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Rule(StrEnum):
    """Why a notification is rejected (or flagged)."""

    SEQUENCE_GAP = "sequence.gap"
    SEQUENCE_REPLAY = "sequence.replay"
    SIGNATURE_MISSING = "signature.missing"
    SIGNATURE_INVALID = "signature.invalid"
    UNKNOWN_SIGNER = "signature.unknown_signer"
    SCHEMA = "schema.mismatch"
    NOT_JSON = "encoding.not_json"
    DUPLICATE_KEY = "encoding.duplicate_key"
    NOT_CANONICAL = "encoding.not_canonical"
    INTERNAL = "internal.error"
    UID_UNKNOWN = "uid.unknown"
    UID_DUPLICATE = "uid.duplicate"
    UID_FOREIGN = "uid.foreign"
    UID_OTHER_PARTY = "uid.other_party"
    SYSTEM_TYPE_UNKNOWN = "system_type.unknown"
    ILLEGAL_TRANSITION = "transition.illegal"
    TERMINAL = "transition.terminal"
    CAPACITY = "containment.capacity"
    TWO_PLACES = "containment.two_places"
    CONTAINER_KIND = "containment.kind"
    NOT_IN_CONTAINER = "containment.not_in_container"
    NOT_EMPTY = "containment.not_empty"
    EFFECTIVE_ORDER = "effective_time.order"
    FUTURE = "time.future"
    CORRECTION_TARGET = "correction.target"
    CORRECTION_INVALIDATES = "correction.invalidates"
    # flags on accepted notifications
    LATE = "deadline.late"
    THIRD_STATE_TRANSFER = "transfer.third_state"


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of applying one notification: ``accepted`` (state changed, or a ledger-neutral
    kind recorded) or ``duplicate`` (the same content was already accepted; nothing changed)."""

    party: str
    sequence: int
    status: str  # "accepted" | "duplicate"
    late: bool = False
    flags: tuple[str, ...] = ()
    touched: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.party}#{self.sequence}"

"""Escrow commitments published in the party's transparency log, and read back from it.

A party publishes a commitment as an ``escrow_commitment`` notification whose payload is the
public commitment without ``party`` (the envelope names the party). A verifier who holds the
party's log key takes the commitment from a *log entry document* instead of a loose file:

    {"format": "treatyledger-escrow-log-entry/v1",
     "entry": "<the log entry: the signed notification, exactly the logged bytes, as text>",
     "proof": "<a C2SP tlog-proof bundle: index, inclusion proof, signed checkpoint>"}

``read_logged_commitment`` checks, in order: the checkpoint is signed by the log key, the entry
is the leaf at the bundle's index under that checkpoint, the entry is an ``escrow_commitment``
notification, and the notification's party owns the log (the origin names it). Only then is
the payload turned into a ``Commitment``. The log key signs checkpoints with the party's key,
so inclusion under a signed checkpoint is the party's endorsement of the entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from treatyledger.escrow.commitment import Commitment, _parse, parse_commitment
from treatyledger.escrow.errors import LogEntryError, MalformedEscrowDocument
from treatyledger.model.errors import NotificationSchemaError
from treatyledger.model.notifications import Notification, NotificationKind, parse_notification
from treatyledger.tlog.entries import leaf_for_entry
from treatyledger.tlog.errors import EntryError
from treatyledger.tlog.verifier import (
    VerificationError,
    VerifiedCheckpoint,
    VerifierKey,
    parse_tlog_proof,
    verify_tlog_proof,
)

LOG_ENTRY_FORMAT: Final = "treatyledger-escrow-log-entry/v1"
#: An escrow_commitment entry stays far below this; the bound keeps hostile documents small.
MAX_ENTRY_CHARS = 1 << 20
MAX_PROOF_CHARS = 64 << 10


class LogEntryDocument(BaseModel):
    """A log entry with the proof that it is in the party's log."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["treatyledger-escrow-log-entry/v1"] = LOG_ENTRY_FORMAT
    entry: str = Field(min_length=1, max_length=MAX_ENTRY_CHARS)
    proof: str = Field(min_length=1, max_length=MAX_PROOF_CHARS)


@dataclass(frozen=True)
class LoggedCommitment:
    """A commitment read from a log entry whose inclusion was verified."""

    commitment: Commitment
    notification: Notification
    index: int
    checkpoint: VerifiedCheckpoint


def commitment_payload(commitment: Commitment) -> dict[str, Any]:
    """The ``escrow_commitment`` payload: the public commitment without ``party``."""
    public = commitment.public()
    del public["party"]
    return public


def commitment_of(notification: Notification) -> Commitment:
    """The commitment an ``escrow_commitment`` notification publishes."""
    if notification.kind is not NotificationKind.ESCROW_COMMITMENT:
        raise LogEntryError(
            f"log entry {notification.ref} is a {notification.kind.value} notification, "
            "expected escrow_commitment"
        )
    payload = notification.payload.model_dump(mode="json")
    return parse_commitment({**payload, "party": notification.party})


def parse_log_entry_document(data: Any) -> LogEntryDocument:
    result: LogEntryDocument = _parse(LogEntryDocument, data, "log entry")
    return result


def read_logged_commitment(document: LogEntryDocument, log_key: VerifierKey) -> LoggedCommitment:
    """The commitment of a log entry document, after verifying the entry is in the log of
    ``log_key`` (see the module docstring). Raises ``LogEntryError`` when it is not."""
    entry = document.entry.encode("utf-8")
    try:
        leaf = leaf_for_entry(entry)
        verified = verify_tlog_proof(document.proof, leaf, log_key)
    except (EntryError, VerificationError) as exc:
        raise LogEntryError(f"log entry is not in the log of {log_key.name}: {exc}") from None
    try:
        data = json.loads(document.entry)
        notification = parse_notification(data)
    except (ValueError, NotificationSchemaError) as exc:
        # Logged but unreadable: the log accepted something that is no notification.
        raise LogEntryError(f"log entry is not a notification: {exc}") from None
    origin = verified.checkpoint.origin
    if origin.rsplit("/", 1)[-1] != notification.party:
        raise LogEntryError(
            f"log entry {notification.ref} is of party {notification.party}, "
            f"but the log {origin} is another party's"
        )
    try:
        commitment = commitment_of(notification)
    except MalformedEscrowDocument as exc:
        raise LogEntryError(f"log entry {notification.ref}: {exc}") from None
    index = parse_tlog_proof(document.proof).index
    return LoggedCommitment(commitment, notification, index, verified)

"""Errors of the store: a workspace, record or run that is missing or malformed (exit 2), a
duplicate or a conflicting step (exit 3), a database that cannot be reached or a writer lock
held by another process (exit 4), a batch that could not be persisted (exit 4: nothing of it
was acknowledged), a stored log that cannot do what was asked (exit 1)."""

from __future__ import annotations

from treatyledger.errors import InputError, Refused, Unavailable, VerificationFailure


class RunNotFound(InputError):
    """No inspection with this id is stored."""


class DuplicateRun(Refused):
    """An inspection with this id is already stored."""


class RunConflict(Refused):
    """Another step of the same inspection was saved first."""


class EvidenceRequestError(InputError):
    """A notification or record asked for is not in the workspace."""


class InspectionRecordError(InputError):
    """A finding cannot be recorded: not this store's party, unknown type, or a duplicate."""


class DuplicateInspectionRecord(InspectionRecordError):
    """A record with the same id is already stored."""


class WitnessConfigError(InputError):
    """A configured witness is malformed or unknown."""


class DuplicatePrincipal(InputError):
    """An active principal of that name (or, astronomically unlikely, that token) exists
    already. A revoked principal's name is free: only active names are unique."""


class InventoryImportError(InputError):
    """An inventory cannot become this workspace's notifications."""


class WorkspaceBusy(Unavailable):
    """Another process holds the workspace's writer lock (exit 4)."""


class WorkspaceError(InputError):
    """A workspace is missing, malformed, or does not fit the request."""


class DatabaseUnavailable(Unavailable):
    """The workspace's database server cannot be reached."""


class KeyRegistrationError(InputError):
    """A public key is malformed or already belongs to another party."""


class ExportError(InputError):
    """The directory cannot take this log's tiles."""


class StoreError(Unavailable):
    """The store could not persist a batch; nothing of it was acknowledged (exit 4)."""


class BatchTooLarge(InputError):
    """A batch over the store's bound (``ledger_store.MAX_BATCH``); nothing was judged."""


class NotNeutral(InputError):
    """``publish_neutral`` was given a kind that changes the ledger."""


class PublishRefused(Refused):
    """The ledger refused a ledger-neutral notification (its rule and reason in the text)."""


class IssueNotFound(InputError):
    """No compliance issue with this id is stored."""


class TlogStoreError(VerificationFailure):
    """A stored log cannot do what was asked: a cosignature that does not verify, a tile of
    the wrong width, no checkpoint of that size (exit 1)."""


class LogNotFoundError(TlogStoreError):
    def __init__(self, log_id: str):
        super().__init__(f"no transparency log {log_id!r} in this database")


class UnknownCheckpoint(TlogStoreError):
    """The log never signed a checkpoint with the text a cosigner sent."""

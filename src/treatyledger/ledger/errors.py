"""Errors of the ledger: a rejected notification (a rule refuses it, exit 3), bytes that are not
strict JSON, a database notification to reconcile that does not exist (exit 2), a persisted
derived state of another format. ``EncodingProblem`` and ``DerivedFormatError`` stay
``ValueError``s: their callers turn them into a rejection or a full replay, never an exit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from treatyledger.errors import InputError, Refused

if TYPE_CHECKING:
    from treatyledger.ledger.outcomes import Rule


class NotificationRejected(Refused):
    """A notification was rejected and changed nothing. Names the notification (party,
    sequence), the rule and the offending item."""

    def __init__(
        self,
        message: str,
        *,
        party: str,
        sequence: int,
        rule: Rule,
        item: str | None = None,
    ):
        self.party = party
        self.sequence = sequence
        self.rule = rule
        self.item = item
        self.reason = message
        where = f"notification {party}#{sequence} rejected [{rule}]"
        if item:
            where += f" item {item}"
        super().__init__(f"{where}: {message}")


class EncodingProblem(ValueError):
    """Bytes that are not strict JSON (``rule``: ``encoding.not_json`` or
    ``encoding.duplicate_key``)."""

    def __init__(self, rule: Rule, reason: str):
        super().__init__(reason)
        self.rule = rule
        self.reason = reason


class DerivedFormatError(ValueError):
    """A persisted derived state of another format or shape."""


class ReconcileError(InputError):
    """The database notification to reconcile does not exist."""

"""Errors of the escrow area. Invalid openings are verification failures (exit 1); malformed
commitment, opening or plan documents are input errors (exit 2)."""

from __future__ import annotations

from treatyledger.errors import ExitCode, InputError


class EscrowError(InputError):
    """An escrow operation cannot be carried out (unknown key, bad parameters)."""


class MalformedEscrowDocument(EscrowError):
    """A commitment, secret, opening, total proof or plan does not match its schema."""

    exit_code = ExitCode.MALFORMED


class InvalidOpeningError(EscrowError):
    """An opening does not verify against its commitment; the message says why."""

    exit_code = ExitCode.INVALID


class LogEntryError(InvalidOpeningError):
    """The log entry is not a verified escrow commitment of the log's party (exit 1)."""

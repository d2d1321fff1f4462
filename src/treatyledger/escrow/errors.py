"""Errors of the escrow area. Invalid openings are verification failures (exit 1); malformed
commitment, opening or plan documents are input errors (exit 2)."""

from __future__ import annotations

from treatyledger.errors import TreatyLedgerError


class EscrowError(TreatyLedgerError):
    """An escrow operation cannot be carried out (unknown key, bad parameters)."""


class MalformedEscrowDocument(EscrowError):
    """A commitment, secret, opening, total proof or plan does not match its schema."""

    exit_code = 2


class InvalidOpeningError(EscrowError):
    """An opening does not verify against its commitment; the message says why."""

"""The exit-code vocabulary and the bases of every error. Each package's own errors live in
its ``errors.py`` (``treatyledger.model.errors``, ``treatyledger.ledger.errors``, ...) and derive
from one of the four bases here. Every error a user can act on says which notification, item,
rule or file position it concerns, what was expected and what was found."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What every command's exit status means (one vocabulary for the CLI and the verifiers)."""

    VALID = 0  # done / verified / within the limits
    INVALID = 1  # checked and did not verify (a bad proof, a fork, a failed audit)
    MALFORMED = 2  # a usage mistake or an input that cannot be read
    REJECTED = 3  # well-formed but refused by a rule (over a limit, a rejected notification)
    UNAVAILABLE = 4  # a peer, node, lock or database could not be reached or is held


class TreatyLedgerError(Exception):
    """Base of every error TreatyLedger raises on purpose.

    The CLI turns these into one line and a non-zero exit, never a traceback. The exit status
    is the class's ``exit_code``; derive from one of the four bases below to choose it.
    """

    exit_code: int = ExitCode.INVALID


class InputError(TreatyLedgerError):
    """A usage mistake or an input that cannot be read or means nothing (exit 2)."""

    exit_code = ExitCode.MALFORMED


class VerificationFailure(TreatyLedgerError):
    """Something was checked and did not verify: a proof, a signature, a fork (exit 1)."""

    exit_code = ExitCode.INVALID


class Refused(TreatyLedgerError):
    """Well-formed, but a rule refuses it: over a limit, a rejected notification (exit 3)."""

    exit_code = ExitCode.REJECTED


class Unavailable(TreatyLedgerError):
    """A peer, node, lock or database could not be reached or is held (exit 4)."""

    exit_code = ExitCode.UNAVAILABLE

"""Errors of inspections: refusals by a rule (a quota, a procedure step, a compliance issue:
exit 3), inputs that mean nothing (exit 2), a selection that does not reproduce and a
randomness round that yields no seed (exit 1), and ``CursorInvalidated``, which never leaves
the store's cache."""

from __future__ import annotations

from enum import StrEnum

from treatyledger.errors import InputError, Refused, VerificationFailure


class FaultKind(StrEnum):
    MISSING_COMMITMENT = "missing_commitment"
    WITHHELD_REVEAL = "withheld_reveal"
    WRONG_REVEAL = "wrong_reveal"
    LATE_COMMITMENT = "late_commitment"
    DUPLICATE = "duplicate"
    PREMATURE_REVEAL = "premature_reveal"
    NOT_A_PARTICIPANT = "not_a_participant"
    MALFORMED = "malformed"


class RandomnessError(VerificationFailure):
    """A randomness event was refused, or the round produced no seed; names the party."""

    def __init__(
        self,
        message: str,
        *,
        party: str | None = None,
        round_id: str | None = None,
        kind: FaultKind = FaultKind.MALFORMED,
    ):
        self.party = party
        self.kind = kind
        self.round_id = round_id
        super().__init__(message)


class SimulationError(InputError):
    """A regime or strategy is inconsistent (e.g. more tainted items than items)."""


class IssueError(Refused):
    """A workflow step the Commission's procedure does not allow; names the issue."""


class SamplingError(InputError):
    """Sampling parameters are out of range (e.g. more non-compliant items than items)."""


class QuotaExceededError(Refused):
    """Planning an inspection beyond the annual quota of its type."""


class NoEligibleSiteError(InputError):
    """No declared site qualifies for this inspection type."""


class SelectionMismatchError(VerificationFailure):
    """A claimed selection differs from the one recomputed from seed, inventory and rules."""


class GameError(InputError):
    """Game parameters are out of range or the game could not be solved."""


class CursorInvalidated(Exception):
    """The cursor cannot answer (a moment before its own, or records that rewrite its past)."""


class ProcedureError(Refused):
    """A step of an inspection the Protocol (as the rule set encodes it) does not allow."""


class MaterialBalanceError(InputError):
    """Material-balance inputs are inconsistent (e.g. a covariance that is not positive)."""


class SequentialTestError(InputError):
    """Parameters of a sequential test are out of range."""

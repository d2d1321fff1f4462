"""Errors of the transparency log outside the standalone verifier (whose own errors,
``ProofError`` and the other ``VerificationError``s, stay in ``tlog/verifier`` so it runs without
TreatyLedger): an entry that cannot be a leaf, a tile path that names no tile, and the
witness's refusals, each with the HTTP status tlog-witness gives it. A refusal is a
verification failure (exit 1); a malformed request is exit 2."""

from __future__ import annotations

from typing import Any

from treatyledger.errors import ExitCode, VerificationFailure
from treatyledger.tlog.verifier import ProofError


class EntryError(VerificationFailure):
    """An entry cannot be encoded as a leaf, or a leaf does not match an entry."""


class TilePathError(ProofError):
    """A tile path that C2SP tlog-tiles does not allow."""


class WitnessError(VerificationFailure):
    """The witness refuses a checkpoint; ``status`` is the tlog-witness HTTP status."""

    status = 422


class MalformedRequestError(WitnessError):
    status = 400
    exit_code = ExitCode.MALFORMED


class ForbiddenError(WitnessError):
    """No signature by a key trusted for the origin verifies."""

    status = 403


class UnknownLogError(WitnessError):
    status = 404


class BadProofError(WitnessError):
    """The consistency proof does not verify (which alone proves no fork)."""

    status = 422


class ConflictError(WitnessError):
    """The submitter's idea of the last accepted size is not the witness's, or the size is
    the held one with another root."""

    status = 409

    def __init__(self, origin: str, expected: int, found: int, message: str | None = None):
        self.expected_size = expected
        super().__init__(
            message or f"log {origin}: witness holds size {expected}, submitter assumed {found}"
        )


class EquivocationError(WitnessError):
    """Two checkpoints of one log cannot both be true; ``evidence`` proves it offline."""

    def __init__(self, message: str, evidence: dict[str, Any], status: int = 422):
        self.evidence = evidence
        self.status = status
        super().__init__(message)

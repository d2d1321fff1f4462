"""Errors of the node: what a route answers as problem+json (``Problem``), a batch or a rate
limit that does not parse, a principal that cannot be added, a key in no form it can have
(exit 2), what the peer answers that does not verify or a mirror refuses (exit 1), a peer or
witness that cannot be reached (exit 4). ``BodyTooLarge`` stays in ``node/limits.py``: it is
Starlette's ``HTTPException``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from treatyledger.errors import ExitCode, InputError, Unavailable, VerificationFailure

if TYPE_CHECKING:
    from pathlib import Path


class Problem(Exception):
    """An error a route returns to its caller as problem+json."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        problem: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.problem = problem
        self.headers = headers
        self.extensions = extensions


class BatchError(ValueError):
    """The body is not ``{"notifications": [...]}`` with 1..max notifications (a 422)."""


class RateLimitError(ValueError):
    """A limit that does not parse, or names no role."""


class PrincipalError(InputError):
    """A principal cannot be added or found."""


class KeyFormatError(InputError):
    """A party's public key given in no form it can have, or as another party's key."""


class PeerError(VerificationFailure):
    """The peer node answered something this node cannot accept."""


class PeerUnavailable(PeerError):
    """The peer could not be reached or stopped answering; run the sync again to resume."""

    exit_code = ExitCode.UNAVAILABLE


class PeerVerificationFailed(PeerError):
    """A checkpoint, proof or entry from the peer does not verify."""


class ForkDetected(PeerError):
    """The peer's log contradicts a checkpoint it signed earlier; evidence was written."""

    def __init__(self, message: str, evidence_path: Path):
        self.evidence_path = evidence_path
        super().__init__(f"{message}; equivocation evidence written to {evidence_path}")


class MirrorRejected(VerificationFailure):
    """A notification in the peer's log does not validate: the peer logged something invalid."""


class WitnessPushError(Unavailable):
    """A witness could not be reached or refused the checkpoint."""

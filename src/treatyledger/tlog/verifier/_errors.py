"""The verifier's errors: every check raises a ``VerificationError`` subclass."""

from __future__ import annotations

try:  # inside TreatyLedger the CLI reports these as one line; standalone they are Exceptions
    from treatyledger.errors import TreatyLedgerError as _ErrorBase
except ImportError:  # pragma: no cover - only when this package is copied out on its own
    _ErrorBase = Exception  # type: ignore[assignment,misc]


class VerificationError(_ErrorBase):
    """Something handed to the verifier is not what it claims to be."""

    exit_code = 1


class ProofError(VerificationError):
    """A proof or its parameters are invalid (wrong size, index out of range, bad hash)."""


class RootMismatchError(ProofError):
    """A proof computes a different root from the one expected."""

    def __init__(self, what: str, expected: bytes, calculated: bytes):
        self.expected = expected
        self.calculated = calculated
        super().__init__(
            f"{what} mismatch: calculated {calculated.hex()}, expected {expected.hex()}"
        )


class NoteError(VerificationError):
    """A signed note, verifier key or signature line is malformed."""


class SignatureError(VerificationError):
    """A signature does not verify, or no trusted key signed the note."""


class CheckpointError(VerificationError):
    """A checkpoint body is malformed or is not the expected log's."""


class EvidenceError(VerificationError):
    """An equivocation evidence file is malformed or does not prove equivocation."""

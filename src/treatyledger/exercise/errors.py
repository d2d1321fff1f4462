"""Errors of the decade exercise: a node that refuses what the exercise sent it (exit 3; a bug,
as every notification it sends is legal), a witness that refuses a checkpoint or an evidence
bundle that cannot be written or does not verify (exit 1)."""

from __future__ import annotations

from treatyledger.errors import Refused, VerificationFailure


class EvidenceError(VerificationFailure):
    """A witness refused a checkpoint or a bundle could not be written."""


class ExerciseError(Refused):
    """A node refused what the exercise sent it (a bug: every notification is legal)."""

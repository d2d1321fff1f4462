"""Errors of the analyses: parameters that mean nothing (exit 2)."""

from __future__ import annotations

from treatyledger.errors import InputError


class AnalysisParameterError(InputError):
    """The upload-parameter data is malformed or does not fit the catalog or inventory."""

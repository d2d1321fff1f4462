"""Errors of the command line: an option value, argument or file it cannot use (exit 2), a
bundle that does not verify (exit 1), a node that refuses a batch ``notify --node`` sent
(exit 3) or cannot be reached (exit 4). Command modules import this at their top, so it imports
only ``treatyledger.errors``."""

from __future__ import annotations

from treatyledger.errors import InputError, Refused, Unavailable, VerificationFailure


class CommandLineError(InputError):
    """An option value or input the command cannot use."""


class MalformedInputError(InputError):
    """An argument or file cannot be parsed (exit 2)."""


class InvalidBundleError(VerificationFailure):
    """A bundle or an opening in it does not verify (exit 1)."""


class CannotVerify(InputError):
    """The verifier lacks what it needs (the rule set a document names)."""


class NodeRefused(Refused):
    """The node refused a whole batch (a wrong token, another party's line, too large)."""


class NodeUnavailable(Unavailable):
    """The node could not be reached or failed to store a batch."""

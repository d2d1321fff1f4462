"""Errors of the rule sets and counting: a rule set that does not match its schema, a clause
that cannot be applied to a row. Both are input errors (exit 2)."""

from __future__ import annotations

from treatyledger.errors import InputError


class RuleSetError(InputError):
    """A rule set is missing or does not match the rule-set schema."""


class CountingError(InputError):
    """A clause cannot be applied to a row (e.g. its type lacks the attributed figure), or a
    row's party is not bound by the treaty."""

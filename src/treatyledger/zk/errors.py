"""Errors of making limit proofs (``zk/limits.py``): a proof that cannot be made as asked (exit 2),
a total over its limit (nothing true to prove: exit 1, as ``zk prove`` documents), a malformed
secret (exit 2). The standalone verifier's errors (``GroupError``, ``RangeProofError``,
``LimitProofError``, ``MalformedLimitProof``) stay in ``ristretto``, ``rangeproof`` and
``verifier``, which import only the standard library, pysodium and each other."""

from __future__ import annotations

from treatyledger.errors import ExitCode, InputError


class ZkError(InputError):
    """A limit proof cannot be made as asked (unknown category, no limit, too many bases)."""


class OverLimitError(ZkError):
    """The total is over the limit: there is nothing true to prove (exit 1)."""

    exit_code = ExitCode.INVALID

    def __init__(self, category: str, total: int, limit: int) -> None:
        self.category = category
        self.total = total
        self.limit = limit
        self.excess = total - limit
        super().__init__(
            f"category {category}: total {total} is over the limit {limit} by {self.excess}; "
            "a force over the limit cannot be proven within it"
        )


class MalformedSecret(ZkError):
    """A limit secret does not match its format."""

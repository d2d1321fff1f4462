"""The Fiat-Shamir transcript of the zk proofs (part of the standalone zk verifier).

A running SHA-512 over labelled, length-prefixed records. Prover and verifier append the same
records in the same order (the whole public statement first, then each proof element as the
prover sends it) and draw each challenge from the hash of everything so far: the strong
Fiat-Shamir transform, in which a challenge depends on the statement as well as on the proof
(Bernhard, Pereira and Warinschi, "How not to prove yourself", ASIACRYPT 2012, show what goes
wrong when the statement is left out).

Record encoding: tag (1 byte: 0x01 a message, 0x02 a challenge) || len(label) (4 bytes,
big-endian) || label || len(data) (8 bytes, big-endian) || data. A challenge is the SHA-512 of
the state with the challenge record for its label appended, reduced modulo the group order;
the 64-byte digest is then absorbed, so every later challenge depends on every earlier one.
"""

from __future__ import annotations

import hashlib

from treatyledger.zk.ristretto import GroupError, scalar_bytes, scalar_from_wide

_MESSAGE = b"\x01"
_CHALLENGE = b"\x02"


class Transcript:
    """A Fiat-Shamir transcript; ``domain`` names the protocol and its version."""

    def __init__(self, domain: bytes) -> None:
        self._state = hashlib.sha512()
        self.append(b"domain-separator", domain)

    def _record(self, tag: bytes, label: bytes, data: bytes) -> bytes:
        return tag + len(label).to_bytes(4, "big") + label + len(data).to_bytes(8, "big") + data

    def append(self, label: bytes, data: bytes) -> None:
        self._state.update(self._record(_MESSAGE, label, data))

    def append_u64(self, label: bytes, value: int) -> None:
        self.append(label, value.to_bytes(8, "big"))

    def append_scalar(self, label: bytes, value: int) -> None:
        self.append(label, scalar_bytes(value))

    def challenge(self, label: bytes) -> int:
        """A challenge scalar (never zero: zero would make the protocols' inverses fail)."""
        record = self._record(_CHALLENGE, label, b"")
        state = self._state.copy()
        state.update(record)
        digest = state.digest()
        self._state.update(record + digest)
        value = scalar_from_wide(digest)
        if value == 0:  # probability 2^-252
            raise GroupError(f"challenge {label.decode()} is zero")
        return value

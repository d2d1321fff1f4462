"""A witness: a verifier that keeps, per log, the last checkpoint it accepted and cosigns a
new one only after a consistency proof from that checkpoint verifies (C2SP tlog-witness
semantics). Shown two checkpoints that cannot both be true, it raises EquivocationError
carrying self-contained evidence. Pure: the clock is a parameter, state is a dict the
caller may persist (origin -> last accepted signed checkpoint note)."""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping, Sequence
from typing import Any

from treatyledger.errors import TreatyLedgerError
from treatyledger.tlog.cosignature import cosignature_line
from treatyledger.tlog.evidence import inconsistency_evidence, same_size_evidence
from treatyledger.tlog.hashing import RFC6962
from treatyledger.tlog.note import NoteSigner, parse_note
from treatyledger.tlog.verifier import (
    Checkpoint,
    ProofError,
    VerifierKey,
    consistency_proof_roots,
    decode_hash,
    parse_checkpoint,
    verify_checkpoint,
    verify_consistency,
)

__all__ = [
    "ConflictError",
    "EquivocationError",
    "Witness",
    "WitnessError",
    "parse_add_checkpoint",
]


class WitnessError(TreatyLedgerError):
    """The witness refuses a checkpoint (unknown log, bad signature, bad proof)."""


class ConflictError(WitnessError):
    """The submitter's idea of the last accepted size is not the witness's."""

    def __init__(self, origin: str, expected: int, found: int):
        self.expected_size = expected
        super().__init__(f"log {origin}: witness holds size {expected}, submitter assumed {found}")


class EquivocationError(WitnessError):
    """Two checkpoints of one log cannot both be true; ``evidence`` proves it offline."""

    def __init__(self, message: str, evidence: dict[str, Any]):
        self.evidence = evidence
        super().__init__(message)


class Witness:
    def __init__(
        self,
        cosigner: NoteSigner,
        log_keys: Iterable[VerifierKey],
        state: MutableMapping[str, str] | None = None,
    ):
        self.cosigner = cosigner
        self.log_keys = {key.name: key for key in log_keys}
        self.state: MutableMapping[str, str] = {} if state is None else state

    def latest(self, origin: str) -> Checkpoint | None:
        note = self.state.get(origin)
        return None if note is None else parse_checkpoint(parse_note(note).text)

    def _verify(self, signed_checkpoint: str) -> tuple[VerifierKey, Checkpoint]:
        origin = parse_note(signed_checkpoint).text.split("\n", 1)[0]
        key = self.log_keys.get(origin)
        if key is None:
            raise WitnessError(f"unknown log {origin!r}: no trusted log key of that name")
        return key, verify_checkpoint(signed_checkpoint, key).checkpoint

    def add_checkpoint(
        self,
        signed_checkpoint: str,
        proof: Sequence[bytes],
        *,
        now: int,
        old_size: int | None = None,
    ) -> str:
        """Check ``signed_checkpoint`` against the last accepted one with ``proof`` (a
        consistency proof from that size); on success remember it and return this witness's
        cosignature line. ``old_size`` is the size the submitter believes the witness holds."""
        key, new = self._verify(signed_checkpoint)
        previous_note = self.state.get(new.origin)
        held = 0 if previous_note is None else self._verify(previous_note)[1].size
        if old_size is not None and old_size != held:
            raise ConflictError(new.origin, held, old_size)
        if previous_note is not None:
            if new.size < held:
                raise ConflictError(new.origin, held, new.size)
            self._check_pair(key, previous_note, signed_checkpoint, proof)
        self.state[new.origin] = signed_checkpoint
        return cosignature_line(self.cosigner, new.text(), now)

    def compare(self, signed_checkpoint: str, proof: Sequence[bytes] = ()) -> None:
        """Gossip: check a checkpoint someone else saw against the one held, in either
        direction (``proof`` goes from the smaller size to the larger). Changes nothing."""
        key, other = self._verify(signed_checkpoint)
        held_note = self.state.get(other.origin)
        if held_note is None:
            raise WitnessError(f"log {other.origin}: no checkpoint held to compare with")
        held = self._verify(held_note)[1]
        if other.size >= held.size:
            self._check_pair(key, held_note, signed_checkpoint, proof)
        else:
            self._check_pair(key, signed_checkpoint, held_note, proof)

    def _check_pair(
        self, key: VerifierKey, small_note: str, large_note: str, proof: Sequence[bytes]
    ) -> None:
        small = verify_checkpoint(small_note, key).checkpoint
        large = verify_checkpoint(large_note, key).checkpoint
        if small.size == large.size:
            if small.root != large.root:
                raise EquivocationError(
                    f"log {key.name} signed two roots for size {small.size}",
                    same_size_evidence(key, small_note, large_note),
                )
            return
        if small.size == 0:
            return
        try:
            verify_consistency(RFC6962, small.size, large.size, proof, small.root, large.root)
        except ProofError as exc:
            # A bad proof alone proves nothing; it proves a fork only if it binds the larger
            # root to a different prefix root (possible when it carries that root: size1 not
            # a power of two).
            try:
                prefix, implied = consistency_proof_roots(
                    RFC6962, small.size, large.size, proof, small.root
                )
            except ProofError:
                prefix, implied = small.root, b""
            if implied == large.root and prefix != small.root:
                raise EquivocationError(
                    f"log {key.name}: size {large.size} does not extend size {small.size}",
                    inconsistency_evidence(key, small_note, large_note, prefix, proof),
                ) from exc
            raise WitnessError(
                f"log {key.name}: consistency proof {small.size} -> {large.size} "
                f"does not verify: {exc}"
            ) from exc


def parse_add_checkpoint(body: str) -> tuple[int, list[bytes], str]:
    """Parse a C2SP tlog-witness add-checkpoint request body: ``old <size>``, the consistency
    proof (one base64 hash per line), a blank line, then the signed checkpoint."""
    head, sep, note = body.partition("\n\n")
    if not sep:
        raise WitnessError("add-checkpoint: no blank line before the checkpoint")
    lines = head.split("\n")
    first = lines[0]
    if not first.startswith("old ") or not first[4:].isdigit() or not first[4:].isascii():
        raise WitnessError(f"add-checkpoint: expected 'old <size>', found {first[:80]!r}")
    if len(lines) - 1 > 64:
        raise WitnessError(f"add-checkpoint: {len(lines) - 1} proof lines, at most 64")
    try:
        proof = [decode_hash(line, what="add-checkpoint proof line") for line in lines[1:]]
    except ProofError as exc:
        raise WitnessError(str(exc)) from exc
    return int(first[4:]), proof, note

"""A witness: a verifier that keeps, per log, the last checkpoint it accepted and cosigns a
new one only after a consistency proof from that checkpoint verifies (C2SP tlog-witness,
https://c2sp.org/tlog-witness). Shown two checkpoints that cannot both be true, it raises
EquivocationError carrying self-contained evidence. Pure: the clock is a parameter, state is
a mapping the caller may persist (origin -> last accepted signed checkpoint note); the caller
makes check-and-update atomic (the spec's rollback race).

Also the protocol's wire formats, both sides: ``add_checkpoint_body`` /
``parse_add_checkpoint`` (request), ``parse_cosignature_lines`` (200 response),
``conflict_body`` / ``parse_conflict_body`` (409 ``text/x.tlog.size``). Each refusal carries
the HTTP status the spec gives it (``WitnessError.status``)."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, MutableMapping, Sequence

from treatyledger.tlog.cosignature import cosignature_line
from treatyledger.tlog.errors import (
    BadProofError,
    ConflictError,
    EquivocationError,
    ForbiddenError,
    MalformedRequestError,
    UnknownLogError,
    WitnessError,
)
from treatyledger.tlog.evidence import inconsistency_evidence, same_size_evidence
from treatyledger.tlog.hashing import RFC6962
from treatyledger.tlog.note import Signer, parse_note
from treatyledger.tlog.verifier import (
    Checkpoint,
    CheckpointError,
    NoteError,
    ProofError,
    SignatureError,
    VerificationError,
    VerifierKey,
    consistency_proof_roots,
    decode_hash,
    parse_checkpoint,
    parse_decimal,
    verify_checkpoint,
    verify_consistency,
    verify_note,
)

__all__ = [
    "CONFLICT_CONTENT_TYPE",
    "MAX_PROOF_LINES",
    "Witness",
    "add_checkpoint_body",
    "conflict_body",
    "parse_add_checkpoint",
    "parse_conflict_body",
    "parse_cosignature_lines",
]

CONFLICT_CONTENT_TYPE = "text/x.tlog.size"
MAX_PROOF_LINES = 63  # tlog-witness: a client MUST NOT send more
MAX_REQUEST_BYTES = 1 << 20


def _keys_by_origin(
    log_keys: Iterable[VerifierKey] | Mapping[str, Iterable[VerifierKey]],
) -> dict[str, list[VerifierKey]]:
    """Trusted keys per origin. A plain list of keys trusts each for the origin of its name
    (what TreatyLedger's logs use); a mapping says which origin each key signs for."""
    if isinstance(log_keys, Mapping):
        return {origin: list(keys) for origin, keys in log_keys.items()}
    out: dict[str, list[VerifierKey]] = {}
    for key in log_keys:
        out.setdefault(key.name, []).append(key)
    return out


class Witness:
    def __init__(
        self,
        cosigner: Signer | Sequence[Signer],
        log_keys: Iterable[VerifierKey] | Mapping[str, Iterable[VerifierKey]],
        state: MutableMapping[str, str] | None = None,
    ):
        self.cosigners: tuple[Signer, ...] = (
            tuple(cosigner) if isinstance(cosigner, Sequence) else (cosigner,)
        )
        if not self.cosigners:
            raise ValueError("a witness needs at least one cosigner key")
        self.log_keys = _keys_by_origin(log_keys)
        self.state: MutableMapping[str, str] = {} if state is None else state

    @property
    def cosigner(self) -> Signer:
        return self.cosigners[0]

    def latest(self, origin: str) -> Checkpoint | None:
        note = self.state.get(origin)
        return None if note is None else parse_checkpoint(parse_note(note).text)

    def verify(self, signed_checkpoint: str) -> tuple[VerifierKey, Checkpoint]:
        """The trusted key that signed ``signed_checkpoint`` and its checkpoint; 404 for an
        unknown origin, 403 when no trusted key's signature verifies."""
        try:
            text = parse_note(signed_checkpoint).text
            origin = parse_checkpoint(text).origin
        except (NoteError, CheckpointError) as exc:
            raise MalformedRequestError(f"add-checkpoint: {exc}") from exc
        keys = self.log_keys.get(origin)
        if not keys:
            raise UnknownLogError(f"unknown log {origin!r}: no trusted log key for that origin")
        failures = []
        for key in keys:
            try:
                return key, verify_checkpoint(signed_checkpoint, key, origin=origin).checkpoint
            except VerificationError as exc:
                failures.append(str(exc))
        raise ForbiddenError(f"log {origin}: no trusted signature verifies ({failures[0]})")

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
        cosignature lines over the note body received, byte for byte. ``old_size`` is the
        size the submitter believes the witness holds (None: trust the witness's own)."""
        key, new = self.verify(signed_checkpoint)
        if old_size is not None and old_size > new.size:
            raise MalformedRequestError(
                f"log {new.origin}: old size {old_size} is above the checkpoint size {new.size}"
            )
        if old_size == 0 and proof:
            raise MalformedRequestError("add-checkpoint: the proof must be empty from size 0")
        previous_note = self.state.get(new.origin)
        held = 0 if previous_note is None else self.verify(previous_note)[1].size
        if old_size is not None and old_size != held:
            raise ConflictError(new.origin, held, old_size)
        if previous_note is not None:
            if new.size < held:
                raise ConflictError(new.origin, held, new.size)
            self._check_pair(key, previous_note, signed_checkpoint, proof)
        self.state[new.origin] = signed_checkpoint
        return "".join(cosignature_line(c, new.text(), now) for c in self.cosigners)

    def compare(self, signed_checkpoint: str, proof: Sequence[bytes] = ()) -> None:
        """Gossip: check a checkpoint someone else saw against the one held, in either
        direction (``proof`` goes from the smaller size to the larger). Changes nothing."""
        key, other = self.verify(signed_checkpoint)
        held_note = self.state.get(other.origin)
        if held_note is None:
            raise WitnessError(f"log {other.origin}: no checkpoint held to compare with")
        held = self.verify(held_note)[1]
        if other.size >= held.size:
            self._check_pair(key, held_note, signed_checkpoint, proof)
        else:
            self._check_pair(key, signed_checkpoint, held_note, proof)

    def _check_pair(
        self, key: VerifierKey, small_note: str, large_note: str, proof: Sequence[bytes]
    ) -> None:
        small = self.verify(small_note)[1]
        large = self.verify(large_note)[1]
        if small.size == large.size:
            if small.root != large.root:
                raise EquivocationError(
                    f"log {small.origin} signed two roots for size {small.size}",
                    same_size_evidence(key, small_note, large_note),
                    status=409,
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
                    f"log {small.origin}: size {large.size} does not extend size {small.size}",
                    inconsistency_evidence(key, small_note, large_note, prefix, proof),
                ) from exc
            raise BadProofError(
                f"log {small.origin}: consistency proof {small.size} -> {large.size} "
                f"does not verify: {exc}"
            ) from exc


# --------------------------------------------------------------------------- wire formats


def add_checkpoint_body(old_size: int, proof: Sequence[bytes], signed_checkpoint: str) -> str:
    """The tlog-witness add-checkpoint request body."""
    if len(proof) > MAX_PROOF_LINES:
        raise MalformedRequestError(f"add-checkpoint: {len(proof)} proof lines, at most 63")
    lines = [f"old {old_size}", *(base64.b64encode(h).decode() for h in proof)]
    return "\n".join(lines) + "\n\n" + signed_checkpoint


def parse_add_checkpoint(body: str | bytes) -> tuple[int, list[bytes], str]:
    """Parse a C2SP tlog-witness add-checkpoint request body: ``old <size>``, the consistency
    proof (one base64 hash per line, at most 63), a blank line, then the signed checkpoint."""
    if isinstance(body, bytes):
        if len(body) > MAX_REQUEST_BYTES:
            raise MalformedRequestError(f"add-checkpoint: body over {MAX_REQUEST_BYTES} bytes")
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedRequestError("add-checkpoint: body is not UTF-8") from exc
    head, sep, note = body.partition("\n\n")
    if not sep:
        raise MalformedRequestError("add-checkpoint: no blank line before the checkpoint")
    lines = head.split("\n")
    first = lines[0]
    if not first.startswith("old "):
        raise MalformedRequestError(f"add-checkpoint: expected 'old <size>', found {first[:80]!r}")
    try:
        old_size = parse_decimal(first[4:], "add-checkpoint old size")
    except ProofError as exc:
        raise MalformedRequestError(str(exc)) from exc
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise MalformedRequestError(
            f"add-checkpoint: {len(lines) - 1} proof lines, at most {MAX_PROOF_LINES}"
        )
    try:
        proof = [decode_hash(line, what="add-checkpoint proof line") for line in lines[1:]]
    except ProofError as exc:
        raise MalformedRequestError(str(exc)) from exc
    return old_size, proof, note


def parse_cosignature_lines(
    body: str, signed_checkpoint: str, witness_keys: Iterable[VerifierKey]
) -> list[str]:
    """The cosignature lines of a 200 add-checkpoint response that verify on
    ``signed_checkpoint`` under ``witness_keys``; lines by unknown keys are ignored (the spec
    says so); a line by a known key that does not verify is an error."""
    keys = list(witness_keys)
    lines = [line for line in body.split("\n") if line]
    if not lines or not all(line.startswith("\u2014 ") for line in lines):
        raise SignatureError("add-checkpoint response: expected note signature lines")
    known = {(k.name, k.key_id) for k in keys}
    opened = verify_note(signed_checkpoint + "".join(f"{line}\n" for line in lines), keys)
    return [
        sig.line for sig in opened.verified if (sig.name, sig.key_id) in known and sig.line in lines
    ]


def conflict_body(held_size: int) -> str:
    return f"{held_size}\n"


def parse_conflict_body(body: str) -> int:
    """The held size of a 409 ``text/x.tlog.size`` response."""
    if not body.endswith("\n") or "\n" in body[:-1]:
        raise MalformedRequestError("409 response: expected one line with the held size")
    try:
        return parse_decimal(body[:-1], "409 held size")
    except ProofError as exc:
        raise MalformedRequestError(str(exc)) from exc

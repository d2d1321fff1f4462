"""Joint randomness by commit-then-reveal, so that neither party can bias an inspection draw.

Protocol for one round (``round_id``) among the named parties:

1. each party publishes ``randomness_commit {round_id, commitment}`` with
   ``commitment = SHA-256(value || salt)``, value and salt 32 random bytes each (fixed lengths
   make the split of ``value || salt`` unambiguous: with free lengths a party could move bytes
   between value and salt and open one commitment to two values);
2. once every commitment is in, each party publishes ``randomness_reveal {round_id, value,
   salt}``;
3. the seed is SHA-256 over a domain tag, the round id and every party's value in party-id
   order.

Ordering defeats grinding: a commitment that arrives after any reveal of its round is refused,
so no party can choose its value after seeing another's. A party that never reveals, or
reveals a value that does not open its commitment, is reported by name; the round then yields
no seed. The order of events is the order in which they reached the protocol record (the
merged logs as the verifier sees them), not a time a party wrote into its own notification.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from treatyledger.inspect.errors import FaultKind, RandomnessError
from treatyledger.model.notifications import (
    Notification,
    RandomnessCommitPayload,
    RandomnessRevealPayload,
)

VALUE_BYTES = 32
SALT_BYTES = 32
SEED_DOMAIN = b"treatyledger/joint-randomness/v1\n"


@dataclass(frozen=True)
class Fault:
    """One party's breach of the protocol, with the notification that shows it (if any)."""

    party: str
    kind: FaultKind
    detail: str
    evidence: str | None = None

    def __str__(self) -> str:
        where = f" ({self.evidence})" if self.evidence else ""
        return f"{self.party}: {self.kind}: {self.detail}{where}"


def commitment_of(value: bytes, salt: bytes) -> str:
    """Hex SHA-256 of ``value || salt`` (both of fixed length)."""
    _check_lengths(value, salt)
    return hashlib.sha256(value + salt).hexdigest()


def _check_lengths(value: bytes, salt: bytes) -> None:
    if len(value) != VALUE_BYTES or len(salt) != SALT_BYTES:
        raise RandomnessError(
            f"value and salt must be {VALUE_BYTES} and {SALT_BYTES} bytes, "
            f"got {len(value)} and {len(salt)}"
        )


def derive_seed(round_id: str, values: dict[str, bytes]) -> bytes:
    """Seed of a completed round: SHA-256 of the domain tag, round id and values by party id."""
    digest = hashlib.sha256(SEED_DOMAIN)
    digest.update(round_id.encode() + b"\n")
    for party in sorted(values):
        digest.update(party.encode() + b"\n" + values[party])
    return digest.digest()


@dataclass
class RandomnessRound:
    """State of one round; feed events in the order they were recorded."""

    round_id: str
    parties: tuple[str, ...]
    commitments: dict[str, str] = field(default_factory=dict)
    values: dict[str, bytes] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    _revealed_any: bool = False

    def __post_init__(self) -> None:
        if len(set(self.parties)) < 2:
            raise RandomnessError("joint randomness needs at least two distinct parties")
        self.parties = tuple(sorted(set(self.parties)))

    def commit(self, party: str, commitment: str, *, evidence: str | None = None) -> None:
        """Record a commitment; refused after any reveal of this round (no grinding)."""
        self._participant(party, evidence)
        if self._revealed_any:
            raise RandomnessError(
                f"round {self.round_id}: commitment by {party} refused: a reveal of this round "
                "was already published, so a commitment now could be chosen after seeing it",
                party=party,
                round_id=self.round_id,
                kind=FaultKind.LATE_COMMITMENT,
            )
        if party in self.commitments:
            raise RandomnessError(
                f"round {self.round_id}: {party} already committed",
                party=party,
                round_id=self.round_id,
                kind=FaultKind.DUPLICATE,
            )
        if len(commitment) != 64 or any(c not in "0123456789abcdef" for c in commitment):
            raise RandomnessError(
                f"round {self.round_id}: commitment by {party} is not 64 lower-case hex digits",
                party=party,
                round_id=self.round_id,
            )
        self.commitments[party] = commitment

    def reveal(self, party: str, value: bytes, salt: bytes, *, evidence: str | None = None) -> None:
        """Record a reveal; a reveal is refused until every party has committed."""
        self._participant(party, evidence)
        # Even a refused reveal made its value public: no commitment may follow it.
        self._revealed_any = True
        missing = [p for p in self.parties if p not in self.commitments]
        if missing:
            raise RandomnessError(
                f"round {self.round_id}: reveal by {party} refused: still waiting for the "
                f"commitment of {', '.join(missing)}",
                party=party,
                round_id=self.round_id,
                kind=FaultKind.PREMATURE_REVEAL,
            )
        if party in self.values or any(
            f.party == party and f.kind is FaultKind.WRONG_REVEAL for f in self.faults
        ):
            raise RandomnessError(
                f"round {self.round_id}: {party} already revealed",
                party=party,
                round_id=self.round_id,
                kind=FaultKind.DUPLICATE,
            )
        try:
            opened = commitment_of(value, salt)
        except RandomnessError as exc:
            self.faults.append(Fault(party, FaultKind.WRONG_REVEAL, str(exc), evidence))
            return
        if opened != self.commitments[party]:
            self.faults.append(
                Fault(
                    party,
                    FaultKind.WRONG_REVEAL,
                    f"reveal hashes to {opened}, committed {self.commitments[party]}",
                    evidence,
                )
            )
            return
        self.values[party] = value

    def _participant(self, party: str, evidence: str | None) -> None:
        if party not in self.parties:
            raise RandomnessError(
                f"round {self.round_id}: {party} is not a party of this round "
                f"({', '.join(self.parties)})",
                party=party,
                round_id=self.round_id,
                kind=FaultKind.NOT_A_PARTICIPANT,
            )

    def outcome(self) -> RoundOutcome:
        """Close the round: the seed, or every fault naming its party."""
        faults = list(self.faults)
        for party in self.parties:
            if party not in self.commitments:
                faults.append(Fault(party, FaultKind.MISSING_COMMITMENT, "never committed"))
            elif party not in self.values and not any(
                f.party == party and f.kind is FaultKind.WRONG_REVEAL for f in faults
            ):
                faults.append(
                    Fault(party, FaultKind.WITHHELD_REVEAL, "committed but never revealed")
                )
        if faults:
            return RoundOutcome(self.round_id, None, tuple(faults))
        return RoundOutcome(self.round_id, derive_seed(self.round_id, self.values), ())


@dataclass(frozen=True)
class RoundOutcome:
    round_id: str
    seed: bytes | None
    faults: tuple[Fault, ...]

    @property
    def faulty_parties(self) -> tuple[str, ...]:
        return tuple(sorted({f.party for f in self.faults}))

    def require_seed(self) -> bytes:
        if self.seed is None:
            raise RandomnessError(
                f"round {self.round_id} produced no seed: "
                + "; ".join(str(f) for f in self.faults),
                party=self.faulty_parties[0] if self.faults else None,
                round_id=self.round_id,
            )
        return self.seed


def evaluate_round(
    round_id: str, parties: Sequence[str], notifications: Iterable[Notification]
) -> RoundOutcome:
    """Replay the randomness notifications of one round, in recorded order.

    Events that the protocol refuses (a late commitment, a duplicate, a reveal before all
    commitments, an outsider) are not applied; each becomes a fault naming its party and its
    notification, so a verifier sees who broke the protocol and where.
    """
    state = RandomnessRound(round_id, tuple(parties))
    for notification in notifications:
        payload = notification.payload
        try:
            if isinstance(payload, RandomnessRevealPayload):
                if payload.round_id == round_id:
                    state.reveal(
                        notification.party,
                        bytes.fromhex(payload.value),
                        bytes.fromhex(payload.salt),
                        evidence=notification.ref,
                    )
            elif isinstance(payload, RandomnessCommitPayload) and payload.round_id == round_id:
                state.commit(notification.party, payload.commitment, evidence=notification.ref)
        except RandomnessError as exc:
            state.faults.append(Fault(notification.party, exc.kind, str(exc), notification.ref))
        except ValueError:  # an odd number of hex digits: not bytes at all
            state.faults.append(
                Fault(
                    notification.party,
                    FaultKind.WRONG_REVEAL,
                    "reveal is not a whole number of bytes",
                    notification.ref,
                )
            )
    return state.outcome()

"""C2SP tlog-policy: which logs, which witnesses, what quorum a checkpoint needs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ._errors import CheckpointError, NoteError, VerificationError
from .checkpoints import VerifiedCheckpoint, parse_checkpoint, verify_checkpoint
from .notes import (
    SIG_TYPE_COSIGNATURE,
    SIG_TYPE_ED25519,
    SIG_TYPE_MLDSA44,
    VerifierKey,
    parse_note,
    parse_vkey,
)
from .proofs import parse_decimal

MAX_POLICY_BYTES = 64 << 10
MAX_POLICY_ITEMS = 256  # logs, witnesses and groups each; the spec asks for at least 32


class PolicyError(VerificationError):
    """A policy file is malformed, or a checkpoint does not meet its quorum."""


@dataclass(frozen=True)
class PolicyGroup:
    name: str
    threshold: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    """A C2SP tlog-policy (https://c2sp.org/tlog-policy): the logs a verifier accepts, the
    witnesses it knows and the quorum of cosignatures it requires (k of n, nested groups).
    The key types are the policy's too: a group of only ML-DSA-44 (0x06) witnesses requires
    post-quantum cosignatures."""

    logs: tuple[VerifierKey, ...]
    witnesses: tuple[tuple[str, VerifierKey], ...]
    groups: tuple[PolicyGroup, ...]
    quorum: str
    urls: tuple[tuple[str, str], ...] = ()  # (log vkey or witness name, URL)

    def witness_keys(self) -> list[VerifierKey]:
        return [key for _, key in self.witnesses]

    def witnessed(self, cosigned: Iterable[tuple[str, int]]) -> bool:
        """Whether cosignatures by the (key name, key ID) pairs in ``cosigned`` meet the
        quorum."""
        have = set(cosigned)
        by_name = {name: key for name, key in self.witnesses}
        groups = {group.name: group for group in self.groups}

        def holds(name: str) -> bool:
            if name in by_name:
                key = by_name[name]
                return (key.name, key.key_id) in have
            group = groups[name]
            return sum(holds(member) for member in group.members) >= group.threshold

        return self.quorum == "none" or holds(self.quorum)

    def verify_checkpoint(self, message: bytes | str) -> VerifiedCheckpoint:
        """Verify a checkpoint under this policy: signed by one of its logs (whose key name
        is the origin, as tlog-policy requires), cosigned to meet the quorum."""
        try:
            origin = parse_checkpoint(parse_note(message).text).origin
        except (NoteError, CheckpointError) as exc:
            raise PolicyError(f"checkpoint: {exc}") from exc
        logs = [key for key in self.logs if key.name == origin]
        if not logs:
            raise PolicyError(f"the policy lists no log with origin {origin!r}")
        errors = []
        for log_key in logs:
            try:
                verified = verify_checkpoint(message, log_key, self.witness_keys(), origin=origin)
            except VerificationError as exc:
                errors.append(str(exc))
                continue
            cosigned = {(c.name, c.key_id) for c in verified.cosignatures}
            if not self.witnessed(cosigned):
                names = sorted(n for n, k in self.witnesses if (k.name, k.key_id) in cosigned)
                raise PolicyError(
                    f"checkpoint of {origin} does not meet the quorum {self.quorum!r}: "
                    f"cosigned by {', '.join(names) or 'no known witness'}"
                )
            return verified
        raise PolicyError(f"checkpoint of {origin}: {errors[0]}")


def _policy_fields(raw: str) -> list[tuple[int, list[str]]]:
    out = []
    for number, line in enumerate(raw.split("\n"), 1):
        fields = line.replace("\t", " ").split(" ")
        fields = [f for f in fields if f]
        if fields and not fields[0].startswith("#"):
            out.append((number, fields))
    return out


def _policy_key(text: str, number: int, types: tuple[int, ...], what: str) -> VerifierKey:
    try:
        key = parse_vkey(text)
    except NoteError as exc:
        raise PolicyError(f"policy line {number}: {exc}") from exc
    if key.sig_type not in types:
        raise PolicyError(
            f"policy line {number}: a {what} key must be of type "
            f"{' or '.join(f'0x{t:02x}' for t in types)}, found 0x{key.sig_type:02x}"
        )
    return key


def _policy_threshold(word: str, count: int, number: int) -> int:
    if word == "all":
        return count
    if word == "any":
        return 1
    threshold = parse_decimal(word, f"policy line {number}: group threshold", PolicyError)
    if not 1 <= threshold <= count:
        raise PolicyError(f"policy line {number}: threshold {threshold} is not in 1..{count}")
    return threshold


class _PolicyReader:
    """The policy file read line by line, each kind of line by its own method."""

    def __init__(self) -> None:
        self.logs: list[VerifierKey] = []
        self.witnesses: dict[str, VerifierKey] = {}
        self.groups: dict[str, PolicyGroup] = {}
        self.urls: list[tuple[str, str]] = []
        self.members: set[str] = set()
        self.keys: set[bytes] = set()
        self.quorum: str | None = None

    def _new_key(self, key: VerifierKey, number: int) -> VerifierKey:
        if key.public_key in self.keys:
            raise PolicyError(f"policy line {number}: this public key is listed twice")
        self.keys.add(key.public_key)
        return key

    def _new_name(self, name: str, number: int) -> None:
        if name == "none" or name in self.witnesses or name in self.groups:
            raise PolicyError(f"policy line {number}: name {name!r} is reserved or taken")

    def _defined(self, name: str) -> bool:
        return name in self.witnesses or name in self.groups

    def log(self, args: list[str], number: int) -> None:
        key = _policy_key(args[0], number, (SIG_TYPE_ED25519, SIG_TYPE_MLDSA44), "log")
        self.logs.append(self._new_key(key, number))
        self.urls.extend((str(key), url) for url in args[1:])

    def witness(self, args: list[str], number: int) -> None:
        self._new_name(args[0], number)
        key = _policy_key(args[1], number, (SIG_TYPE_COSIGNATURE, SIG_TYPE_MLDSA44), "witness")
        self.witnesses[args[0]] = self._new_key(key, number)
        self.urls.extend((args[0], url) for url in args[2:])

    def group(self, args: list[str], number: int) -> None:
        name, members = args[0], args[2:]
        self._new_name(name, number)
        for member in members:
            if not self._defined(member):
                raise PolicyError(f"policy line {number}: {member!r} is not defined above")
            if member in self.members:
                raise PolicyError(f"policy line {number}: {member!r} is a member twice")
            self.members.add(member)
        threshold = _policy_threshold(args[1], len(members), number)
        self.groups[name] = PolicyGroup(name, threshold, tuple(members))

    def quorum_line(self, args: list[str], number: int) -> None:
        if self.quorum is not None:
            raise PolicyError(f"policy line {number}: a second quorum line")
        if args[0] != "none" and not self._defined(args[0]):
            raise PolicyError(f"policy line {number}: quorum {args[0]!r} is not defined above")
        self.quorum = args[0]

    def read(self, fields: list[str], number: int) -> None:
        kind, args = fields[0], fields[1:]
        handlers = {
            "log": (self.log, (1, 2)),
            "witness": (self.witness, (2, 3)),
            "group": (self.group, tuple(range(3, 3 + MAX_POLICY_ITEMS))),
            "quorum": (self.quorum_line, (1,)),
        }
        handler = handlers.get(kind)
        if handler is None or len(args) not in handler[1]:
            raise PolicyError(f"policy line {number}: cannot read {' '.join(fields)[:80]!r}")
        handler[0](args, number)
        if max(len(self.logs), len(self.witnesses), len(self.groups)) > MAX_POLICY_ITEMS:
            raise PolicyError(f"policy: more than {MAX_POLICY_ITEMS} logs, witnesses or groups")


def _policy_text(text: str | bytes) -> str:
    if isinstance(text, str):
        text = text.encode()
    if len(text) > MAX_POLICY_BYTES:
        raise PolicyError(f"policy of {len(text)} bytes, at most {MAX_POLICY_BYTES}")
    if any((b < 0x20 and b not in (0x09, 0x0A)) or b == 0x7F for b in text):
        raise PolicyError("policy: control character other than tab and newline")
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError("policy: not UTF-8") from exc


def parse_policy(text: str | bytes) -> Policy:
    """Parse a tlog-policy file: ``log <vkey> [<url>]``, ``witness <name> <vkey> [<url>]``,
    ``group <name> all|any|<k> <name>...``, exactly one ``quorum <name>|none``; names defined
    before use, each a group member at most once, no key listed twice."""
    reader = _PolicyReader()
    for number, fields in _policy_fields(_policy_text(text)):
        reader.read(fields, number)
    if reader.quorum is None:
        raise PolicyError("policy: no quorum line (write 'quorum none' to require none)")
    return Policy(
        tuple(reader.logs),
        tuple(reader.witnesses.items()),
        tuple(reader.groups.values()),
        reader.quorum,
        tuple(reader.urls),
    )

"""The standalone TreatyLedger zero-knowledge limit-proof verifier.

Five modules, Python standard library plus ``pysodium`` (libsodium >= 1.0.18): this one,
``ristretto``, ``transcript``, ``generators`` and ``rangeproof``. A third party may copy them
out and check a limit-proof document without the rest of TreatyLedger.

The statement of a *limit proof* (format ``treatyledger-zk-limit-proof/v1``): party P, rule
set R, date D, the log checkpoint it is bound to, the grouping of bases (``by``) and the bit
length k; per category C with limit L, a Pedersen commitment C_i = v_i*G + r_i*H per base i.
The proof shows, without revealing any v_i:

- every v_i is in [0, 2^k): no base can hide a negative count;
- L - sum v_i is in [0, 2^k): the total is within the limit. The verifier computes the total's
  commitment itself, as the sum of the C_i (homomorphic); the prover never supplies it.

Per category one aggregated Bulletproofs range proof covers the n + 1 values (padded with
commitments to 0 to a power of two). Since (n + 1) * 2^m and L stay far below the group order,
the congruences are integer facts: sum v_i + s = L with every v_i and the slack s in
[0, 2^m).

Bulletproofs prove ranges [0, 2^m) with m a power of two (the paper's assumption; the
inner-product argument halves n m each round). For any other k (1 <= k <= 64) the proof runs
at m, the next power of two, and the k-bit bound follows from the statement itself: the
limit L is below 2^k (``verify_limit_proof`` refuses any other), every v_i and s are at least
0 and add up to L, so each is at most L < 2^k. No value needs a second, shifted range proof
(an earlier version proved v + 2^m - 2^k in [0, 2^m) beside each v: twice the values for the
same statement). Every proof's Fiat-Shamir transcript begins with the whole statement
(``LimitStatement.canonical``: every field and commitment of every category, k included),
then the category's position, so a proof is bound to party, rule set, date, checkpoint, k,
limit and every commitment, and cannot be moved to another document.

An *opening* (``treatyledger-zk-opening/v1``) reveals (v_i, r_i) of one base to inspectors;
``verify_opening`` checks it against the published commitments.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from treatyledger.zk import ristretto as group
from treatyledger.zk.generators import commit
from treatyledger.zk.rangeproof import (
    RangeProof,
    RangeProofError,
    verify_range_proof,
)
from treatyledger.zk.ristretto import GroupError
from treatyledger.zk.transcript import Transcript

PROOF_FORMAT = "treatyledger-zk-limit-proof/v1"
OPENING_FORMAT = "treatyledger-zk-opening/v1"
TRANSCRIPT_DOMAIN = b"treatyledger/zk/limit-proof/v1"
GROUPINGS = ("facility", "system_type")
MAX_CATEGORIES = 16
#: the bit length k of a statement: 1 .. MAX_BITS
MAX_BITS = 64
#: bases per category: n + 1 values pad to at most 2048
MAX_BASES = 2047
#: bits per range proof (its bits per value times its padded number of values): bounds a
#: hostile document's work
MAX_BITS_TOTAL = 1 << 15
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")
#: a facility id, or a system type id (which may hold spaces: "MM III")
BASE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._:\-]{0,127}$"
_BASE = re.compile(BASE_PATTERN)
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,63}$")
_HEX32 = re.compile(r"^[0-9a-f]{64}$")
_BASE64_32 = re.compile(r"^[A-Za-z0-9+/]{43}=$")


class LimitProofError(GroupError):
    """A limit proof or opening does not verify; the message says why (exit 1)."""


class MalformedLimitProof(LimitProofError):
    """A limit-proof or opening document does not match its format (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Checkpoint:
    """The checkpoint of the party's log the proof refers to (C2SP tlog-checkpoint body)."""

    origin: str
    size: int
    root: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
        }


@dataclass(frozen=True)
class BaseCommitment:
    base: str
    commitment: bytes


@dataclass(frozen=True)
class CategoryStatement:
    category: str
    limit: int
    bases: tuple[BaseCommitment, ...]


@dataclass(frozen=True)
class LimitStatement:
    party: str
    rule_set: str
    as_of: dt.date
    by: str
    bits: int
    checkpoint: Checkpoint | None
    categories: tuple[CategoryStatement, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": PROOF_FORMAT,
            "party": self.party,
            "rule_set": self.rule_set,
            "as_of": self.as_of.isoformat(),
            "by": self.by,
            "bits": self.bits,
            "checkpoint": None if self.checkpoint is None else self.checkpoint.to_json(),
            "categories": [
                {
                    "category": c.category,
                    "limit": c.limit,
                    "bases": [{"base": b.base, "commitment": b.commitment.hex()} for b in c.bases],
                }
                for c in self.categories
            ],
        }

    def canonical(self) -> bytes:
        """Sorted-key compact JSON of the statement. Its values are ASCII strings, small
        integers and null, for which this equals RFC 8785."""
        return json.dumps(
            self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=True
        ).encode()


@dataclass(frozen=True)
class LimitProof:
    statement: LimitStatement
    proofs: tuple[RangeProof, ...]  # one per category, in order

    def to_json(self) -> dict[str, Any]:
        data = self.statement.to_json()
        for category, proof in zip(data["categories"], self.proofs, strict=True):
            category["proof"] = proof.to_json()
        return data

    def proof_bytes(self) -> int:
        """Bytes of the range proofs alone (32 per point and per scalar)."""
        return sum(32 * (p.group_elements + 5) for p in self.proofs)


def category_transcript(statement: LimitStatement, index: int) -> Transcript:
    """The transcript of category ``index``'s range proof, with the statement bound."""
    transcript = Transcript(TRANSCRIPT_DOMAIN)
    transcript.append(b"statement", statement.canonical())
    transcript.append_u64(b"category-index", index)
    transcript.append(b"category", statement.categories[index].category.encode())
    return transcript


def range_bits(bits: int) -> int:
    """m, the bits per value of the range proof for a k-bit statement: the smallest power of
    two >= k."""
    if isinstance(bits, bool) or not 1 <= bits <= MAX_BITS:
        raise LimitProofError(f"a statement's bit length is 1 .. {MAX_BITS}, got {bits!r}")
    return 1 << (bits - 1).bit_length()


def range_values(count: int) -> int:
    """The values of a category's range proof: ``count`` bases plus the slack, padded to a
    power of two."""
    return 1 << count.bit_length()


def padded_commitments(commitments: Sequence[bytes]) -> list[bytes]:
    """The commitments, then the identity (a commitment to 0 with blinding 0) up to
    ``range_values``."""
    padding = range_values(len(commitments) - 1) - len(commitments)
    return [*commitments, *([group.IDENTITY] * padding)]


def range_commitments(category: CategoryStatement) -> list[bytes]:
    """C_1 .. C_n and L*G - sum C_i (the slack, computed here, never supplied), padded."""
    commitments = [b.commitment for b in category.bases]
    slack = group.sub(group.mul_base(category.limit), group.sum_points(commitments))
    return padded_commitments([*commitments, slack])


def verify_limit_proof(proof: LimitProof, limits: Mapping[str, int | None] | None = None) -> None:
    """Accept ``proof`` or raise ``LimitProofError`` naming the category. With ``limits``
    (category -> the limit the verifier's rule set has in force on the date), each stated
    limit must equal it: the limit is the verifier's, not the prover's."""
    statement = proof.statement
    for category in statement.categories:
        if isinstance(category.limit, bool) or not 0 <= category.limit < 1 << statement.bits:
            # the k-bit bound on every value rests on this (module docstring)
            raise LimitProofError(
                f"category {category.category}: limit {category.limit} is not a "
                f"{statement.bits}-bit value"
            )
        expected = category.limit if limits is None else limits.get(category.category)
        if expected != category.limit:
            raise LimitProofError(
                f"category {category.category}: the proof states limit {category.limit}, "
                f"the rule set {statement.rule_set} has {expected} on {statement.as_of}"
            )
    for index, category in enumerate(statement.categories):
        try:
            verify_range_proof(
                proof.proofs[index],
                range_commitments(category),
                range_bits(statement.bits),
                category_transcript(statement, index),
            )
        except RangeProofError as exc:
            raise LimitProofError(f"category {category.category}: {exc}") from None


# --- parsing -------------------------------------------------------------------------------


def _fail(where: str, message: str) -> MalformedLimitProof:
    return MalformedLimitProof(f"{where}: {message}")


def _object(value: Any, where: str, keys: Sequence[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, "expected an object")
    if sorted(value) != sorted(keys):
        raise _fail(where, f"expected the fields {sorted(keys)}, got {sorted(value)}")
    return value


def _int(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(where, f"expected an integer in [{low}, {high}], got {value!r}")
    return value


def _text(value: Any, where: str, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise _fail(where, f"expected a string matching {pattern.pattern}, got {value!r}")
    return value


def _list(value: Any, where: str, high: int) -> list[Any]:
    if not isinstance(value, list) or len(value) > high:
        raise _fail(where, f"expected a list of at most {high} entries")
    return value


def _point(value: Any, where: str) -> bytes:
    try:
        return group.decode_point(bytes.fromhex(_text(value, where, _HEX32)))
    except GroupError as exc:
        raise _fail(where, str(exc)) from None


def _scalar(value: Any, where: str) -> int:
    try:
        return group.decode_scalar(bytes.fromhex(_text(value, where, _HEX32)))
    except GroupError as exc:
        raise _fail(where, str(exc)) from None


def _date(value: Any, where: str) -> dt.date:
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", value):
        raise _fail(where, f"expected a date YYYY-MM-DD, got {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise _fail(where, str(exc)) from None


def _checkpoint(value: Any, where: str) -> Checkpoint | None:
    if value is None:
        return None
    data = _object(value, where, ("origin", "size", "root"))
    origin = data["origin"]
    if not isinstance(origin, str) or not 0 < len(origin) <= 256 or not origin.isprintable():
        raise _fail(f"{where}.origin", "expected a printable log origin")
    try:
        root = base64.b64decode(_text(data["root"], f"{where}.root", _BASE64_32), validate=True)
    except binascii.Error as exc:
        raise _fail(f"{where}.root", f"not base64: {exc}") from None
    if len(root) != 32:
        raise _fail(f"{where}.root", f"a root hash is 32 bytes, got {len(root)}")
    return Checkpoint(origin, _int(data["size"], f"{where}.size", 0, 2**63 - 1), root)


def _range_proof(value: Any, where: str, rounds: int) -> RangeProof:
    keys = ("A", "S", "T1", "T2", "tau_x", "mu", "t_hat", "L", "R", "a", "b")
    data = _object(value, where, keys)
    sides: dict[str, tuple[bytes, ...]] = {}
    for side in ("L", "R"):
        entries = _list(data[side], f"{where}.{side}", rounds)
        if len(entries) != rounds:
            raise _fail(f"{where}.{side}", f"expected {rounds} points, got {len(entries)}")
        sides[side] = tuple(_point(p, f"{where}.{side}[{i}]") for i, p in enumerate(entries))

    def point(key: str) -> bytes:
        return _point(data[key], f"{where}.{key}")

    def scalar(key: str) -> int:
        return _scalar(data[key], f"{where}.{key}")

    return RangeProof(
        A=point("A"),
        S=point("S"),
        T1=point("T1"),
        T2=point("T2"),
        tau_x=scalar("tau_x"),
        mu=scalar("mu"),
        t_hat=scalar("t_hat"),
        L=sides["L"],
        R=sides["R"],
        a=scalar("a"),
        b=scalar("b"),
    )


def _category(value: Any, where: str, bits: int) -> tuple[CategoryStatement, RangeProof]:
    data = _object(value, where, ("category", "limit", "bases", "proof"))
    limit = _int(data["limit"], f"{where}.limit", 0, (1 << bits) - 1)
    entries = _list(data["bases"], f"{where}.bases", MAX_BASES)
    bases = []
    for i, entry in enumerate(entries):
        base = _object(entry, f"{where}.bases[{i}]", ("base", "commitment"))
        bases.append(
            BaseCommitment(
                _text(base["base"], f"{where}.bases[{i}].base", _BASE),
                _point(base["commitment"], f"{where}.bases[{i}].commitment"),
            )
        )
    names = [b.base for b in bases]
    if names != sorted(set(names)):
        raise _fail(f"{where}.bases", "bases must be listed once each, sorted")
    total_bits = range_bits(bits) * range_values(len(bases))
    if total_bits > MAX_BITS_TOTAL:
        raise _fail(where, f"{len(bases)} bases of {bits} bits exceed {MAX_BITS_TOTAL} bits")
    rounds = total_bits.bit_length() - 1
    category = _text(data["category"], f"{where}.category", _RULE_ID)
    return (
        CategoryStatement(category, limit, tuple(bases)),
        _range_proof(data["proof"], f"{where}.proof", rounds),
    )


def parse_limit_proof(data: Any) -> LimitProof:
    """A limit proof from its JSON form, every field checked (``MalformedLimitProof``)."""
    keys = ("format", "party", "rule_set", "as_of", "by", "bits", "checkpoint", "categories")
    doc = _object(data, "limit proof", keys)
    if doc["format"] != PROOF_FORMAT:
        raise _fail("format", f"expected {PROOF_FORMAT}, got {doc['format']!r}")
    bits = _int(doc["bits"], "bits", 1, MAX_BITS)
    if doc["by"] not in GROUPINGS:
        raise _fail("by", f"expected one of {GROUPINGS}, got {doc['by']!r}")
    entries = _list(doc["categories"], "categories", MAX_CATEGORIES)
    if not entries:
        raise _fail("categories", "a limit proof covers at least one category")
    parsed = [_category(c, f"categories[{i}]", bits) for i, c in enumerate(entries)]
    names = [c.category for c, _ in parsed]
    if len(set(names)) != len(names):
        raise _fail("categories", f"a category appears twice: {names}")
    statement = LimitStatement(
        party=_text(doc["party"], "party", _IDENTIFIER),
        rule_set=_text(doc["rule_set"], "rule_set", _RULE_ID),
        as_of=_date(doc["as_of"], "as_of"),
        by=doc["by"],
        bits=bits,
        checkpoint=_checkpoint(doc["checkpoint"], "checkpoint"),
        categories=tuple(c for c, _ in parsed),
    )
    return LimitProof(statement, tuple(p for _, p in parsed))


# --- openings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryOpening:
    category: str
    value: int
    blinding: int


@dataclass(frozen=True)
class Opening:
    """(v_i, r_i) of one base in some categories of one limit proof."""

    party: str
    rule_set: str
    as_of: dt.date
    base: str
    categories: tuple[CategoryOpening, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": OPENING_FORMAT,
            "party": self.party,
            "rule_set": self.rule_set,
            "as_of": self.as_of.isoformat(),
            "base": self.base,
            "categories": [
                {
                    "category": c.category,
                    "value": c.value,
                    "blinding": group.scalar_bytes(c.blinding).hex(),
                }
                for c in self.categories
            ],
        }


def parse_opening(data: Any) -> Opening:
    keys = ("format", "party", "rule_set", "as_of", "base", "categories")
    doc = _object(data, "opening", keys)
    if doc["format"] != OPENING_FORMAT:
        raise _fail("format", f"expected {OPENING_FORMAT}, got {doc['format']!r}")
    categories = []
    for i, entry in enumerate(_list(doc["categories"], "categories", MAX_CATEGORIES)):
        where = f"categories[{i}]"
        item = _object(entry, where, ("category", "value", "blinding"))
        categories.append(
            CategoryOpening(
                _text(item["category"], f"{where}.category", _RULE_ID),
                _int(item["value"], f"{where}.value", 0, 2**64 - 1),
                _scalar(item["blinding"], f"{where}.blinding"),
            )
        )
    return Opening(
        party=_text(doc["party"], "party", _IDENTIFIER),
        rule_set=_text(doc["rule_set"], "rule_set", _RULE_ID),
        as_of=_date(doc["as_of"], "as_of"),
        base=_text(doc["base"], "base", _BASE),
        categories=tuple(categories),
    )


def verify_opening(statement: LimitStatement, opening: Opening) -> dict[str, int]:
    """The opened value per category, after checking each against the base's commitment in
    ``statement``; ``LimitProofError`` says which does not match."""
    for field in ("party", "rule_set", "as_of"):
        if getattr(opening, field) != getattr(statement, field):
            raise LimitProofError(
                f"the opening is for {field} {getattr(opening, field)}, "
                f"the limit proof for {getattr(statement, field)}"
            )
    if not opening.categories:
        raise LimitProofError("the opening opens no category")
    by_category = {c.category: c for c in statement.categories}
    values: dict[str, int] = {}
    for opened in opening.categories:
        category = by_category.get(opened.category)
        if category is None:
            raise LimitProofError(f"the limit proof has no category {opened.category}")
        if opened.category in values:
            raise LimitProofError(f"category {opened.category} is opened twice")
        found = [b.commitment for b in category.bases if b.base == opening.base]
        if not found:
            raise LimitProofError(f"category {opened.category} has no base {opening.base}")
        if commit(opened.value, opened.blinding) != found[0]:
            raise LimitProofError(
                f"category {opened.category}, base {opening.base}: value {opened.value} "
                "does not open the published commitment"
            )
        values[opened.category] = opened.value
    return values

"""The bytes a notification arrives as: strict JSON, and RFC 8785 canonical.

A party signs the RFC 8785 bytes of its notification, and the log keeps the RFC 8785 bytes of
the signed envelope. A node checks the signature over the bytes it received, so those bytes
must already be that canonical form: otherwise many encodings (duplicate keys, ``true`` for
``1``, ``+00:00`` for ``Z``, ``1.0`` for ``1``, escapes, whitespace, another key order) would
stand for one signed message, and what was verified would not be what is logged.

``Received`` is one notification as it came off the wire (its bytes and their strict decoding);
``canonical_problem`` says why bytes are not the canonical form of the notification they
decode to, naming the first place they differ. Pure: values in, values out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from treatyledger.ledger.errors import EncodingProblem
from treatyledger.ledger.outcomes import Rule
from treatyledger.ledger.signing import jcs


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise EncodingProblem(Rule.DUPLICATE_KEY, f"the key {key!r} appears twice")
            seen.add(key)
    return result


def _no_constant(name: str) -> Any:
    raise EncodingProblem(Rule.NOT_JSON, f"{name} is not a JSON number")


_STRICT = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_no_constant)


def strict_loads(raw: bytes | str) -> Any:
    """Decode JSON refusing what RFC 8259 leaves undefined or forbids: duplicate keys,
    ``NaN``/``Infinity``, bytes that are not UTF-8. Raises EncodingProblem."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return _STRICT.decode(text)
    except EncodingProblem:
        raise
    except UnicodeDecodeError:
        raise EncodingProblem(Rule.NOT_JSON, "the bytes are not UTF-8") from None
    except RecursionError:
        raise EncodingProblem(Rule.NOT_JSON, "the JSON is nested too deeply") from None
    except ValueError as exc:  # json.JSONDecodeError, or an integer with too many digits
        raise EncodingProblem(Rule.NOT_JSON, f"not JSON: {exc}") from None


def strict_decode_at(text: str, start: int) -> tuple[Any, int]:
    """The JSON value starting at ``text[start]`` and where it ends, decoded as strictly as
    ``strict_loads``. Raises EncodingProblem (``encoding.duplicate_key``, or
    ``encoding.not_json``) or, for text that is no JSON value at all, ValueError."""
    try:
        value, end = _STRICT.raw_decode(text, start)
    except RecursionError:
        raise EncodingProblem(Rule.NOT_JSON, "the JSON is nested too deeply") from None
    return value, int(end)


@dataclass(frozen=True, slots=True)
class Received:
    """One notification as received: ``raw`` (its bytes) and ``value`` (their strict decoding,
    or None with ``problem`` set when they do not decode)."""

    raw: bytes
    value: Any
    problem: EncodingProblem | None = None

    @classmethod
    def decode(cls, raw: bytes) -> Received:
        try:
            return cls(raw, strict_loads(raw))
        except EncodingProblem as exc:
            return cls(raw, None, exc)

    @property
    def party(self) -> str:
        party = self.value.get("party") if isinstance(self.value, dict) else None
        return party[:128] if isinstance(party, str) else "?"

    @property
    def sequence(self) -> int:
        """The sequence it claims (0 when it names none): the writer orders by it."""
        sequence = self.value.get("sequence") if isinstance(self.value, dict) else None
        if type(sequence) is int:
            return sequence
        return 0


def canonical_problem(
    raw: bytes, value: Any, record: Mapping[str, Any], expected: bytes | None = None
) -> str | None:
    """Why ``raw`` (which decoded to ``value``) is not ``jcs(record)``, the canonical form of
    the notification it validated as; None when it is. ``expected``: ``jcs(record)`` when the
    caller has it. Rule: ``encoding.not_canonical``."""
    if expected is None:
        expected = jcs(record)
    if raw == expected:
        return None
    where = _first_difference(value, record, "")
    if where is not None:
        path, sent, canonical = where
        return (
            f"{path or 'the notification'} is sent as {sent}; its canonical form is "
            f"{canonical} (sign and send the RFC 8785 form)"
        )
    offset = next(
        (i for i, (a, b) in enumerate(zip(raw, expected, strict=False)) if a != b),
        min(len(raw), len(expected)),
    )
    return (
        f"the bytes are not RFC 8785 canonical JSON: they differ from the canonical form at "
        f"byte {offset} ({_excerpt(raw, offset)} instead of {_excerpt(expected, offset)})"
    )


def _first_difference(sent: Any, canonical: Any, path: str) -> tuple[str, str, str] | None:
    """The first place where the decoded value differs from the canonical record (another
    type, another time offset, a field the schema fills in or drops), as (path, sent,
    canonical); None when they are the same JSON value."""
    if type(sent) is not type(canonical):
        return path, _short(sent), _short(canonical)
    if isinstance(sent, dict):
        for key in sorted(set(sent) | set(canonical)):
            inner = f"{path}.{key}" if path else key
            if key not in canonical:
                return inner, _short(sent[key]), "absent"
            if key not in sent:
                return inner, "absent", _short(canonical[key])
            found = _first_difference(sent[key], canonical[key], inner)
            if found is not None:
                return found
        return None
    if isinstance(sent, list):
        if len(sent) != len(canonical):
            return path, f"{len(sent)} entries", f"{len(canonical)}"
        for i, (a, b) in enumerate(zip(sent, canonical, strict=True)):
            found = _first_difference(a, b, f"{path}[{i}]")
            if found is not None:
                return found
        return None
    if sent != canonical:
        return path, _short(sent), _short(canonical)
    return None


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 60 else text[:57] + "..."


def _excerpt(data: bytes, offset: int) -> str:
    return repr(data[max(0, offset - 8) : offset + 8].decode("utf-8", "replace"))

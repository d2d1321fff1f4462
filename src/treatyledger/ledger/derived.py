"""The derived state of a ledger as a plain JSON value, and back: what a store persists so that
a node need not replay its whole log on start.

``export_derived(state)`` is everything ``LedgerState`` derived from the records it applied
(per party: items, containment, when each item last changed, declared facilities; sequences;
the corrections in effect; late and violation flags), never the records themselves.
``restore_derived`` builds a state from it that reads its past records from a
``RecordSource`` (the store) when it needs them (a duplicate's content, a correction's
re-validation, ``log``). Whether a persisted value may be trusted is the store's question
(``store.ledger_snapshot``: it must match the log it claims to reflect); this module only
converts, and refuses a value of another format.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from treatyledger.ledger.errors import DerivedFormatError
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.state import LedgerState, RecordSource
from treatyledger.model.parties import Facility

#: bump when the exported shape changes: a value of another format is not restored
FORMAT = 1


def export_derived(state: LedgerState) -> dict[str, Any]:
    """The derived state as a JSON-ready value (shares no mutable part with ``state`` once
    serialised; serialise it before the state changes)."""
    parties: dict[str, Any] = {}
    for party, index in state._indexes.items():
        parties[party] = {
            "items": index.records,
            "contents": {c: v for c, v in index.contents.items() if v},
            "last_effective": {uid: t.isoformat() for uid, t in index.last_effective.items()},
            "facilities": {
                fid: f.model_dump(mode="json", exclude_none=True)
                for fid, f in index.facilities.items()
            },
        }
    return {
        "format": FORMAT,
        "next": dict(state._next),
        "parties": parties,
        "corrected": [
            [party, sequence, effective, payload]
            for (party, sequence), (effective, payload) in state._corrected.items()
        ],
        "late": sorted([party, sequence] for party, sequence in state.late),
        "violations": [list(v) for v in state.violations],
    }


def restore_derived(
    policy: LedgerPolicy,
    data: Mapping[str, Any],
    source: RecordSource,
    keys: Mapping[str, Iterable[Ed25519PublicKey]] | None = None,
) -> LedgerState:
    """The state ``data`` (from ``export_derived``) describes, reading its records from
    ``source``. Raises DerivedFormatError for a value of another format or shape."""
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, Mapping) else type(data).__name__
        raise DerivedFormatError(f"derived state format {found!r}, want {FORMAT}")
    try:
        return _restore(policy, data, source, keys)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DerivedFormatError(f"derived state: {type(exc).__name__}: {exc}") from None


def _restore(
    policy: LedgerPolicy,
    data: Mapping[str, Any],
    source: RecordSource,
    keys: Mapping[str, Iterable[Ed25519PublicKey]] | None,
) -> LedgerState:
    state = LedgerState(policy, keys=keys)
    state.attach_source(source)
    for party, part in data["parties"].items():
        index = state._index_of(party)
        index.records = {uid: dict(r) for uid, r in part["items"].items()}
        index.contents = {c: list(v) for c, v in part["contents"].items()}
        index.last_effective = {
            uid: datetime.fromisoformat(t) for uid, t in part["last_effective"].items()
        }
        index.facilities = {
            fid: Facility.model_validate(f) for fid, f in part["facilities"].items()
        }
    state._next = {str(p): int(n) for p, n in data["next"].items()}
    state._stored = {p: n - 1 for p, n in state._next.items()}
    state._corrected = {
        (str(party), int(sequence)): (str(effective), payload)
        for party, sequence, effective, payload in data["corrected"]
    }
    state.late = {(str(party), int(sequence)) for party, sequence in data["late"]}
    state.violations = [(str(p), int(s), str(r), str(i)) for p, s, r, i in data["violations"]]
    return state

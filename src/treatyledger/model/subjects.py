"""What a change notification is about: the item kinds of its subject, by which a treaty's
notification catalogue (``rules.catalogue``) and the ledger's change deadline
(``ledger.state``) tell a warhead change from a change of a delivery vehicle."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

KindOf = Callable[[str], str | None]


def subject_kinds(record: Mapping[str, Any], kind_of: KindOf) -> frozenset[str]:
    """The item kinds a change notification (JSON form: ``kind`` and ``payload``) is about:
    the declared items' kinds, the kinds of what a load or unload moves (``warhead`` for
    anonymous reentry vehicles), else the kind of the item it names (``unknown`` for a uid
    ``kind_of``, the ledger's items, does not know)."""
    payload = record["payload"]
    kind = record["kind"]
    found: set[str] = set()
    if kind == "declare":
        found.update(str(entry["kind"]) for entry in payload.get("items", ()))
    elif kind in ("load", "unload"):
        for uid in payload.get("items", ()):
            found.add(kind_of(uid) or "unknown")
        if payload.get("warheads"):
            found.add("warhead")
    elif "uid" in payload:
        found.add(kind_of(payload["uid"]) or "unknown")
    return frozenset(found)

"""The JSON form of a notification as the ledger reads it (``Notification.to_json_dict()``,
or the decoded canonical bytes the store keeps): what a record names and when it takes effect."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

Record = Mapping[str, Any]


def parse_time(text: str) -> datetime:
    """An RFC 3339 time of the JSON form (``...Z``)."""
    return datetime.fromisoformat(text)


def mentioned_uids(payload: Mapping[str, Any]) -> set[str]:
    """The item UIDs a payload names (items, containers, declared items and their containers)."""
    found: set[str] = set()
    for key in ("uid", "container"):
        value = payload.get(key)
        if isinstance(value, str):
            found.add(value)
    for entry in payload.get("items", ()):
        if isinstance(entry, str):
            found.add(entry)
        elif isinstance(entry, Mapping):
            for key in ("uid", "contained_in"):
                value = entry.get(key)
                if isinstance(value, str):
                    found.add(value)
    return found

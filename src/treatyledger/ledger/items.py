"""``ItemIndex``: the item state the handlers read and change.

Every item is kept as its JSON form less ``quantity`` (1 for every item with a uid), so the
hot path works on plain dicts; ``Item`` models are built only when a reader asks, and cached
until the item changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from treatyledger.model.items import Inventory, Item
from treatyledger.model.parties import Facility


class ItemIndex:
    """Items by uid, what each container holds, when each item last changed, and the declared
    facilities. The handlers of ``ledger.handlers`` change it only in their mutation step,
    after every check passed."""

    __slots__ = ("_cache", "contents", "facilities", "last_effective", "records")

    def __init__(self) -> None:
        #: uid -> the item's JSON form without ``quantity``
        self.records: dict[str, dict[str, Any]] = {}
        #: container uid -> the uids directly inside it, in loading order
        self.contents: dict[str, list[str]] = {}
        #: uid -> the effective time of the last notification that touched it
        self.last_effective: dict[str, datetime] = {}
        self.facilities: dict[str, Facility] = {}
        self._cache: dict[str, Item] = {}

    # ------------------------------------------------------------------ reading

    def item(self, uid: str) -> Item | None:
        if uid not in self.records:
            return None
        cached = self._cache.get(uid)
        if cached is None:
            cached = Item.model_validate(self.records[uid])
            self._cache[uid] = cached
        return cached

    def fields(self, uid: str) -> dict[str, Any] | None:
        record = self.records.get(uid)
        return None if record is None else {**record, "quantity": 1}

    def descendants(self, uid: str) -> list[str]:
        """Everything inside ``uid``, at any depth."""
        found: list[str] = []
        stack = list(self.contents.get(uid, ()))
        while stack:
            child = stack.pop()
            found.append(child)
            stack.extend(self.contents.get(child, ()))
        return found

    def holds_missile(self, container: str, missiles: frozenset[str]) -> list[str]:
        """The missiles (by kind in ``missiles``) directly inside ``container``."""
        records = self.records
        return [m for m in self.contents.get(container, ()) if records[m]["kind"] in missiles]

    def inventory(self, party: str | None = None) -> Inventory:
        items = []
        for uid, record in self.records.items():
            if party is not None and record["party"] != party:
                continue
            item = self.item(uid)
            assert item is not None
            items.append(item)
        facilities = {
            fid: f for fid, f in self.facilities.items() if party is None or f.party == party
        }
        # every item was validated when cached and UIDs are unique per party by construction:
        # validating the Inventory again would re-run each Item's validators (the cost of
        # counting a replayed state at every data date)
        return Inventory.model_construct(items=tuple(items), facilities=facilities)

    def snapshot(self) -> dict[str, Any]:
        return {
            "items": {uid: dict(r) for uid, r in self.records.items()},
            "contents": {c: sorted(v) for c, v in self.contents.items() if v},
        }

    # ------------------------------------------------------------------ changing

    def change(self, uid: str, **changes: Any) -> None:
        """Change fields of one item; a None value removes the field."""
        record = self.records[uid]
        for key, value in changes.items():
            if value is None:
                record.pop(key, None)
            else:
                record[key] = value
        if self._cache:
            self._cache.pop(uid, None)

    def put(self, uid: str, key: str, value: Any) -> None:
        """One field of one item (the common case of ``change``, without keyword packing)."""
        self.records[uid][key] = value
        if self._cache:
            self._cache.pop(uid, None)

    def add(self, new: dict[str, dict[str, Any]]) -> None:
        """Items not seen before (declared)."""
        self.records.update(new)

    def place(self, container: str, uids: list[str]) -> None:
        """``uids`` go inside ``container`` (their own records say so already or next)."""
        self.contents.setdefault(container, []).extend(uids)

    def take_out(self, container: str, leaving: set[str]) -> None:
        self.contents[container] = [u for u in self.contents.get(container, ()) if u not in leaving]

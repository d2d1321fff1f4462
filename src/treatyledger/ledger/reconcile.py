"""Reconciliation of a periodic data exchange (``database`` notification) with the ledger.

A ``database`` notification carries a party's full declared inventory as of a date. It is
compared with the replay, as of that date, of every notification the party sent before the
database (later notifications, even if effective earlier, were not known when the database was
compiled). Each discrepancy names the item, what the ledger says, what the database says, and
the notifications involved: those since the previous database that touched the item (or, if
none did, the last one before it that did).

Items the ledger holds as eliminated, dismantled or transferred are out of accountability: a
database need not list them, but if it lists one, its fields are compared like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from treatyledger.ledger.errors import ReconcileError
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.records import mentioned_uids, parse_time
from treatyledger.ledger.replay import state_at
from treatyledger.ledger.state import LedgerState
from treatyledger.model.items import Item
from treatyledger.model.kinds import TERMINAL_STATUSES
from treatyledger.model.notifications import LEDGER_NEUTRAL_KINDS

Record = Mapping[str, Any]

#: Discrepancy kinds, in report order.
MISSING = "missing"  # in the ledger, not in the database
EXTRA = "extra"  # in the database, not in the ledger
STATUS = "status"
LOCATION = "location"  # facility or container
WARHEADS = "warheads"
KINDS = (MISSING, EXTRA, STATUS, LOCATION, WARHEADS)


@dataclass(frozen=True)
class Discrepancy:
    kind: str
    uid: str
    ledger: str | None  # what the replay says
    database: str | None  # what the database says
    notifications: tuple[str, ...]  # "PARTY#SEQ" of the notifications involved

    def describe(self) -> str:
        involved = ", ".join(self.notifications) or "none"
        return (
            f"{self.kind} {self.uid}: ledger {self.ledger or '-'}, database "
            f"{self.database or '-'} (notifications: {involved})"
        )


@dataclass(frozen=True)
class Reconciliation:
    party: str
    database: str  # "PARTY#SEQ"
    as_of: str
    previous_database: str | None
    discrepancies: tuple[Discrepancy, ...] = field(default_factory=tuple)

    @property
    def consistent(self) -> bool:
        return not self.discrepancies

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "database": self.database,
            "as_of": self.as_of,
            "previous_database": self.previous_database,
            "consistent": self.consistent,
            "discrepancies": [
                {
                    "kind": d.kind,
                    "uid": d.uid,
                    "ledger": d.ledger,
                    "database": d.database,
                    "notifications": list(d.notifications),
                }
                for d in self.discrepancies
            ],
        }


def reconcile(
    records: Sequence[Record],
    policy: LedgerPolicy,
    party: str,
    database_sequence: int | None = None,
) -> Reconciliation:
    """Compare ``party``'s database notification at ``database_sequence`` (default: its latest)
    with the replay of its notifications before it, as of the database's date."""
    own = [r for r in records if r["party"] == party]
    database, previous = _databases(own, party, database_sequence)
    db_sequence = database["sequence"]
    since = previous["sequence"] if previous else 0
    as_of_text = database["payload"]["as_of"]
    before = [r for r in own if r["sequence"] < db_sequence]
    state = state_at(before, policy, parse_time(as_of_text))
    touched = _touches(before)

    def involved(uid: str) -> tuple[str, ...]:
        sequences = touched.get(uid, [])
        recent = [s for s in sequences if s > since]
        chosen = recent or sequences[-1:]
        return tuple(f"{party}#{s}" for s in chosen)

    found = database_discrepancies(state, database["payload"], party, involved)
    return Reconciliation(
        party=party,
        database=f"{party}#{db_sequence}",
        as_of=as_of_text,
        previous_database=f"{party}#{previous['sequence']}" if previous else None,
        discrepancies=tuple(found),
    )


def database_items(payload: Mapping[str, Any]) -> dict[str, Item]:
    """UID -> item of a ``database`` payload (items without a uid are not compared)."""
    declared = {}
    for raw in payload["items"]:
        item = Item.model_validate(raw)
        if item.uid is not None:
            declared[item.uid] = item
    return declared


def database_discrepancies(
    state: LedgerState,
    payload: Mapping[str, Any],
    party: str,
    involved: Callable[[str], tuple[str, ...]] = lambda uid: (),
) -> list[Discrepancy]:
    """Where ``party``'s items in ``state`` and a ``database`` payload differ, in report order
    (the one comparison ``reconcile`` and the calendar's unnotified changes make). Items whose
    compared fields agree in JSON form are not built into Items (a decade's updates list
    100,000 items): both forms come out of the same model, so equal JSON is equal items."""
    listed = {str(raw["uid"]): raw for raw in payload["items"] if raw.get("uid") is not None}
    held = state.uids(party)
    differing = {uid for uid in held if _compared(state.item_fields(uid, party), listed.get(uid))}
    differing |= listed.keys() - set(held)
    subset = {**payload, "items": [listed[uid] for uid in sorted(differing) if uid in listed]}
    found = _discrepancies(state, database_items(subset), party, involved, differing)
    order = {kind: i for i, kind in enumerate(KINDS)}
    found.sort(key=lambda d: (order[d.kind], d.uid))
    return found


def _databases(
    own: Sequence[Record], party: str, database_sequence: int | None
) -> tuple[Record, Record | None]:
    """The database notification to reconcile (``database_sequence`` or the latest) and the
    one before it."""
    databases = [r for r in own if r["kind"] == "database"]
    if database_sequence is not None:
        databases = [r for r in databases if r["sequence"] <= database_sequence]
        if not databases or databases[-1]["sequence"] != database_sequence:
            raise ReconcileError(f"{party}#{database_sequence} is not a database notification")
    if not databases:
        raise ReconcileError(f"{party} has sent no database notification")
    return databases[-1], (databases[-2] if len(databases) > 1 else None)


def _compared(ledger: Mapping[str, Any] | None, listed: Mapping[str, Any] | None) -> bool:
    """Whether the JSON forms may differ in what ``_compare`` compares (or one is absent)."""
    if ledger is None or listed is None:
        return True
    return any(ledger.get(k) != listed.get(k) for k in ("status", "facility", "contained_in")) or (
        (ledger.get("warheads") or 0) != (listed.get("warheads") or 0)
    )


def _discrepancies(
    state: LedgerState,
    declared: dict[str, Item],
    party: str,
    involved: Callable[[str], tuple[str, ...]],
    uids: set[str] | None = None,
) -> list[Discrepancy]:
    """Items the replay holds that the database lacks or states otherwise, and the reverse
    (of ``uids`` only, if given: the others agree)."""
    found: list[Discrepancy] = []
    for uid in state.uids(party):
        if uids is not None and uid not in uids:
            continue
        ledger_item = state.item(uid, party)
        assert ledger_item is not None
        db_item = declared.get(uid)
        if db_item is None:
            if ledger_item.status not in TERMINAL_STATUSES:
                found.append(Discrepancy(MISSING, uid, _summary(ledger_item), None, involved(uid)))
            continue
        found.extend(_compare(uid, ledger_item, db_item, involved(uid)))
    for uid, db_item in declared.items():
        if state.item(uid, party) is None:
            found.append(Discrepancy(EXTRA, uid, None, _summary(db_item), involved(uid)))
    return found


def _compare(uid: str, ledger: Item, database: Item, notes: tuple[str, ...]) -> list[Discrepancy]:
    found = []
    if ledger.status != database.status:
        found.append(Discrepancy(STATUS, uid, ledger.status.value, database.status.value, notes))
    if ledger.facility != database.facility or ledger.contained_in != database.contained_in:
        found.append(Discrepancy(LOCATION, uid, _location(ledger), _location(database), notes))
    if (ledger.warheads or 0) != (database.warheads or 0):
        found.append(
            Discrepancy(
                WARHEADS, uid, str(ledger.warheads or 0), str(database.warheads or 0), notes
            )
        )
    return found


def _summary(item: Item) -> str:
    return f"{item.kind.value} {item.system_type or ''} {item.status.value}".replace("  ", " ")


def _location(item: Item) -> str:
    where = item.facility or "?"
    return f"{where} in {item.contained_in}" if item.contained_in else where


def _touches(records: Sequence[Record]) -> dict[str, list[int]]:
    """UID -> sequences of the notifications that named it (a correction counts for both the
    items it names and those of the notification it corrects)."""
    by_sequence = {r["sequence"]: r for r in records}
    touched: dict[str, list[int]] = {}
    for record in records:
        payload = record["payload"]
        uids = mentioned_uids(payload)
        if record["kind"] == "correction":
            uids |= mentioned_uids(payload["payload"])
            target = by_sequence.get(record["corrects"]["sequence"])
            if target is not None:
                uids |= mentioned_uids(target["payload"])
        elif record["kind"] in LEDGER_NEUTRAL_KINDS:
            continue
        for uid in uids:
            touched.setdefault(uid, []).append(record["sequence"])
    return touched

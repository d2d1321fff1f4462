"""One handler per notification kind over the ``ItemIndex``. Each checks everything first
(through its ``Step``) and returns the mutations to run, so a rejected notification changes
nothing. ``HANDLERS`` is keyed by ``NotificationKind``; every kind but ``correction`` (which
the state machine applies itself, by re-validating the log) has one, and the ledger-neutral
kinds of ``LEDGER_NEUTRAL_KINDS`` share the handler that changes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from treatyledger.ledger.declare import declare
from treatyledger.ledger.outcomes import Rule
from treatyledger.ledger.step import Handler, Mutations, Step
from treatyledger.ledger.transitions import (
    CARRIERS,
    DEPLOYED,
    DISMANTLED,
    ELIMINATED,
    HOLDERS,
    LAUNCHERS,
    MISSILES,
    NON_DEPLOYED,
    RETIRED,
    STORED,
    SUBMARINE,
    TRANSFERRED,
    WARHEAD,
)
from treatyledger.model.notifications import LEDGER_NEUTRAL_KINDS, NotificationKind


def _move(step: Step, payload: Mapping[str, Any]) -> Mutations:
    uid = payload["uid"]
    to_facility = payload["to_facility"]
    record = step.alive(uid)
    if record.get("contained_in"):
        raise step.reject(
            f"the item is in {record['contained_in']}; unload it first or move the container",
            Rule.TWO_PLACES,
            uid,
        )
    index = step.index
    moved = [uid, *index.descendants(uid)] if index.contents.get(uid) else [uid]
    for child in moved[1:]:
        step.own(child)

    def mutate() -> None:
        for each in moved:
            index.put(each, "facility", to_facility)

    return [mutate]


def _loadable(step: Step, container: str, kind: str, uid: str) -> dict[str, Any]:
    """Item ``uid`` may go into ``container`` (of ``kind``): alive, of a kind it holds, not in
    another container, and of a status that can be loaded."""
    if uid == container:
        raise step.reject("an item cannot contain itself", Rule.CONTAINER_KIND, uid)
    record = step.alive(uid)
    if kind not in HOLDERS[record["kind"]]:
        raise step.reject(
            f"a {record['kind']} cannot be loaded into a {kind}", Rule.CONTAINER_KIND, uid
        )
    if record.get("contained_in"):
        raise step.reject(f"the item is already in {record['contained_in']}", Rule.TWO_PLACES, uid)
    if record["kind"] == WARHEAD:
        loadable, what = (STORED, DEPLOYED), "warhead"
    elif record["kind"] in MISSILES:
        loadable, what = (DEPLOYED, NON_DEPLOYED), "missile"
    else:
        return record
    if record["status"] not in loadable:
        raise step.reject(
            f"a {record['status']} {what} cannot be loaded", Rule.ILLEGAL_TRANSITION, uid
        )
    return record


def _load(step: Step, payload: Mapping[str, Any]) -> Mutations:
    index = step.index
    container = payload["container"]
    uids = payload.get("items", ())
    anonymous = payload.get("warheads", 0)
    holder = step.alive(container)
    kind = holder["kind"]
    if anonymous and kind not in CARRIERS:
        raise step.reject(f"a {kind} carries no warheads", Rule.CONTAINER_KIND, container)
    if kind in LAUNCHERS and holder["status"] not in (DEPLOYED, NON_DEPLOYED):
        raise step.reject(
            f"a launcher {holder['status']} cannot be loaded", Rule.ILLEGAL_TRANSITION, container
        )
    warhead_items = 0
    missiles: list[str] = []
    for uid in uids:
        record = _loadable(step, container, kind, uid)
        if record["kind"] == WARHEAD:
            warhead_items += 1
        elif record["kind"] in MISSILES:
            missiles.append(uid)
    if missiles:
        held = index.holds_missile(container, MISSILES)
        if held or len(missiles) > 1:
            other = held[0] if held else missiles[1]
            raise step.reject(
                f"a launcher holds one missile; it would hold {other} too",
                Rule.CAPACITY,
                container,
            )
    added = anonymous + warhead_items
    total = (holder.get("warheads") or 0) + added
    if added:
        step.within_capacity(container, holder, total)
    facility = holder.get("facility")

    def mutate() -> None:
        for uid in uids:
            record = index.records[uid]
            changes: dict[str, Any] = {"contained_in": container}
            if facility is not None:
                changes["facility"] = facility
                for child in index.descendants(uid):
                    index.change(child, facility=facility)
            if record["kind"] == WARHEAD or record["kind"] in MISSILES:
                changes["status"] = DEPLOYED
            index.change(uid, **changes)
        index.place(container, list(uids))
        if added:
            index.put(container, "warheads", total)
        if missiles:
            index.put(container, "status", DEPLOYED)

    return [mutate]


def _unload(step: Step, payload: Mapping[str, Any]) -> Mutations:
    index = step.index
    container = payload["container"]
    uids = payload.get("items", ())
    anonymous = payload.get("warheads", 0)
    holder = step.alive(container)
    inside = index.contents.get(container, [])
    warhead_items_inside = sum(1 for u in inside if index.records[u]["kind"] == WARHEAD)
    warhead_items = 0
    missiles = 0
    for uid in uids:
        record = step.own(uid)
        if record.get("contained_in") != container:
            raise step.reject(f"the item is not in {container}", Rule.NOT_IN_CONTAINER, uid)
        if record["kind"] == WARHEAD:
            warhead_items += 1
        elif record["kind"] in MISSILES:
            missiles += 1
            if record.get("warheads") or index.contents.get(uid):
                raise step.reject(
                    "a missile leaves its launcher only after its warheads are unloaded",
                    Rule.NOT_EMPTY,
                    uid,
                )
    carried = holder.get("warheads") or 0
    if anonymous > carried - warhead_items_inside:
        raise step.reject(
            f"{anonymous} anonymous warheads to unload, {carried - warhead_items_inside} on board",
            Rule.NOT_IN_CONTAINER,
            container,
        )
    removed = anonymous + warhead_items

    def mutate() -> None:
        for uid in uids:
            record = index.records[uid]
            changes: dict[str, Any] = {"contained_in": None}
            if record["kind"] == WARHEAD:
                changes["status"] = STORED
            elif record["kind"] in MISSILES:
                changes["status"] = NON_DEPLOYED
            index.change(uid, **changes)
        index.take_out(container, set(uids))
        if removed:
            index.put(container, "warheads", carried - removed)
        if missiles and holder["status"] == DEPLOYED:
            index.put(container, "status", NON_DEPLOYED)

    return [mutate]


def _status_change(step: Step, payload: Mapping[str, Any]) -> Mutations:
    uid = payload["uid"]
    to_status = payload["to_status"]
    record = step.alive(uid)
    step.transition(NotificationKind.STATUS_CHANGE, uid, record, to_status)
    kind = record["kind"]
    if kind in MISSILES and to_status == DEPLOYED and not record.get("contained_in"):
        raise step.reject(
            "a missile is deployed only in a launcher (load it)", Rule.ILLEGAL_TRANSITION, uid
        )
    if kind in MISSILES and to_status == NON_DEPLOYED and record.get("contained_in"):
        raise step.reject(
            f"the missile is in launcher {record['contained_in']} (unload it)",
            Rule.ILLEGAL_TRANSITION,
            uid,
        )
    if kind in LAUNCHERS:
        holds = bool(step.index.holds_missile(uid, MISSILES))
        if (to_status == DEPLOYED) != holds:
            raise step.reject(
                "a launcher is deployed exactly while it holds a missile (load or unload it)",
                Rule.ILLEGAL_TRANSITION,
                uid,
            )
    return _set_status(step, uid, to_status)


def _set_status(step: Step, uid: str, to_status: str) -> Mutations:
    index = step.index
    return [lambda: index.put(uid, "status", to_status)]


def _warhead_step(kind: NotificationKind, to_status: str) -> Handler:
    """Retire and dismantle: a warhead's status moves one step, off any carrier."""

    def handler(step: Step, payload: Mapping[str, Any]) -> Mutations:
        uid = payload["uid"]
        record = step.alive(uid)
        step.transition(kind, uid, record, to_status)
        _off_carrier(step, uid, record)
        return _set_status(step, uid, to_status)

    return handler


def _off_carrier(step: Step, uid: str, record: Mapping[str, Any]) -> None:
    if record.get("contained_in"):
        raise step.reject(
            f"the warhead is on {record['contained_in']} (unload it)", Rule.TWO_PLACES, uid
        )


def _eliminate(step: Step, payload: Mapping[str, Any]) -> Mutations:
    uid = payload["uid"]
    record = step.alive(uid)
    step.transition(NotificationKind.ELIMINATE, uid, record, ELIMINATED)
    step.empty(uid, record)
    container = record.get("contained_in")
    if container is not None:
        # the container's contents change too: it is touched, so a notification about it
        # effective before this one is refused (Rule.EFFECTIVE_ORDER), as for a load or an
        # unload; otherwise a back-dated move of the submarine would leave the launcher
        # behind in the ledger but carry it in the replay by date
        step.own(container)
    index = step.index

    def mutate() -> None:
        if container is not None:
            # an eliminated launcher leaves its submarine's tubes
            index.take_out(container, {uid})
        index.change(uid, status=ELIMINATED, contained_in=None)

    return [mutate]


def _convert(step: Step, payload: Mapping[str, Any]) -> Mutations:
    uid = payload["uid"]
    to_status = payload["to_status"]
    record = step.alive(uid)
    step.transition(NotificationKind.CONVERT, uid, record, to_status)
    if record["kind"] != SUBMARINE:
        step.empty(uid, record)
    return _set_status(step, uid, to_status)


def _transfer(step: Step, payload: Mapping[str, Any]) -> Mutations:
    """A warhead, missile, launcher or bomber leaves the party: only out of deployment and out
    of any container, and empty. Flagged where the treaty forbids it (policy)."""
    uid = payload["uid"]
    to_party = payload["to_party"]
    record = step.alive(uid)
    step.transition(NotificationKind.TRANSFER, uid, record, TRANSFERRED)
    if to_party == step.party:
        raise step.reject("a party cannot transfer to itself", Rule.ILLEGAL_TRANSITION, uid)
    if record.get("contained_in"):
        raise step.reject(
            f"the item is in {record['contained_in']} (unload it first)", Rule.TWO_PLACES, uid
        )
    if record["kind"] != WARHEAD:
        step.empty(uid, record)
    if step.policy.forbidden_transfer(step.party, to_party, record["kind"], record.get("facility")):
        step.flags.append((Rule.THIRD_STATE_TRANSFER.value, uid))
    return _set_status(step, uid, TRANSFERRED)


def _neutral(step: Step, payload: Mapping[str, Any]) -> Mutations:
    return []


#: Applied by ``LedgerState`` itself: a correction re-validates the whole log.
SELF_APPLIED_KINDS = frozenset({NotificationKind.CORRECTION})

HANDLERS: dict[NotificationKind, Handler] = {
    NotificationKind.DECLARE: declare,
    NotificationKind.MOVE: _move,
    NotificationKind.LOAD: _load,
    NotificationKind.UNLOAD: _unload,
    NotificationKind.STATUS_CHANGE: _status_change,
    NotificationKind.RETIRE: _warhead_step(NotificationKind.RETIRE, RETIRED),
    NotificationKind.DISMANTLE: _warhead_step(NotificationKind.DISMANTLE, DISMANTLED),
    NotificationKind.ELIMINATE: _eliminate,
    NotificationKind.CONVERT: _convert,
    NotificationKind.TRANSFER: _transfer,
    **dict.fromkeys(LEDGER_NEUTRAL_KINDS, _neutral),
}

#: The same handlers by the JSON form's kind string (the hot path looks them up per record).
HANDLERS_BY_VALUE: dict[str, Handler] = {kind.value: h for kind, h in HANDLERS.items()}

"""The ``declare`` handler: items entering accountability, in named phases.

1. ``_new_items``: each declared item validates as an ``Item`` of this party, with quantity 1,
   a fresh uid, a status it may enter in, and (vehicles) a system type in the catalog;
2. ``_containment``: each item's container (declared in the same list or already known, alive)
   is of a kind that may hold it, and a launcher holds at most one missile;
3. ``_settle_places``: an item and its containers are at one facility, which a contained item
   takes from the outermost container that names one;
4. ``_check_capacities``: every carrier's warheads fit its system type, and warhead items
   declared inside a vehicle agree with its warhead count;
5. ``_declared_facilities``: facilities declared with the items are this party's.

Only then does the mutation add the items, fill the containers and register the facilities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from treatyledger.ledger.items import ItemIndex
from treatyledger.ledger.outcomes import Rule
from treatyledger.ledger.step import Mutations, Step
from treatyledger.ledger.transitions import CARRIERS, HOLDERS, MISSILES, TERMINAL, WARHEAD
from treatyledger.model.errors import ModelValidationError
from treatyledger.model.items import make_item
from treatyledger.model.parties import Facility

NewItems = dict[str, dict[str, Any]]


def declare(step: Step, payload: Mapping[str, Any]) -> Mutations:
    new = _new_items(step, payload["items"])
    contents, loaded_warheads = _containment(step, new)
    _settle_places(step, new)
    _check_capacities(step, new, loaded_warheads)
    step.touched.extend(new)
    facilities = _declared_facilities(step, payload.get("facilities", ()))
    index = step.index

    def mutate() -> None:
        index.add(new)
        for container, uids in contents.items():
            index.place(container, uids)
            if container not in new:
                carried = index.records[container].get("warheads") or 0
                index.change(container, warheads=carried + loaded_warheads.get(container, 0))
        for facility in facilities:
            index.facilities[facility.id] = facility

    return [mutate]


def _new_items(step: Step, items: Sequence[Mapping[str, Any]]) -> NewItems:
    known = step.index.records
    new: NewItems = {}
    for raw in items:
        uid = raw.get("uid")
        if not uid:
            raise step.reject("a declared item needs a uid", Rule.SCHEMA)
        try:
            valid = make_item(raw, label=str(uid))
        except ModelValidationError as exc:
            raise step.reject(str(exc), Rule.SCHEMA, uid) from None
        if valid.quantity != 1:
            raise step.reject("a declared item has quantity 1", Rule.SCHEMA, uid)
        record = valid.model_dump(mode="json", exclude_none=True, exclude={"quantity"})
        if uid in known or uid in new:
            raise step.reject("the uid is already declared", Rule.UID_DUPLICATE, uid)
        if record.get("party") != step.party:
            raise step.reject(
                f"a {step.party} notification declares an item of {record.get('party')}",
                Rule.UID_FOREIGN,
                uid,
            )
        if record["status"] in TERMINAL:
            raise step.reject(
                f"an item cannot enter accountability {record['status']}",
                Rule.ILLEGAL_TRANSITION,
                uid,
            )
        if record["kind"] != WARHEAD:
            step.capacity(uid, record)
        new[uid] = record
    return new


def _containment(step: Step, new: NewItems) -> tuple[dict[str, list[str]], dict[str, int]]:
    """What goes into which container, and how many warhead items each carrier receives
    (once every new item is known: a container may be declared in the same list)."""
    index = step.index
    contents: dict[str, list[str]] = {}
    loaded_warheads: dict[str, int] = {}
    for uid, record in new.items():
        container = record.get("contained_in")
        if container is None:
            continue
        holder = new.get(container)
        if holder is None:
            holder = step.alive(container)
        if holder["kind"] not in HOLDERS[record["kind"]]:
            raise step.reject(
                f"a {record['kind']} cannot sit in a {holder['kind']} ({container})",
                Rule.CONTAINER_KIND,
                uid,
            )
        if record["kind"] in MISSILES:
            held = [
                m
                for m in (*index.contents.get(container, ()), *contents.get(container, ()))
                if _record(index, new, m)["kind"] in MISSILES
            ]
            if held:
                raise step.reject(
                    f"launcher {container} already holds missile {held[0]}", Rule.CAPACITY, uid
                )
        if record["kind"] == WARHEAD:
            loaded_warheads[container] = loaded_warheads.get(container, 0) + 1
        contents.setdefault(container, []).append(uid)
    return contents, loaded_warheads


def _settle_places(step: Step, new: NewItems) -> None:
    """A contained item is where its outermost container is (container kinds are strictly
    ordered, warhead < missile < launcher < submarine, so the chain has no cycle)."""
    for uid, record in new.items():
        chain = [record]
        holder_uid = record.get("contained_in")
        while holder_uid is not None:
            holder = _record(step.index, new, holder_uid)
            chain.append(holder)
            holder_uid = holder.get("contained_in")
        places = {r["facility"] for r in chain if r.get("facility") is not None}
        if len(places) > 1:
            raise step.reject(
                f"the item and its containers are declared at {', '.join(sorted(places))}",
                Rule.TWO_PLACES,
                uid,
            )
        if places and len(chain) > 1:
            record["facility"] = places.pop()


def _check_capacities(step: Step, new: NewItems, loaded_warheads: Mapping[str, int]) -> None:
    for uid, record in new.items():
        if record["kind"] in CARRIERS:
            step.within_capacity(uid, record, record.get("warheads") or 0)
    for container, count in loaded_warheads.items():
        holder = _record(step.index, new, container)
        carried = holder.get("warheads") or 0
        if container not in new:
            # warhead items added to an existing vehicle raise its count, within capacity
            step.within_capacity(container, holder, carried + count)
        elif carried < count:
            raise step.reject(
                f"{count} warhead items declared in it but warheads is {carried} "
                "(warheads counts every warhead carried)",
                Rule.CAPACITY,
                container,
            )


def _declared_facilities(step: Step, declared: Sequence[Mapping[str, Any]]) -> list[Facility]:
    try:
        facilities = [Facility.model_validate(f) for f in declared]
    except ValidationError as exc:
        raise step.reject(f"a declared facility: {exc.errors()[0]['msg']}", Rule.SCHEMA) from None
    for facility in facilities:
        if facility.party != step.party:
            raise step.reject(
                f"a {step.party} notification declares a facility of {facility.party}",
                Rule.UID_FOREIGN,
                facility.id,
            )
    return facilities


def _record(index: ItemIndex, new: NewItems, uid: str) -> dict[str, Any]:
    """An item declared in this notification, or else one already known."""
    return new.get(uid) or index.records[uid]

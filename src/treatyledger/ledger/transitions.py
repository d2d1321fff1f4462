"""The lifecycle table: which status changes each notification kind may make, per item kind,
and the kind groups the handlers test against (plain strings: the hot path compares the JSON
form's values)."""

from __future__ import annotations

from treatyledger.model.kinds import (
    CONTAINER_KINDS,
    LAUNCHER_KINDS,
    MISSILE_KINDS,
    TERMINAL_STATUSES,
    ItemKind,
    Status,
)
from treatyledger.model.notifications import NotificationKind

DEPLOYED = Status.DEPLOYED.value
NON_DEPLOYED = Status.NON_DEPLOYED.value
STORED = Status.STORED.value
RETIRED = Status.RETIRED.value
IN_CONVERSION = Status.IN_CONVERSION.value
CONVERTED = Status.CONVERTED.value
CONVERTED_NN = Status.CONVERTED_NON_NUCLEAR.value
ELIMINATED = Status.ELIMINATED.value
DISMANTLED = Status.DISMANTLED.value
TRANSFERRED = Status.TRANSFERRED.value
TERMINAL = frozenset(s.value for s in TERMINAL_STATUSES)

WARHEAD = ItemKind.WARHEAD.value
MISSILES = frozenset(k.value for k in MISSILE_KINDS)
LAUNCHERS = frozenset(k.value for k in LAUNCHER_KINDS)
BOMBER = ItemKind.HEAVY_BOMBER.value
SUBMARINE = ItemKind.SUBMARINE.value
CARRIERS = frozenset({*MISSILES, BOMBER})  # what carries warheads
#: item kind -> the kinds of container it may sit in
HOLDERS = {k.value: frozenset(v.value for v in vs) for k, vs in CONTAINER_KINDS.items()}

_DELIVERY = (*MISSILES, *LAUNCHERS, SUBMARINE)

#: Legal (from, to) status pairs per notification kind and item kind. ``load``/``unload`` move
#: missiles and launchers between deployed and non_deployed as a side effect and are not here.
TRANSITIONS: dict[str, dict[str, frozenset[tuple[str, str]]]] = {
    NotificationKind.STATUS_CHANGE.value: {
        **{
            k: frozenset(
                {
                    (DEPLOYED, NON_DEPLOYED),
                    (NON_DEPLOYED, DEPLOYED),
                    (IN_CONVERSION, NON_DEPLOYED),  # a conversion abandoned
                }
            )
            for k in _DELIVERY
        },
        BOMBER: frozenset({(DEPLOYED, NON_DEPLOYED), (NON_DEPLOYED, DEPLOYED)}),
        WARHEAD: frozenset({(RETIRED, STORED)}),  # back from retirement: the hedge
    },
    NotificationKind.RETIRE.value: {WARHEAD: frozenset({(STORED, RETIRED)})},
    NotificationKind.DISMANTLE.value: {WARHEAD: frozenset({(RETIRED, DISMANTLED)})},
    NotificationKind.ELIMINATE.value: {
        **{
            k: frozenset(
                {
                    (NON_DEPLOYED, ELIMINATED),
                    (IN_CONVERSION, ELIMINATED),
                    (CONVERTED, ELIMINATED),
                }
            )
            for k in _DELIVERY
        },
        BOMBER: frozenset({(NON_DEPLOYED, ELIMINATED), (CONVERTED_NN, ELIMINATED)}),
    },
    NotificationKind.CONVERT.value: {
        **{
            k: frozenset({(NON_DEPLOYED, IN_CONVERSION), (IN_CONVERSION, CONVERTED)})
            for k in _DELIVERY
        },
        BOMBER: frozenset({(NON_DEPLOYED, CONVERTED_NN)}),
    },
    # a delivery item is transferred out of deployment (START I's First Agreed Statement and
    # New START Art. XIII forbid transfers to third states save existing cooperation)
    NotificationKind.TRANSFER.value: {
        WARHEAD: frozenset({(STORED, TRANSFERRED), (RETIRED, TRANSFERRED)}),
        **{k: frozenset({(NON_DEPLOYED, TRANSFERRED)}) for k in _DELIVERY},
        BOMBER: frozenset({(NON_DEPLOYED, TRANSFERRED)}),
    },
}

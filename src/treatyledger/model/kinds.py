"""Enumerations of the domain: item kinds, statuses per kind, basing, facility types."""

from __future__ import annotations

from enum import StrEnum


class ItemKind(StrEnum):
    ICBM = "icbm"
    SLBM = "slbm"
    ICBM_LAUNCHER = "icbm_launcher"
    SLBM_LAUNCHER = "slbm_launcher"
    HEAVY_BOMBER = "heavy_bomber"
    SUBMARINE = "submarine"
    WARHEAD = "warhead"


class Status(StrEnum):
    DEPLOYED = "deployed"
    NON_DEPLOYED = "non_deployed"
    IN_CONVERSION = "in_conversion"
    CONVERTED = "converted"
    ELIMINATED = "eliminated"
    CONVERTED_NON_NUCLEAR = "converted_non_nuclear"
    STORED = "stored"
    RETIRED = "retired"
    DISMANTLED = "dismantled"
    TRANSFERRED = "transferred"


class Basing(StrEnum):
    SILO = "silo"
    ROAD_MOBILE = "road_mobile"
    RAIL_MOBILE = "rail_mobile"
    SUBMARINE = "submarine"
    AIR = "air"


class Armament(StrEnum):
    """What a heavy bomber is equipped for (START I / New START categories)."""

    LRNA = "lrna"  # long-range nuclear air-launched cruise missiles
    NUCLEAR = "nuclear"  # other nuclear armaments: gravity bombs, short-range missiles
    NON_NUCLEAR = "non_nuclear"


class Role(StrEnum):
    """What an item is used for, where that differs from operational duty. Treaties define
    test, training and space launch launchers and test heavy bombers by their role, wherever
    they stand; ``repair`` and ``production`` mark an item under maintenance or not yet
    delivered although its facility is not a repair yard or a plant."""

    TEST = "test"
    TRAINING = "training"
    SPACE_LAUNCH = "space_launch"
    REPAIR = "repair"
    PRODUCTION = "production"


class FacilityType(StrEnum):
    ICBM_BASE = "icbm_base"
    SUBMARINE_BASE = "submarine_base"
    AIR_BASE = "air_base"
    STORAGE = "storage"
    REPAIR = "repair"
    PRODUCTION = "production"
    CONVERSION_ELIMINATION = "conversion_elimination"
    TEST_RANGE = "test_range"
    TRAINING = "training"
    SPACE_LAUNCH = "space_launch"


_DELIVERY_STATUSES = frozenset(
    {
        Status.DEPLOYED,
        Status.NON_DEPLOYED,
        Status.IN_CONVERSION,
        Status.CONVERTED,
        Status.ELIMINATED,
        Status.TRANSFERRED,  # to another state, e.g. Trident II SLBMs to the United Kingdom
    }
)

#: Legal statuses per item kind: the design brief's, and ``transferred`` for every kind (the
#: treaties regulate transfers of missiles, launchers and bombers as well as of warheads).
STATUSES_BY_KIND: dict[ItemKind, frozenset[Status]] = {
    ItemKind.ICBM: _DELIVERY_STATUSES,
    ItemKind.SLBM: _DELIVERY_STATUSES,
    ItemKind.ICBM_LAUNCHER: _DELIVERY_STATUSES,
    ItemKind.SLBM_LAUNCHER: _DELIVERY_STATUSES,
    ItemKind.SUBMARINE: _DELIVERY_STATUSES,
    ItemKind.HEAVY_BOMBER: frozenset(
        {
            Status.DEPLOYED,
            Status.NON_DEPLOYED,
            Status.CONVERTED_NON_NUCLEAR,
            Status.ELIMINATED,
            Status.TRANSFERRED,
        }
    ),
    ItemKind.WARHEAD: frozenset(
        {
            Status.DEPLOYED,
            Status.STORED,
            Status.RETIRED,
            Status.DISMANTLED,
            Status.TRANSFERRED,
        }
    ),
}

#: Statuses from which an item can never come back.
TERMINAL_STATUSES = frozenset({Status.ELIMINATED, Status.DISMANTLED, Status.TRANSFERRED})

MISSILE_KINDS = frozenset({ItemKind.ICBM, ItemKind.SLBM})
LAUNCHER_KINDS = frozenset({ItemKind.ICBM_LAUNCHER, ItemKind.SLBM_LAUNCHER})

#: Which kind of container each kind may sit in (a warhead may also sit at a facility alone).
CONTAINER_KINDS: dict[ItemKind, frozenset[ItemKind]] = {
    ItemKind.WARHEAD: frozenset({ItemKind.ICBM, ItemKind.SLBM, ItemKind.HEAVY_BOMBER}),
    ItemKind.ICBM: frozenset({ItemKind.ICBM_LAUNCHER}),
    ItemKind.SLBM: frozenset({ItemKind.SLBM_LAUNCHER}),
    ItemKind.SLBM_LAUNCHER: frozenset({ItemKind.SUBMARINE}),
    ItemKind.ICBM_LAUNCHER: frozenset(),
    ItemKind.HEAVY_BOMBER: frozenset(),
    ItemKind.SUBMARINE: frozenset(),
}

"""Synthetic but realistic notification streams sized to official aggregate numbers.

``synthetic_stream`` declares a party's force at its first aggregate date (New START's three
central numbers: deployed delivery vehicles, deployed warheads, deployed and non-deployed
launchers) and then moves it, period by period, to each later date's numbers with the
notifications a real implementation office would send: reentry vehicles unloaded from missiles,
missiles unloaded from launchers, bombers taken off deployment, empty launchers eliminated or
converted, bombers converted to non-nuclear, new launchers and missiles declared, stored
warheads retired and dismantled. Replay of the stream under the New START rule set gives the
official numbers exactly at every date modelled.

Pure: the aggregates, the force mix (assumptions), the catalog and the random source are
passed in. Records are JSON dicts exactly as ``Notification.to_json_dict()`` writes them.

Assumptions (``ForceMix``): no public source splits every aggregate by system type at every
date, so each party's three numbers are split over its legs by fixed shares (largest-remainder
rounding keeps the sums exact). The shares are the 2011 proportions from the State Department's
first breakdown (US: 449 deployed ICBMs, 249 deployed SLBMs, 184 deployed bombers of 882;
RU: roughly 55 % ICBMs, 30 % SLBMs, 15 % bombers), rounded; reentry vehicles are spread over
deployed missiles evenly relative to each type's capacity. SLBM launchers are modelled without
their submarines. Statuses follow New START's definitions (Protocol Part One), which the rule
set derives from place and containment: a deployed launcher holds a missile, and a heavy bomber
is non-deployed only at a repair facility (so a bomber taken off deployment moves to the
party's repair facility, and back to its base when it returns).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from treatyledger.ledger.allocation import split, spread_rvs
from treatyledger.model.catalog import Catalog


@dataclass(frozen=True)
class AggregatePoint:
    """One party's New START central numbers as of a data date, with their source."""

    date: date
    party: str
    deployed_delivery_vehicles: int
    deployed_warheads: int
    deployed_and_nondeployed_launchers: int
    source: str = ""


@dataclass(frozen=True)
class Leg:
    """One system type of a force. ``reduction``: how its surplus launchers leave
    accountability: ``eliminate``, ``convert`` (launchers: in_conversion then converted) or
    ``convert_non_nuclear`` (bombers)."""

    kind: str  # "icbm" | "slbm" | "heavy_bomber"
    system_type: str
    deployed_share: float
    non_deployed_share: float
    facility: str
    reduction: str = "eliminate"
    armament: str | None = None  # bombers: "lrna" or "nuclear"


@dataclass(frozen=True)
class ForceMix:
    legs: tuple[Leg, ...]
    spare_missiles: int = 30  # non-deployed missiles per missile leg at the start
    storage_facility: str = "STORAGE-1"
    repair_facility: str = "REPAIR-1"  # where non-deployed heavy bombers are
    stored_warheads: int = 40  # warhead items in storage, retired and dismantled over time
    source: str = ""


US_FORCE_MIX = ForceMix(
    legs=(
        Leg("icbm", "MM III", 0.51, 0.40, "US-ICBM-BASE", "eliminate"),
        Leg("slbm", "Trident II", 0.28, 0.30, "US-SUB-BASE", "convert"),
        Leg("heavy_bomber", "B-52H", 0.15, 0.25, "US-AIR-BASE-1", "convert_non_nuclear", "lrna"),
        Leg("heavy_bomber", "B-2A", 0.06, 0.05, "US-AIR-BASE-2", "eliminate", "nuclear"),
    ),
    storage_facility="US-STORAGE",
    repair_facility="US-DEPOT",
    source="State Dept. New START breakdown of 2011-06-01 (449/249/184 deployed); assumption",
)

RU_FORCE_MIX = ForceMix(
    legs=(
        Leg("icbm", "SS-18", 0.12, 0.10, "RU-ICBM-BASE-1", "eliminate"),
        Leg("icbm", "Yars", 0.43, 0.40, "RU-ICBM-BASE-2", "eliminate"),
        Leg("slbm", "Sineva", 0.30, 0.30, "RU-SUB-BASE", "eliminate"),
        Leg("heavy_bomber", "Tu-95MS", 0.15, 0.20, "RU-AIR-BASE", "eliminate", "lrna"),
    ),
    storage_facility="RU-STORAGE",
    repair_facility="RU-DEPOT",
    source="rough 2011 proportions (Podvig, russianforces.org); assumption",
)

FORCE_MIXES = {"US": US_FORCE_MIX, "RU": RU_FORCE_MIX}


@dataclass
class _LegState:
    leg: Leg
    capacity: int
    deployed: list[str] = field(default_factory=list)  # launchers (or bombers) deployed
    empty: list[str] = field(default_factory=list)  # non-deployed launchers / bombers
    spares: list[str] = field(default_factory=list)  # non-deployed missiles
    missile_in: dict[str, str] = field(default_factory=dict)  # launcher -> missile


class _Builder:
    def __init__(self, party: str, mix: ForceMix, catalog: Catalog, rng: random.Random):
        self.party = party
        self.mix = mix
        self.rng = rng
        self.counter = 0
        self.legs = [
            _LegState(leg, catalog.resolve(leg.system_type).max_warheads) for leg in mix.legs
        ]
        self.rvs: dict[str, int] = {}  # deployed missile -> reentry vehicles
        self.capacity: dict[str, int] = {}
        self.stored: list[str] = []
        self.retired: list[str] = []

    def uid(self, tag: str) -> str:
        self.counter += 1
        return f"{self.party}-{tag}-{self.counter:07d}"

    def is_missile_leg(self, s: _LegState) -> bool:
        return s.leg.kind != "heavy_bomber"

    def launcher_kind(self, s: _LegState) -> str:
        return {"icbm": "icbm_launcher", "slbm": "slbm_launcher"}[s.leg.kind]

    def new_launcher(self, s: _LegState, status: str) -> dict[str, Any]:
        leg = s.leg
        if not self.is_missile_leg(s):
            uid = self.uid("HB")
            item = {
                "uid": uid,
                "party": self.party,
                "kind": "heavy_bomber",
                "system_type": leg.system_type,
                "status": status,
                "quantity": 1,
                "facility": leg.facility if status == "deployed" else self.mix.repair_facility,
            }
            if leg.armament:
                item["armament"] = leg.armament
            return item
        return {
            "uid": self.uid("LN"),
            "party": self.party,
            "kind": self.launcher_kind(s),
            "system_type": leg.system_type,
            "status": status,
            "quantity": 1,
            "facility": leg.facility,
        }

    def new_missile(self, s: _LegState, facility: str) -> dict[str, Any]:
        uid = self.uid("MS")
        self.capacity[uid] = s.capacity
        return missile_item(uid, self.party, s.leg.kind, s.leg.system_type, facility)


def missile_item(
    uid: str, party: str, kind: str, system_type: str, facility: str
) -> dict[str, Any]:
    """A new missile's item: non-deployed, at ``facility``, contained in nothing yet."""
    return {
        "uid": uid,
        "party": party,
        "kind": kind,
        "system_type": system_type,
        "status": "non_deployed",
        "quantity": 1,
        "facility": facility,
    }


def _time_text(moment: datetime) -> str:
    # whole seconds in UTC, as Notification.to_json_dict() writes them (isoformat is fast)
    return moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def _targets(mix: ForceMix, point: AggregatePoint) -> tuple[list[int], list[int]]:
    deployed = split(point.deployed_delivery_vehicles, [leg.deployed_share for leg in mix.legs])
    non_deployed = split(
        point.deployed_and_nondeployed_launchers - point.deployed_delivery_vehicles,
        [leg.non_deployed_share for leg in mix.legs],
    )
    return deployed, non_deployed


def synthetic_stream(
    party: str,
    points: Sequence[AggregatePoint],
    catalog: Catalog,
    rng: random.Random,
    *,
    mix: ForceMix | None = None,
    churn_pairs_per_period: int = 0,
    late_fraction: float = 0.0,
    deadline_days: int = 5,
    first_sequence: int = 1,
) -> list[dict[str, Any]]:
    """The notifications (JSON dicts, unsigned) that take ``party``'s force through
    ``points`` (its aggregate numbers, in date order). ``churn_pairs_per_period`` adds
    self-cancelling routine pairs per period (an RV loaded then unloaded, a spare missile moved
    to storage and back) to size the stream for benchmarks; ``late_fraction`` of the
    notifications are issued past ``deadline_days``."""
    mix = mix or FORCE_MIXES[party]
    points = sorted((p for p in points if p.party == party), key=lambda p: p.date)
    if not points:
        raise ValueError(f"no aggregate points for {party}")
    b = _Builder(party, mix, catalog, rng)
    records: list[dict[str, Any]] = []
    sequence = first_sequence

    def emit(kind: str, payload: dict[str, Any], effective: datetime) -> None:
        nonlocal sequence
        # rng.random() rather than randrange: this runs a million times for the benchmarks
        if late_fraction and rng.random() < late_fraction:
            delay = timedelta(days=deadline_days + 1 + int(rng.random() * 10))
        else:
            delay = timedelta(hours=1 + int(rng.random() * (deadline_days * 24 - 1)))
        # the canonical JSON form spells out defaults (Notification.to_json_dict)
        if kind in ("load", "unload"):
            payload = {"container": payload["container"], "items": [], "warheads": 0, **payload}
        elif kind == "declare":
            payload = {"facilities": [], **payload}
        records.append(
            {
                "party": party,
                "sequence": sequence,
                "kind": kind,
                "effective_time": _time_text(effective),
                "issued_time": _time_text(effective + delay),
                "payload": payload,
            }
        )
        sequence += 1

    # ---- the initial declaration
    first = points[0]
    deployed, non_deployed = _targets(mix, first)
    items: list[dict[str, Any]] = []
    facilities = [
        {
            "id": leg.facility,
            "party": party,
            "type": _facility_type(leg.kind),
            "name": f"{party} {leg.kind} base (synthetic)",
        }
        for leg in mix.legs
    ]
    facilities = list({f["id"]: f for f in facilities}.values())
    facilities.append(
        {
            "id": mix.storage_facility,
            "party": party,
            "type": "storage",
            "name": f"{party} storage (synthetic)",
        }
    )
    facilities.append(
        {
            "id": mix.repair_facility,
            "party": party,
            "type": "repair",
            "name": f"{party} heavy bomber depot (synthetic)",
        }
    )
    for s, n_dep, n_non in zip(b.legs, deployed, non_deployed, strict=True):
        for _ in range(n_dep):
            launcher = b.new_launcher(s, "deployed")
            items.append(launcher)
            s.deployed.append(launcher["uid"])
            if b.is_missile_leg(s):
                missile = b.new_missile(s, s.leg.facility)
                missile.update(status="deployed", contained_in=launcher["uid"], warheads=0)
                items.append(missile)
                s.missile_in[launcher["uid"]] = missile["uid"]
                b.rvs[missile["uid"]] = 0
        for _ in range(n_non):
            launcher = b.new_launcher(s, "non_deployed")
            items.append(launcher)
            s.empty.append(launcher["uid"])
        if b.is_missile_leg(s):
            for _ in range(mix.spare_missiles):
                spare = b.new_missile(s, mix.storage_facility)
                items.append(spare)
                s.spares.append(spare["uid"])
    bombers = sum(len(s.deployed) for s in b.legs if not b.is_missile_leg(s))
    loads = spread_rvs(b.rvs, b.capacity, first.deployed_warheads - bombers)
    by_uid = {item["uid"]: item for item in items}
    for loaded, rv in loads.items():
        by_uid[loaded]["warheads"] = rv
    b.rvs = loads
    for _ in range(mix.stored_warheads):
        uid = b.uid("WH")
        items.append(
            {
                "uid": uid,
                "party": party,
                "kind": "warhead",
                "status": "stored",
                "quantity": 1,
                "facility": mix.storage_facility,
            }
        )
        b.stored.append(uid)
    start = datetime.combine(first.date, datetime.min.time(), tzinfo=UTC)
    emit("declare", {"items": items, "facilities": facilities}, start)

    # ---- each later period
    for previous, point in itertools.pairwise(points):
        ops: list[tuple[str, dict[str, Any]]] = []
        _churn(b, ops, churn_pairs_per_period)
        _reduce(b, ops, point)
        days = (point.date - previous.date).days
        begin = datetime.combine(previous.date, datetime.min.time(), tzinfo=UTC)
        # effective times in op order (per item, effective order must follow sequence order)
        span = days * 86_400 - 43_200
        offsets = sorted(86_400 + int(rng.random() * span) for _ in ops)
        for (kind, payload), offset in zip(ops, offsets, strict=True):
            emit(kind, payload, begin + timedelta(seconds=offset))
    return records


def _facility_type(kind: str) -> str:
    return {"icbm": "icbm_base", "slbm": "submarine_base", "heavy_bomber": "air_base"}[kind]


def _churn(b: _Builder, ops: list[tuple[str, dict[str, Any]]], pairs: int) -> None:
    missiles = [m for m in b.rvs if b.rvs[m] < b.capacity[m]]
    spares = [(s, m) for s in b.legs for m in s.spares]
    for i in range(pairs):
        if i % 2 == 0 and missiles:
            m = missiles[int(b.rng.random() * len(missiles))]
            ops.append(("load", {"container": m, "warheads": 1}))
            ops.append(("unload", {"container": m, "warheads": 1}))
        elif spares:
            s, m = spares[int(b.rng.random() * len(spares))]
            ops.append(("move", {"uid": m, "to_facility": s.leg.facility}))
            ops.append(("move", {"uid": m, "to_facility": b.mix.storage_facility}))


def _reduce(b: _Builder, ops: list[tuple[str, dict[str, Any]]], point: AggregatePoint) -> None:
    deployed, non_deployed = _targets(b.mix, point)
    new_declared: list[dict[str, Any]] = []
    for s, n_dep, n_non in zip(b.legs, deployed, non_deployed, strict=True):
        total = n_dep + n_non
        # more launchers: new production enters accountability
        while len(s.deployed) + len(s.empty) < total:
            fresh = b.new_launcher(s, "non_deployed")
            new_declared.append(fresh)
            s.empty.append(fresh["uid"])
    if new_declared:
        ops.append(("declare", {"items": new_declared}))
    for s, n_dep, n_non in zip(b.legs, deployed, non_deployed, strict=True):
        missile_leg = b.is_missile_leg(s)
        # fewer deployed: take down the least loaded first
        if len(s.deployed) > n_dep:
            s.deployed.sort(key=lambda ln: b.rvs.get(s.missile_in.get(ln, ""), 0), reverse=True)
        while len(s.deployed) > n_dep:
            launcher = s.deployed.pop()
            if missile_leg:
                missile = s.missile_in.pop(launcher)
                rv = b.rvs.pop(missile)
                if rv:
                    ops.append(("unload", {"container": missile, "warheads": rv}))
                ops.append(("unload", {"container": launcher, "items": [missile]}))
                s.spares.append(missile)
            else:
                ops.append(("move", {"uid": launcher, "to_facility": b.mix.repair_facility}))
                ops.append(("status_change", {"uid": launcher, "to_status": "non_deployed"}))
            s.empty.append(launcher)
        # more deployed: a spare missile into an empty launcher, or a bomber back on duty
        while len(s.deployed) < n_dep:
            launcher = s.empty.pop(0)
            if missile_leg:
                if s.spares:
                    missile = s.spares.pop(0)
                else:
                    new = b.new_missile(s, s.leg.facility)
                    ops.append(("declare", {"items": [new]}))
                    missile = str(new["uid"])
                ops.append(("load", {"container": launcher, "items": [missile]}))
                s.missile_in[launcher] = missile
                b.rvs[missile] = 0
            else:
                ops.append(("move", {"uid": launcher, "to_facility": s.leg.facility}))
                ops.append(("status_change", {"uid": launcher, "to_status": "deployed"}))
            s.deployed.append(launcher)
        # fewer launchers: the empty ones leave accountability
        while len(s.deployed) + len(s.empty) > n_dep + n_non:
            launcher = s.empty.pop()
            if s.leg.reduction == "convert":
                ops.append(("convert", {"uid": launcher, "to_status": "in_conversion"}))
                ops.append(("convert", {"uid": launcher, "to_status": "converted"}))
            elif s.leg.reduction == "convert_non_nuclear":
                ops.append(("convert", {"uid": launcher, "to_status": "converted_non_nuclear"}))
            else:
                ops.append(("eliminate", {"uid": launcher}))
    bombers = sum(len(s.deployed) for s in b.legs if not b.is_missile_leg(s))
    loads = spread_rvs(b.rvs, b.capacity, point.deployed_warheads - bombers)
    for missile in sorted(loads):
        change = loads[missile] - b.rvs[missile]
        if change > 0:
            ops.append(("load", {"container": missile, "warheads": change}))
        elif change < 0:
            ops.append(("unload", {"container": missile, "warheads": -change}))
    b.rvs = loads
    # the stockpile shrinks: one stored warhead retired, an earlier retired one dismantled
    if b.retired:
        ops.append(("dismantle", {"uid": b.retired.pop(0)}))
    if b.stored:
        uid = b.stored.pop(0)
        ops.append(("retire", {"uid": uid}))
        b.retired.append(uid)

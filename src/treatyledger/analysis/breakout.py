"""Breakout timeline: deployed warheads against days from a decision to upload.

Each system type opens free warhead slots over time, as ramps:

- ``rate`` schedule (missiles per base per week; bombers, loaded in hours, at a higher
  rate): after ``lead_days`` (warheads brought from storage to the bases), the deployed
  vehicles are uploaded at ``bases x vehicles_per_base_per_week`` a week;
- ``port_cycle`` schedule (submarines): ``submarines`` boats share the deployed missiles
  and their headroom equally; at the decision boat *k* of *n* is at phase *k/n* of its cycle
  (``patrol_days`` at sea, then ``port_days`` in port); a boat in port stays until uploaded,
  a boat at sea comes back on schedule; each upload takes ``upload_days_per_submarine``;
- restored non-deployed launchers and reversed conversions, where enabled, open whole
  vehicles from their ready day at their own weekly rate (in parallel with the rest: they
  are other crews and facilities).

Warheads become available as the hedge policy says (stored after ``stored_return_days``,
retired ones, if usable, after ``retired_return_days``). Deployed warheads on day *t* are the
current ones plus the most that can be placed into the slots open on day *t* with the
warheads available on day *t* (``placement.place``). Between breakpoints that is a concave
piecewise-linear function of *t* (a minimum over cuts of linear functions), so the curve is
exact once its kinks are found, which ``_refine`` does by intersecting tangents.

At each stage the binding constraint of every system is named: ``lead_time`` (warheads not
yet at the base), ``upload_rate`` (vehicles being uploaded as fast as the rate allows),
``port_cycle`` (waiting for submarines to come into port), ``restoration`` (waiting for
non-deployed or converted vehicles to be ready), ``warheads`` (open slots but no compatible
warhead available), ``capacity`` (every slot filled) or ``not_scheduled`` (slots whose rate
is zero).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from treatyledger.analysis.errors import AnalysisParameterError
from treatyledger.analysis.parameters import UploadParameters
from treatyledger.analysis.placement import EPSILON, place
from treatyledger.analysis.upload import (
    LEGS,
    Force,
    fits_by_group,
    force_of,
    group_key,
    system_parameters_by_id,
)
from treatyledger.model import Catalog, Inventory, Status

SUBMARINE_TRANCHE = "submarine"
DEPLOYED_TRANCHE = "deployed"
NONDEPLOYED_TRANCHE = "non-deployed"
RECONVERSION_TRANCHE = "reconversion"
_MAX_REFINE_DEPTH = 30
_REFINE_BUDGET = 20_000  # evaluations of the placement per timeline


@dataclass(frozen=True)
class Ramp:
    """``slots`` free warhead slots of one system opening linearly from ``start`` to ``end``."""

    system_type: str
    tranche: str
    start: float
    end: float
    slots: float

    def open_at(self, day: float) -> float:
        if day <= self.start:
            return 0.0
        if day >= self.end:
            return self.slots
        return self.slots * (day - self.start) / (self.end - self.start)

    def active_at(self, day: float) -> bool:
        return self.start <= day < self.end


@dataclass(frozen=True)
class SupplyStep:
    """``quantity`` warheads of one group available from ``day`` on."""

    group: str
    day: float
    quantity: float


@dataclass(frozen=True)
class Stage:
    """An interval of days over which every system's binding constraint stays the same."""

    start: float
    end: float | None  # None: from ``start`` on, nothing changes any more
    deployed_start: float
    deployed_end: float
    binding: Mapping[str, str]  # system type -> constraint

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "start_day": round(self.start, 3),
            "end_day": None if self.end is None else round(self.end, 3),
            "deployed_start": round(self.deployed_start, 1),
            "deployed_end": round(self.deployed_end, 1),
            "binding": dict(self.binding),
        }


@dataclass(frozen=True)
class BreakoutTimeline:
    party: str
    leg_of: Mapping[str, str]  # system type -> leg
    days: tuple[float, ...]  # non-decreasing; a repeated day is a jump
    deployed: tuple[float, ...]
    by_leg: Mapping[str, tuple[float, ...]]
    stages: tuple[Stage, ...]
    ramps: tuple[Ramp, ...]

    @property
    def current(self) -> float:
        return self.deployed[0]

    @property
    def final(self) -> float:
        return self.deployed[-1]

    @property
    def end_day(self) -> float:
        return self.days[-1]

    def deployed_at(self, day: float) -> float:
        """Deployed warheads at the end of ``day`` (after any jump on that day)."""
        if day <= self.days[0]:
            return self.deployed[0]
        for i in range(1, len(self.days)):
            if day < self.days[i]:
                t0, t1 = self.days[i - 1], self.days[i]
                v0, v1 = self.deployed[i - 1], self.deployed[i]
                return v0 + (v1 - v0) * (day - t0) / (t1 - t0)
        return self.deployed[-1]

    def days_to_reach(self, level: float) -> float | None:
        """First day on which deployed warheads reach ``level``; None if they never do."""
        if self.deployed[0] >= level - EPSILON:
            return 0.0
        for i in range(1, len(self.days)):
            if self.deployed[i] >= level - EPSILON:
                t0, t1 = self.days[i - 1], self.days[i]
                v0, v1 = self.deployed[i - 1], self.deployed[i]
                if t1 == t0 or v1 == v0:
                    return t1
                return t0 + (t1 - t0) * (level - v0) / (v1 - v0)
        return None

    def to_json_dict(self, levels: tuple[float, ...] = ()) -> dict[str, Any]:
        return {
            "party": self.party,
            "currently_deployed_warheads": round(self.current),
            "final_deployed_warheads": round(self.final),
            "days_to_final": round(self.days_to_reach(self.final) or 0.0, 3),
            "days_to_level": {
                str(int(level)): (None if (d := self.days_to_reach(level)) is None else round(d, 3))
                for level in levels
            },
            "legs": {s: leg for s, leg in self.leg_of.items()},
            "points": [
                {
                    "day": round(day, 3),
                    "deployed": round(value, 2),
                    **{leg: round(series[i], 2) for leg, series in self.by_leg.items()},
                }
                for i, (day, value) in enumerate(zip(self.days, self.deployed, strict=True))
            ],
            "stages": [stage.to_json_dict() for stage in self.stages],
        }


def build_ramps(force: Force, params: UploadParameters, catalog: Catalog) -> list[Ramp]:
    """The slot-opening ramps of every system of the force, as the parameters schedule them."""
    system_params = system_parameters_by_id(params, catalog)
    # a system no usable warhead fits gains nothing from a schedule: it needs none
    receiving = {system for entry in force.stock for system in entry.fits}
    ramps: list[Ramp] = []
    for type_id, system in force.systems.items():
        if system.headroom == 0 or type_id not in receiving:
            continue
        sp = system_params.get(type_id)
        if sp is None:
            raise AnalysisParameterError(
                f"parameters: no upload schedule for system type {type_id!r} "
                "(add a [[systems]] entry for it)"
            )
        lead = sp.lead_days.value
        if system.deployed_headroom > 0:
            if sp.schedule == "rate":
                assert sp.bases is not None and sp.vehicles_per_base_per_week is not None
                per_day = sp.bases.value * sp.vehicles_per_base_per_week.value / 7.0
                if per_day > 0:
                    ramps.append(
                        Ramp(
                            type_id,
                            DEPLOYED_TRANCHE,
                            lead,
                            lead + system.deployed_vehicles / per_day,
                            float(system.deployed_headroom),
                        )
                    )
            else:
                ramps.extend(_submarine_ramps(type_id, system.deployed_headroom, sp, lead))
        for tranche, vehicles, ready, rate in (
            (
                NONDEPLOYED_TRANCHE,
                system.restorable_nondeployed,
                sp.nondeployed_ready_days,
                sp.nondeployed_per_week,
            ),
            (
                RECONVERSION_TRANCHE,
                system.restorable_converted,
                sp.reconversion_ready_days,
                sp.reconversions_per_week,
            ),
        ):
            if vehicles == 0 or ready is None or rate is None or rate.value <= 0:
                continue
            start = max(lead, ready.value)
            ramps.append(
                Ramp(
                    type_id,
                    tranche,
                    start,
                    start + vehicles / (rate.value / 7.0),
                    float(vehicles * system.capacity_per_vehicle),
                )
            )
    return ramps


def _submarine_ramps(type_id: str, headroom: int, sp: Any, lead: float) -> list[Ramp]:
    boats = sp.submarines.value
    if boats == 0:
        return []
    patrol = sp.patrol_days.value
    cycle = patrol + sp.port_days.value
    upload = sp.upload_days_per_submarine.value
    share = headroom / boats
    ramps = []
    for k in range(boats):
        phase = k * cycle / boats
        arrival = 0.0 if phase >= patrol else patrol - phase
        start = max(lead, arrival)
        ramps.append(Ramp(type_id, f"{SUBMARINE_TRANCHE} {k + 1}", start, start + upload, share))
    return ramps


def supply_steps(force: Force, params: UploadParameters) -> list[SupplyStep]:
    steps = []
    for entry in force.stock:
        if entry.status is Status.STORED:
            day = params.hedge.stored_return_days.value
        else:  # retired and usable (force_of drops retired ones otherwise)
            day = params.hedge.retired_return_days.value
        steps.append(SupplyStep(group_key(entry.fits), day, float(entry.quantity)))
    return steps


class _Evaluator:
    def __init__(self, force: Force, ramps: list[Ramp], steps: list[SupplyStep]):
        self.force = force
        self.ramps_by_system: dict[str, list[Ramp]] = defaultdict(list)
        for ramp in ramps:
            self.ramps_by_system[ramp.system_type].append(ramp)
        self.steps = steps
        self.fits = fits_by_group(force)
        # the curve, the legs and the stages ask for the same days again
        self._cache: dict[tuple[float, bool], dict[str, float]] = {}

    def slots(self, day: float) -> dict[str, float]:
        return {s: sum(r.open_at(day) for r in rs) for s, rs in self.ramps_by_system.items()}

    def placed(self, day: float, *, before: bool = False) -> dict[str, float]:
        """Warheads placed per system on ``day`` (``before``: just before that day's arrivals)."""
        key = (day, before)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._place(day, before)
        return cached

    def _place(self, day: float, before: bool) -> dict[str, float]:
        supply: dict[str, float] = defaultdict(float)
        for step in self.steps:
            if step.day < day or (step.day == day and not before):
                supply[step.group] += step.quantity
        per_system: dict[str, float] = defaultdict(float)
        for (_, system), amount in place(supply, self.slots(day), self.fits).items():
            per_system[system] += amount
        return dict(per_system)

    def total(self, day: float, *, before: bool = False) -> float:
        return sum(self.placed(day, before=before).values())


def _refine(
    f: Callable[[float], float],
    a: float,
    fa: float,
    b: float,
    fb: float,
    budget: list[int],
    depth: int = 0,
) -> list[tuple[float, float]]:
    """Kinks of a concave piecewise-linear ``f`` strictly inside (a, b). ``budget`` (a
    one-element list, shared by all calls) bounds the evaluations of ``f``: past it the curve
    keeps the points found so far (linear in between), which only a pathological input with
    thousands of kinks would reach."""
    if b - a <= 1e-9 or depth > _MAX_REFINE_DEPTH or budget[0] <= 0:
        return []
    budget[0] -= 3
    mid = (a + b) / 2
    fm = f(mid)
    if abs(fm - (fa + fb) / 2) <= 1e-7 * max(1.0, abs(fa), abs(fb)):
        return []  # concave and on the chord at the midpoint: linear throughout
    h = (b - a) * 1e-6
    slope_a = (f(a + h) - fa) / h
    slope_b = (fb - f(b - h)) / h
    split, f_split = mid, fm
    if slope_a - slope_b > 1e-9:
        kink = (fb - fa + slope_a * a - slope_b * b) / (slope_a - slope_b)
        if a < kink < b:
            split, f_split = kink, f(kink)
    return [
        *_refine(f, a, fa, split, f_split, budget, depth + 1),
        (split, f_split),
        *_refine(f, split, f_split, b, fb, budget, depth + 1),
    ]


def _binding(
    day: float,
    placed: Mapping[str, float],
    slots: Mapping[str, float],
    force: Force,
    ramps_by_system: Mapping[str, list[Ramp]],
    lead: Mapping[str, float],
) -> dict[str, str]:
    result = {}
    receiving = {system for entry in force.stock for system in entry.fits}
    for type_id, system in force.systems.items():
        total = float(system.headroom)
        open_slots = slots.get(type_id, 0.0)
        used = placed.get(type_id, 0.0)
        ramps = ramps_by_system.get(type_id, [])
        tolerance = 1e-6 * max(1.0, total)
        if total <= tolerance:
            code = "capacity"
        elif type_id not in receiving or used < open_slots - tolerance:
            code = "warheads"
        elif open_slots >= total - tolerance:
            code = "capacity"
        elif any(r.active_at(day) for r in ramps):
            code = "upload_rate"
        else:
            future = [r for r in ramps if r.start > day]
            if not future:
                code = "not_scheduled"
            elif day < lead.get(type_id, 0.0):
                code = "lead_time"
            elif min(future, key=lambda r: r.start).tranche.startswith(SUBMARINE_TRANCHE):
                code = "port_cycle"
            else:
                code = "restoration"
        result[type_id] = code
    return result


def breakout_of(force: Force, params: UploadParameters, catalog: Catalog) -> BreakoutTimeline:
    """The breakout timeline of a summarised force."""
    ramps = build_ramps(force, params, catalog)
    steps = supply_steps(force, params)
    evaluator = _Evaluator(force, ramps, steps)
    current = float(force.current_warheads)
    step_days = {s.day for s in steps}
    breaks = sorted({0.0} | {r.start for r in ramps} | {r.end for r in ramps} | step_days)
    points = _timeline_points(evaluator, breaks, step_days)
    days = tuple(p[0] for p in points)
    by_leg_lists = _deployed_by_leg(force, evaluator, days, step_days)
    deployed = tuple(current + p[1] for p in points)
    lead = {
        type_id: sp.lead_days.value
        for type_id, sp in system_parameters_by_id(params, catalog).items()
    }
    stages = _stages(days, deployed, evaluator, force, lead)
    return BreakoutTimeline(
        party=force.party,
        leg_of={t: s.leg for t, s in force.systems.items()},
        days=days,
        deployed=deployed,
        by_leg={leg: tuple(v) for leg, v in by_leg_lists.items()},
        stages=tuple(stages),
        ramps=tuple(ramps),
    )


def _timeline_points(
    evaluator: _Evaluator, breaks: list[float], step_days: set[float]
) -> list[tuple[float, float]]:
    """(day, placed total) at every break, refined between them; a supply step on a day with
    open slots is a jump, so it gets two points."""
    points: list[tuple[float, float]] = []
    budget = [_REFINE_BUDGET]
    for i, day in enumerate(breaks):
        if day in step_days and day > 0:
            points.append((day, evaluator.total(day, before=True)))
        points.append((day, evaluator.total(day)))
        if i + 1 < len(breaks):
            nxt = breaks[i + 1]
            fa = points[-1][1]
            fb = evaluator.total(nxt, before=True)
            points.extend(_refine(lambda t: evaluator.total(t), day, fa, nxt, fb, budget))
    return points


def _deployed_by_leg(
    force: Force, evaluator: _Evaluator, days: tuple[float, ...], step_days: set[float]
) -> dict[str, list[float]]:
    """Deployed warheads per leg of the triad on each of ``days``."""
    by_leg_lists: dict[str, list[float]] = {
        leg: [] for leg in LEGS if any(s.leg == leg for s in force.systems.values())
    }
    previous_day: float | None = None
    for day in days:
        before = previous_day != day and day in step_days and day > 0
        placed = evaluator.placed(day, before=before)
        for leg, series in by_leg_lists.items():
            series.append(
                sum(
                    s.current_warheads + placed.get(t, 0.0)
                    for t, s in force.systems.items()
                    if s.leg == leg
                )
            )
        previous_day = day
    return by_leg_lists


def _stages(
    days: tuple[float, ...],
    deployed: tuple[float, ...],
    evaluator: _Evaluator,
    force: Force,
    lead: Mapping[str, float],
) -> list[Stage]:
    stages: list[Stage] = []

    def binding_at(day: float) -> dict[str, str]:
        return _binding(
            day,
            evaluator.placed(day),
            evaluator.slots(day),
            force,
            evaluator.ramps_by_system,
            lead,
        )

    for i in range(len(days) - 1):
        a, b = days[i], days[i + 1]
        if b <= a:
            continue
        binding = binding_at((a + b) / 2)
        if stages and stages[-1].binding == binding and stages[-1].end == a:
            last = stages[-1]
            stages[-1] = Stage(last.start, b, last.deployed_start, deployed[i + 1], binding)
        else:
            stages.append(Stage(a, b, deployed[i], deployed[i + 1], binding))
    final_binding = binding_at(days[-1] + 1.0)
    if stages and stages[-1].binding == final_binding:
        last = stages[-1]
        stages[-1] = Stage(last.start, None, last.deployed_start, deployed[-1], final_binding)
    else:
        stages.append(Stage(days[-1], None, deployed[-1], deployed[-1], final_binding))
    return stages


def breakout(
    inventory: Inventory,
    catalog: Catalog,
    params: UploadParameters,
    *,
    party: str | None = None,
) -> BreakoutTimeline:
    """Deployed warheads against days from a decision to upload, for a declared inventory."""
    return breakout_of(force_of(inventory, catalog, params, party=party), params, catalog)

"""Clauses of one category that can select the same item (its total would count it twice):
found from the selectors alone, before any inventory is read.

Every selector field ranges over a finite set (enumerations and booleans), and the values an
item can have depend only on its kind (a warhead has no armament, only bombers are equipped
for ALCMs). So, kind by kind, a selector is a box (one set of values per field) and a clause
``select`` minus ``exclude``. Two clauses overlap when the intersection of their select boxes,
minus both excludes, is not empty; a box minus a box splits into at most one box per field,
so the test is exact and small.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from treatyledger.model.kinds import (
    CONTAINER_KINDS,
    STATUSES_BY_KIND,
    Armament,
    Basing,
    FacilityType,
    ItemKind,
    Role,
    Status,
)
from treatyledger.rules.schema import Clause, RuleSet, Selector

Box = dict[str, frozenset[object]]

_BOOLEANS = frozenset({False, True})
_FLAGS = ("heavy_icbm", "lrna_equipped", "identified", "loaded")
_SETS = ("status", "armament", "basing", "facility_type", "role")


@dataclass(frozen=True)
class Overlap:
    category: str
    first: str
    second: str
    kind: str  # a kind of item both can select

    def message(self, rule_set: str) -> str:
        return (
            f"rule set {rule_set}: clauses {self.first} and {self.second} of category "
            f"{self.category} can both select the same {self.kind}, which its total would "
            "count twice"
        )


def overlapping_clauses(rule_set: RuleSet) -> list[Overlap]:
    """Every pair of clauses of one category that some item could match both of."""
    found = []
    for category in rule_set.categories:
        for first, second in itertools.combinations(category.clauses, 2):
            kind = _shared_kind(first, second)
            if kind is not None:
                found.append(Overlap(category.id, first.id, second.id, kind.value))
    return found


def rule_set_warnings(rule_set: RuleSet) -> list[str]:
    """What a user should hear about a rule file that loaded: overlapping clauses."""
    return [overlap.message(rule_set.id) for overlap in overlapping_clauses(rule_set)]


def _shared_kind(first: Clause, second: Clause) -> ItemKind | None:
    for kind in ItemKind:
        both = _intersect(_box(first.select, kind), _box(second.select, kind))
        if both is None:
            continue
        pieces = [both]
        for exclude in (first.exclude, second.exclude):
            if exclude is not None:
                excluded = _box(exclude, kind)
                pieces = [p for piece in pieces for p in _subtract(piece, excluded)]
        if pieces:
            return kind
    return None


def _domain(kind: ItemKind) -> Box:
    """The values a row of ``kind`` can have in each field the selectors read."""
    bomber = kind is ItemKind.HEAVY_BOMBER
    no_container = frozenset({None})
    return {
        "status": frozenset(STATUSES_BY_KIND[kind]),
        "armament": frozenset(Armament) if bomber else frozenset({None}),
        "basing": frozenset({None}) if kind is ItemKind.WARHEAD else frozenset(Basing),
        "facility_type": frozenset({*FacilityType, None}),
        "role": frozenset({*Role, None}),
        # None: not contained; a status: contained in a container with that status
        "container": frozenset({*Status, None}) if CONTAINER_KINDS[kind] else no_container,
        "heavy_icbm": (
            _BOOLEANS if kind in (ItemKind.ICBM, ItemKind.ICBM_LAUNCHER) else frozenset({False})
        ),
        "lrna_equipped": _BOOLEANS if bomber else frozenset({False}),
        "identified": _BOOLEANS,
        "loaded": _BOOLEANS,
    }


def _box(selector: Selector, kind: ItemKind) -> Box | None:
    """The rows of ``kind`` that ``selector`` matches, or None if none can."""
    if selector.kind is not None and kind not in selector.kind:
        return None
    box = _domain(kind)
    for name in _SETS:
        values = getattr(selector, name)
        if values is not None:
            box[name] = box[name] & frozenset(values)
    for name in _FLAGS:
        flag = getattr(selector, name)
        if flag is not None:
            box[name] = box[name] & {flag}
    if selector.contained is not None:
        inside = frozenset(Status) if selector.contained else frozenset({None})
        box["container"] = box["container"] & inside
    if selector.container_status is not None:
        box["container"] = box["container"] & frozenset(selector.container_status)
    return box if all(box.values()) else None


def _intersect(first: Box | None, second: Box | None) -> Box | None:
    if first is None or second is None:
        return None
    box = {name: first[name] & second[name] for name in first}
    return box if all(box.values()) else None


def _subtract(box: Box, excluded: Box | None) -> list[Box]:
    """``box`` minus ``excluded`` as disjoint boxes (none if nothing is left)."""
    if excluded is None or _intersect(box, excluded) is None:
        return [box]
    pieces = []
    rest = dict(box)
    for name in box:
        outside = rest[name] - excluded[name]
        if outside:
            pieces.append({**rest, name: outside})
        rest[name] = rest[name] & excluded[name]
    return pieces

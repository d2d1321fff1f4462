"""The exercise's independent checks (``treatyledger.exercise.independent``): official figures
the decade streams are not generated from, beside what was generated.

Oracles: the State Department's per-type US figures of 2020-09-01 (fact sheet of 2020-12-01,
as the bundled ``us-2020-09-01`` force records them: 454 ICBM launchers, 280 SLBM launchers,
66 heavy bombers, 48 of them deployed) and the notification totals of
shared/reference/treaties.md ("over 14,600 by 2018-02", "over 22,000 by 2021-05")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from treatyledger.exercise.independent import per_type_checks, per_type_date, volume_checks
from treatyledger.files import load_force
from treatyledger.model.forces import expand


def _declaration(items: list[dict[str, Any]], facilities: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "party": "US",
        "sequence": 1,
        "kind": "declare",
        "effective_time": "2020-08-01T00:00:00Z",
        "issued_time": "2020-08-02T00:00:00Z",
        "payload": {"items": items, "facilities": facilities},
    }


def _force_records(drop_kind: str | None = None) -> list[dict[str, Any]]:
    inventory = expand(load_force("us-2020-09-01"))
    items = [i.model_dump(mode="json", exclude_none=True) for i in inventory.items]
    if drop_kind is not None:  # one item of that kind fewer, and nothing left inside it
        gone = next(i["uid"] for i in items if i["kind"] == drop_kind and "contained_in" not in i)
        items = [i for i in items if i["uid"] != gone and i.get("contained_in") != gone]
    facilities = [
        f.model_dump(mode="json", exclude_none=True) for f in inventory.facilities.values()
    ]
    return [_declaration(items, facilities)]


def test_the_per_type_figures_are_the_fact_sheets() -> None:
    checks = {c.what: c for c in per_type_checks(_force_records(), "new-start")}
    assert per_type_date() == date(2020, 9, 1)
    launchers = "(deployed and nondeployed launchers), 2020-09-01"
    official = {what: c.official for what, c in checks.items() if what.endswith(launchers)}
    assert official == {
        f"US ICBM launchers {launchers}": 454,
        f"US SLBM launchers {launchers}": 280,
        f"US heavy bombers {launchers}": 66,
    }
    assert checks["US heavy bombers (deployed delivery vehicles), 2020-09-01"].official == 48
    assert all(c.verdict == "matches" and c.generated == c.official for c in checks.values())
    assert not any(c.what.endswith("all") for c in checks.values())  # aggregates are inputs


def test_a_force_split_otherwise_differs() -> None:
    checks = per_type_checks(_force_records(drop_kind="heavy_bomber"), "new-start")
    differing = {c.what: (c.official, c.generated) for c in checks if c.verdict == "differs"}
    launchers = "US heavy bombers (deployed and nondeployed launchers), 2020-09-01"
    assert differing[launchers] == (66, 65)
    assert all("ICBM" not in what and "SLBM" not in what for what in differing)


@dataclass
class _Stream:
    records: list[dict[str, Any]] = field(default_factory=list)


def _issued(day: str, count: int, kind: str = "move") -> list[dict[str, Any]]:
    return [{"kind": kind, "issued_time": f"{day}T12:00:00Z"} for _ in range(count)]


def test_the_volume_is_judged_against_the_official_lower_bounds() -> None:
    streams: Any = {
        "US": _Stream(_issued("2015-01-01", 8_000) + _issued("2019-01-01", 4_000)),
        "RU": _Stream(_issued("2016-01-01", 6_600) + _issued("2016-01-01", 50, "regime_status")),
    }
    by_day = {
        c.what.split(" by ")[1].split(",")[0]: c for c in volume_checks(streams, date(2026, 2, 5))
    }
    assert {d: c.official for d, c in by_day.items()} == {
        "2018-02-05": 14_600,
        "2021-05-31": 22_000,
    }
    assert by_day["2018-02-05"].generated == 14_600 and by_day["2018-02-05"].verdict == "at least"
    assert by_day["2021-05-31"].generated == 18_600 and by_day["2021-05-31"].verdict == "below"
    assert [c.what for c in volume_checks(streams, date(2019, 1, 1))] == [by_day["2018-02-05"].what]

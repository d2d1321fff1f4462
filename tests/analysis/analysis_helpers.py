"""Small hand-built forces and parameters whose answers can be worked by hand."""

from __future__ import annotations

from typing import Any

from treatyledger.analysis.parameters import UploadParameters
from treatyledger.model import Inventory, inventory_of, make_item

A: dict[str, Any] = {"assumption": True}


def p(value: float | bool) -> dict[str, Any]:
    return {"value": value, **A}


def rate_system(name: str, **overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "system_type": name,
        "schedule": "rate",
        "lead_days": p(0),
        "bases": p(1),
        "vehicles_per_base_per_week": p(7),
    }
    entry.update({k: p(v) for k, v in overrides.items()})
    return entry


def port_system(name: str, **overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "system_type": name,
        "schedule": "port_cycle",
        "lead_days": p(0),
        "submarines": p(2),
        "patrol_days": p(60),
        "port_days": p(30),
        "upload_days_per_submarine": p(10),
    }
    entry.update({k: p(v) for k, v in overrides.items()})
    return entry


def params(
    systems: list[dict[str, Any]],
    warheads: dict[str, list[str]],
    *,
    retired_usable: bool = True,
    stored_return_days: float = 0,
    retired_return_days: float = 100,
    dismantle_per_year: int = 100,
    years: float = 1,
) -> UploadParameters:
    return UploadParameters.from_mapping(
        {
            "hedge": {
                "stored_return_days": p(stored_return_days),
                "retired_usable": p(retired_usable),
                "retired_return_days": p(retired_return_days),
            },
            "destroy": {"dismantle_per_year": p(dismantle_per_year), "years": p(years)},
            "systems": systems,
            "warheads": [{"warhead_type": w, "fits": fits, **A} for w, fits in warheads.items()],
        }
    )


def force(*rows: dict[str, Any]) -> Inventory:
    return inventory_of(make_item({"party": "US", **row}) for row in rows)


def missiles(system: str, quantity: int, warheads: int, kind: str = "icbm") -> dict[str, Any]:
    return {
        "kind": kind,
        "system_type": system,
        "status": "deployed",
        "quantity": quantity,
        "warheads": warheads,
    }


def stored(warhead_type: str, quantity: int, status: str = "stored") -> dict[str, Any]:
    return {"kind": "warhead", "warhead_type": warhead_type, "status": status, "quantity": quantity}

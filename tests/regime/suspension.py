"""The Russian suspension of February 2023 as two small workspaces: the US one (its own log and
Russia's, mirrored) and the Russian one (its own log). Both parties give every six-month update
New START asks for (Protocol Part Four II.1-2: data as of 2011-02-05, then every 1 March and 1
September) until Russia's last, with data as of 2022-09-01; Russia notifies its suspension,
effective 2023-02-28 (Federal Law No. 38-FZ), in its own log; the US gives every update to the
last before the treaty's expiry on 2026-02-05 (data as of 2025-09-01).

Forces (New START counting, State fact sheet 175945: one per deployed missile and bomber;
RVs actually emplaced; one warhead per deployed bomber):
- US: three deployed silo launchers, each with a Minuteman III carrying 1 RV, and one deployed
  B-52H: 4 / 4 / 4. One RV more on US-M1 from 2022-10-01 (5 deployed warheads) and another
  from 2023-05-01 (6).
- RU: two deployed silo launchers with an SS-18 carrying 1 RV each: 2 / 2 / 2. One RV more on
  RU-M1 from 2022-11-10, notified 2022-11-12, before the suspension: a view that re-showed the
  last figures as current would give 3 deployed warheads on 2023-03-01.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from factory import item, notification_data
from treatyledger.ledger import sign
from treatyledger.model.notifications import parse_notification
from treatyledger.store.ledger_store import open_ledger
from treatyledger.store.workspace import Workspace

SUSPENSION = date(2023, 2, 28)
LAST_RU_DATA = date(2022, 9, 1)


def update_dates(last: date) -> list[date]:
    """2011-02-05 (the initial database), then 1 September 2011, 1 March 2012, ... to
    ``last``."""
    dates = [date(2011, 2, 5)]
    year, month = 2011, 9
    while date(year, month, 1) <= last:
        dates.append(date(year, month, 1))
        year, month = (year, 9) if month == 3 else (year + 1, 3)
    return dates


def at(day: date, hours: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hours)


def force(party: str, system: str, launchers: int) -> list[dict[str, Any]]:
    base = f"{party}-BASE"
    items = []
    for n in range(1, launchers + 1):
        launcher = f"{party}-L{n}"
        items.append(
            item(launcher, "icbm_launcher", "deployed", party, system_type=system, facility=base)
        )
        items.append(
            item(
                f"{party}-M{n}",
                "icbm",
                "deployed",
                party,
                system_type=system,
                facility=base,
                warheads=1,
                contained_in=launcher,
            )
        )
    return items


class Log:
    """One party's notifications in sequence, unsigned (signed on submission)."""

    def __init__(self, party: str):
        self.party = party
        self.records: list[dict[str, Any]] = []

    def add(
        self, kind: str, payload: dict[str, Any], effective: datetime, issued: datetime
    ) -> None:
        sequence = len(self.records) + 1
        self.records.append(
            notification_data(
                self.party, sequence, kind, payload, effective=effective, issued=issued
            )
        )

    def databases(self, dates: list[date], items: list[dict[str, Any]]) -> None:
        """One database per date, received ten days after its data date."""
        for day in dates:
            as_of = at(day).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.add(
                "database", {"as_of": as_of, "items": items}, at(day), at(day + timedelta(days=10))
            )


def us_log() -> Log:
    log = Log("US")
    items = [
        *force("US", "MM III", 3),
        item("US-B1", "heavy_bomber", "deployed", "US", facility="US-AIR"),
    ]
    log.add("declare", {"items": items}, at(date(2011, 2, 5)), at(date(2011, 2, 5), 6))
    dates = update_dates(date(2025, 9, 1))
    log.databases([d for d in dates if d <= date(2022, 9, 1)], items)
    log.add(
        "load", {"container": "US-M1", "warheads": 1}, at(date(2022, 10, 1)), at(date(2022, 10, 20))
    )
    log.databases([d for d in dates if date(2022, 9, 1) < d <= date(2023, 3, 1)], items)
    log.add(
        "load", {"container": "US-M1", "warheads": 1}, at(date(2023, 5, 1)), at(date(2023, 5, 20))
    )
    log.databases([d for d in dates if d > date(2023, 3, 1)], items)
    return log


def ru_log() -> Log:
    log = Log("RU")
    items = force("RU", "SS-18", 2)
    log.add("declare", {"items": items}, at(date(2011, 2, 5)), at(date(2011, 2, 6)))
    log.databases(update_dates(LAST_RU_DATA), items)
    log.add(
        "load",
        {"container": "RU-M1", "warheads": 1},
        at(date(2022, 11, 10)),
        at(date(2022, 11, 12)),
    )
    log.add(
        "regime_status",
        {
            "treaty": "new-start",
            "event": "suspension",
            "party": "RU",
            "reference": "Federal Law No. 38-FZ of 2023-02-28",
        },
        at(SUSPENSION),
        at(SUSPENSION, 12),
    )
    return log


@dataclass
class Suspension:
    us: Path
    ru: Path


def _submit(ws: Workspace, records: list[dict[str, Any]], key: Any) -> None:
    store = open_ledger(ws)
    notes = [sign(parse_notification(r), key) for r in records]
    for start in range(0, len(notes), 500):
        acks = store.submit(notes[start : start + 500])
        assert all(a.status == "accepted" for a in acks), [
            a for a in acks if a.status != "accepted"
        ][:1]


def build(root: Path) -> Suspension:
    us_path, ru_path = root / "us", root / "ru"
    with Workspace.init(us_path, "US") as us, Workspace.init(ru_path, "RU") as ru:
        us.register_party_key("RU", ru.public_key)
        ru_records = ru_log().records
        _submit(us, us_log().records, us.signing_key)
        _submit(us, ru_records, ru.signing_key)  # the US mirror of Russia's log
        _submit(ru, ru_records, ru.signing_key)
    return Suspension(us_path, ru_path)

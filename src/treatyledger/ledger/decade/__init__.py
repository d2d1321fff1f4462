"""The decade exercise's notification streams: both parties' New START forces at item level
(UIDs, bases, containment) from the 2011-02-05 baseline through every six-monthly data date
to the treaty's end, with the routine operations of a real implementation office. Pure: the
official figures, the catalog and the random source are passed in.

- ``structure``: the forces' legs, bases and other facilities (sources and assumptions);
- ``timeline``: the data dates, the numbers each party is generated to and where they come
  from (official, interpolated, held), the Russian suspension;
- ``world``: the force as items and the structural changes between data dates;
- ``routine``: maintenance, movements and exits between data dates;
- ``stream``: one party's records in effective-time order (``decade_stream``).
"""

from treatyledger.ledger.allocation import split
from treatyledger.ledger.decade.routine import RoutineVolume
from treatyledger.ledger.decade.stream import (
    DecadeStream,
    IssuePolicy,
    Reservation,
    decade_stream,
    within_days,
)
from treatyledger.ledger.decade.structure import (
    RU_STRUCTURE,
    STRUCTURES,
    US_STRUCTURE,
    Base,
    ForceStructure,
    Leg,
    Site,
)
from treatyledger.ledger.decade.timeline import (
    RUSSIAN_SUSPENSION,
    PartyCalendar,
    PlannedPoint,
    Provenance,
    RegimeNote,
    Suspension,
    party_calendar,
    treaty_calendars,
)

__all__ = [
    "RUSSIAN_SUSPENSION",
    "RU_STRUCTURE",
    "STRUCTURES",
    "US_STRUCTURE",
    "Base",
    "DecadeStream",
    "ForceStructure",
    "IssuePolicy",
    "Leg",
    "PartyCalendar",
    "PlannedPoint",
    "Provenance",
    "RegimeNote",
    "Reservation",
    "RoutineVolume",
    "Site",
    "Suspension",
    "decade_stream",
    "party_calendar",
    "split",
    "treaty_calendars",
    "within_days",
]

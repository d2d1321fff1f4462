"""The decade exercise that ``make demo`` runs: New START 2011-2026 end to end between two
party nodes on loopback (``run``), with its plan (``plan``: calendars and streams from
``ledger.decade``), its nodes (``nodes``), what each party verified of the other
(``verified``) and its console output (``console``). It lives outside ``treatyledger.node``
because it also draws the report (node must not import report)."""

from treatyledger.exercise.console import print_exercise
from treatyledger.exercise.plan import PARTIES, calendars, generate, official_points
from treatyledger.exercise.run import ExerciseResult, run_exercise
from treatyledger.exercise.verified import VerifiedRow, verified_rows

__all__ = [
    "PARTIES",
    "ExerciseResult",
    "VerifiedRow",
    "calendars",
    "generate",
    "official_points",
    "print_exercise",
    "run_exercise",
    "verified_rows",
]

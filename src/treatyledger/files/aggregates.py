"""Adapter: the official New START aggregate numbers bundled under data/reference/."""

from __future__ import annotations

import csv
import io
from datetime import date
from importlib.resources import files
from pathlib import Path

from treatyledger.files.errors import InputFileError
from treatyledger.ledger.synthetic import AggregatePoint

_BUNDLED = "new_start_aggregates.csv"
_COLUMNS = (
    "date",
    "party",
    "deployed_delivery_vehicles",
    "deployed_warheads",
    "deployed_and_nondeployed_launchers",
    "source",
)


def read_new_start_aggregates(
    path: Path | None = None, *, party: str | None = None
) -> list[AggregatePoint]:
    """The aggregate rows (of ``party``, if given) in date order, each with its source."""
    if path is None:
        text = files("treatyledger").joinpath("data", "reference", _BUNDLED).read_text("utf-8")
        name = f"treatyledger/data/reference/{_BUNDLED}"
    else:
        text = path.read_text("utf-8")
        name = str(path)
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        raise InputFileError(
            f"expected columns {', '.join(_COLUMNS)}, found {', '.join(reader.fieldnames or ())}",
            path=name,
            line=1,
        )
    points = []
    for row in reader:
        line = reader.line_num
        column = "date"
        try:
            when = date.fromisoformat(row["date"])
            values = []
            for column in _COLUMNS[2:5]:
                values.append(int(row[column]))
        except (TypeError, ValueError) as exc:
            raise InputFileError(
                f"not a valid value: {exc}", path=name, line=line, column=column
            ) from None
        if party is not None and row["party"] != party:
            continue
        points.append(
            AggregatePoint(
                date=when,
                party=row["party"],
                deployed_delivery_vehicles=values[0],
                deployed_warheads=values[1],
                deployed_and_nondeployed_launchers=values[2],
                source=row["source"],
            )
        )
    return sorted(points, key=lambda p: p.date)

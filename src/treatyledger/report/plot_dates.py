"""Dates on matplotlib axes: one typed wrapper, because matplotlib's ``date2num`` is untyped."""

from __future__ import annotations

from datetime import date


def day_number(day: date) -> float:
    """Matplotlib's float for ``day`` (days since its epoch), for axes and lines."""
    from matplotlib.dates import date2num

    return float(date2num(day))  # type: ignore[no-untyped-call]

"""What tells one row of a counting table from another: its UID, facility and container.

Resolved once per table, over whole columns: one ``row_of_uid`` dictionary serves the file
reader's checks and the table's container rows, facilities are small integer codes, and a
contained row's facility (its outermost container's) is found by a few vectorised steps up
the containment chains instead of a walk per row (issue 19: a million rows in well under a
second). Labels and facility names stay lazy: a table names only the rows it explains.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import repeat
from typing import overload

import numpy as np
import numpy.typing as npt

NO_CONTAINER = -1
#: A ``contained_in`` that names a UID no row has.
UNKNOWN_CONTAINER = -2
#: The code of "no facility" in ``RowIdentities.facility_codes``.
NO_FACILITY = 0

RowArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RowIdentities:
    """Parallel lists, one entry per row (None: the row has none)."""

    uids: Sequence[str | None]
    facilities: Sequence[str | None]
    contained_in: Sequence[str | None]

    def __len__(self) -> int:
        return len(self.uids)

    @cached_property
    def row_of_uid(self) -> dict[str, int] | None:
        """Each UID's row; None when a UID appears on two rows (then only the party tells
        them apart, see ``rules.table``)."""
        rows: dict[str | None, int] = dict(zip(self.uids, range(len(self.uids)), strict=True))
        rows.pop(None, None)
        named = len(self.uids) - sum(map(operator.not_, self.uids))
        return rows if len(rows) == named else None  # type: ignore[return-value]

    @cached_property
    def identified(self) -> npt.NDArray[np.bool_]:
        return np.fromiter(map(bool, self.uids), dtype=np.bool_, count=len(self))

    @cached_property
    def holder_rows(self) -> RowArray:
        """Per row, the row whose UID its ``contained_in`` names: NO_CONTAINER where it names
        none, UNKNOWN_CONTAINER where no row has that UID. Only when UIDs are unique."""
        row_of_uid: dict[str | None, int] | None = self.row_of_uid  # type: ignore[assignment]
        if row_of_uid is None:
            raise ValueError("a UID appears twice: containers are found by party and UID")
        n = len(self)
        holders = np.fromiter(
            map(row_of_uid.get, self.contained_in, repeat(UNKNOWN_CONTAINER)),
            dtype=np.int64,
            count=n,
        )
        holders[~np.fromiter(map(bool, self.contained_in), dtype=np.bool_, count=n)] = NO_CONTAINER
        return holders

    @cached_property
    def facility_codes(self) -> tuple[tuple[str | None, ...], npt.NDArray[np.int32]]:
        """(names, code per row): ``names[code]`` is the facility; code NO_FACILITY is None."""
        names: tuple[str | None, ...] = (None, *filter(None, dict.fromkeys(self.facilities)))
        code_of = {name: code for code, name in enumerate(names)}
        codes = np.fromiter(
            map(code_of.__getitem__, self.facilities), dtype=np.int32, count=len(self)
        )
        return names, codes


def outermost_facilities(
    facilities: npt.NDArray[np.int32], container: npt.NDArray[np.integer], steps: int
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.bool_]]:
    """Each row's facility code: its own, else its container's, up the chain at most
    ``steps`` containers (NO_FACILITY where none is found); and which rows were still
    climbing after ``steps`` (a chain longer than the bound, or a cycle)."""
    found = facilities.copy()
    holder = np.asarray(container, dtype=np.int64).copy()
    climbing = (found == NO_FACILITY) & (holder >= 0)
    for _ in range(steps):
        rows = np.flatnonzero(climbing)
        if rows.size == 0:
            break
        above = holder[rows]
        found[rows] = facilities[above]
        holder[rows] = container[above]
        climbing[rows] = (found[rows] == NO_FACILITY) & (holder[rows] >= 0)
    return found, climbing


class RowLabels(Sequence[str]):
    """How explanations name each row (``rules.table.row_label``): its UID, else its
    template's label, made when asked for."""

    def __init__(
        self,
        uids: Sequence[str | None],
        template_of_row: npt.NDArray[np.intp],
        template_labels: list[str],
    ) -> None:
        self._uids = uids
        self._template_of_row = template_of_row
        self._template_labels = template_labels

    def __len__(self) -> int:
        return len(self._uids)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self._uids[index] or self._template_labels[int(self._template_of_row[index])]


class CodedNames(Sequence[str | None]):
    """A column of names stored as codes into a few distinct names."""

    def __init__(self, names: Sequence[str | None], codes: npt.NDArray[np.integer]) -> None:
        self._names = names
        self._codes = codes

    def __len__(self) -> int:
        return len(self._codes)

    @overload
    def __getitem__(self, index: int) -> str | None: ...
    @overload
    def __getitem__(self, index: slice) -> list[str | None]: ...
    def __getitem__(self, index: int | slice) -> str | list[str | None] | None:
        if isinstance(index, slice):
            return [self._names[c] for c in self._codes[index].tolist()]
        return self._names[int(self._codes[index])]

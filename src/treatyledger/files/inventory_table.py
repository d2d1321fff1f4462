"""Large CSV inventories read straight into a counting table.

A million-row inventory is mostly a few kinds of row repeated with other identities: the
same party, kind, type, status and load, each row with its own UID, facility and container.
Building and validating a pydantic ``Item`` per row costs twenty times the count itself, so
this reader validates each distinct row *template* once, through the very checks
``read_inventory`` applies to every row (``files.inventory._validated_item``, so an error
names the same line and column), and checks per row only what differs: the identity values'
syntax, a facility's declared type, UIDs unique, containers present and co-located. The
table is built by ``InventoryTable.from_templates``, the builder ``from_inventory`` uses too.
A JSON file is read item by item as before (its rows are objects, not cells).
"""

from __future__ import annotations

import csv
import gc
import operator
import re
import string
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt

from treatyledger.files.errors import InputFileError
from treatyledger.files.inventory import (
    MAX_ROWS,
    REQUIRED_COLUMNS,
    _check_containment,
    _check_new_uid,
    _csv_header,
    _csv_record,
    _csv_rows,
    _Facilities,
    _read_text,
    _validated_item,
    read_inventory,
)
from treatyledger.model.catalog import Catalog
from treatyledger.model.items import UID_PATTERN, Item
from treatyledger.model.parties import IDENTIFIER_PATTERN
from treatyledger.rules.row_identities import (
    NO_CONTAINER,
    NO_FACILITY,
    UNKNOWN_CONTAINER,
    RowIdentities,
    RowLabels,
    outermost_facilities,
)
from treatyledger.rules.table import KINDS, InventoryTable

#: The columns that tell one row of a template from another.
IDENTITY_COLUMNS = ("uid", "facility", "contained_in")
_PATTERNS = {
    "uid": re.compile(UID_PATTERN),
    "facility": re.compile(IDENTIFIER_PATTERN),
    "contained_in": re.compile(UID_PATTERN),
}
_Key = tuple[object, ...]
#: ``get(cell, cell)``: None for an empty cell, else the cell (a map in C, not a loop).
_EMPTY_AS_NONE: dict[str, None] = {"": None}


def read_inventory_table(
    path: Path, catalog: Catalog, parties: Collection[str] = ()
) -> InventoryTable:
    """The counting table of a CSV or JSON inventory (by suffix, as ``read_inventory``),
    checked as ``read_inventory`` checks it: any error names file, line and column and
    yields no table."""
    if path.suffix.lower() == ".json":
        inventory = read_inventory(path, catalog, parties)
        return InventoryTable.from_inventory(inventory, catalog)
    text = _read_text(path)
    with _collector_paused():
        return _csv_table(text, str(path), catalog, tuple(parties))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while millions of cells are made: none of
    them forms a cycle, and each collection would walk them all again (it tripled the time
    of reading a million rows)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _csv_table(text: str, path: str, catalog: Catalog, parties: tuple[str, ...]) -> InventoryTable:
    header, columns, lines = csv_columns(text, path)
    if not lines:
        raise InputFileError("no items: the file declares nothing to count", path=path)
    column = dict(zip(header, columns, strict=True))
    identities: dict[str, list[str | None]] = {}
    bad_identity: list[int] = []
    for name in IDENTITY_COLUMNS:
        identities[name], first_bad = _identity_column(
            column.get(name), _PATTERNS[name], len(lines)
        )
        bad_identity += first_bad
    rows = RowIdentities(
        uids=identities["uid"],
        facilities=identities["facility"],
        contained_in=identities["contained_in"],
    )
    # the template key: every other cell as written, and which identities the row has
    shape_columns = [cells for name, cells in column.items() if name not in IDENTITY_COLUMNS]
    absent = [map(operator.not_, identities[name]) for name in IDENTITY_COLUMNS]
    which, first_rows = _first_of_each(list(zip(*shape_columns, *absent, strict=True)))

    def check(row: int, facilities: _Facilities) -> Item:
        """Row ``row`` through every check read_inventory makes (raises its exact error)."""
        record = _csv_record(header, [cells[row] for cells in columns], lines[row])
        return _validated_item(record, catalog, path, parties, facilities)

    declaring = _declaring_rows(rows, which, first_rows, "facility_type" in column)
    checked = _Checked(check, declaring, which)
    # a row the whole-column checks find at fault (its UID, facility or container not an
    # identifier, a UID seen before) goes first if it comes before the first failing
    # template row: read_inventory checks row by row and names the first row at fault
    suspects = bad_identity + ([_first_repeat(rows.uids)] if rows.row_of_uid is None else [])
    if suspects:
        checked.fault_at(min(suspects), lambda: _check_unique(rows.uids, lines, path))
    checked.raise_failure()
    templates = [checked.items[t] for t in range(len(first_rows))]
    _check_containment_fast(rows, lines, templates, which, path)
    return InventoryTable.from_templates(
        templates,
        which,
        rows,
        {facility_id: f.type for facility_id, f in checked.facilities.by_id.items()},
        catalog,
    )


def _declaring_rows(
    rows: RowIdentities, which: npt.NDArray[np.intp], first_rows: list[int], typed: bool
) -> list[int]:
    """The rows checked in full, in file order: each template's first row and, where
    facilities are declared, the first row of each facility with each template (so each
    facility's first declaration with each type and party, which is where a conflicting
    declaration is refused)."""
    declaring = set(first_rows)
    if typed:
        _, codes = rows.facility_codes
        pairs = codes.astype(np.int64) * len(first_rows) + which
        _, first = np.unique(pairs, return_index=True)
        declaring.update(first[codes[first] != NO_FACILITY].tolist())
    return sorted(declaring)


class _Checked:
    """The declaring rows checked in file order, up to the first that fails."""

    def __init__(
        self,
        check: Callable[[int, _Facilities], Item],
        declaring: list[int],
        which: npt.NDArray[np.intp],
    ) -> None:
        self._check = check
        self._declaring = declaring
        self.facilities = _Facilities()
        self.items: dict[int, Item] = {}
        self.failure: tuple[int, InputFileError] | None = None
        for row in declaring:
            try:
                self.items.setdefault(int(which[row]), check(row, self.facilities))
            except InputFileError as exc:
                self.failure = (row, exc)
                break

    def fault_at(self, row: int, otherwise: Callable[[], None]) -> None:
        """Raise row ``row``'s error if it comes before the first failing declaring row: the
        row checked with the facilities declared before it, then ``otherwise()``."""
        if self.failure is not None and self.failure[0] <= row:
            return
        before = _Facilities()
        for earlier in self._declaring:
            if earlier >= row:
                break
            self._check(earlier, before)
        self._check(row, before)
        otherwise()

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure[1]


def _first_repeat(values: Sequence[str | None]) -> int:
    seen: set[str] = set()
    for row, value in enumerate(values):
        if value is not None:
            if value in seen:
                return row
            seen.add(value)
    raise ValueError("no value repeats")


def _identity_column(
    cells: list[str] | None, pattern: re.Pattern[str], n: int
) -> tuple[list[str | None], list[int]]:
    """A UID, facility or container column, stripped, None where empty; and the first row
    whose value does not match ``pattern`` (none: ``[]``). A matching value has no spaces to
    strip, so a valid column is read in one pass."""
    if cells is None:
        return [None] * n, []
    match = pattern.fullmatch
    if all(map(match, filter(None, cells))):
        return list(map(_EMPTY_AS_NONE.get, cells, cells)), []
    values = [c.strip() or None for c in cells]
    for row, value in enumerate(values):
        if value is not None and not match(value):
            return values, [row]
    return values, []


def _first_of_each(keys: list[_Key]) -> tuple[npt.NDArray[np.intp], list[int]]:
    """Each row's template (numbered in order of first appearance) and each template's
    first row."""
    # a dict built from the end keeps each key's first row
    first_of = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
    first_rows = sorted(first_of.values())
    number = {keys[row]: t for t, row in enumerate(first_rows)}
    which = np.fromiter(map(number.__getitem__, keys), dtype=np.intp, count=len(keys))
    return which, first_rows


def _check_containment_fast(
    rows: RowIdentities,
    lines: Sequence[int],
    templates: list[Item],
    which: npt.NDArray[np.intp],
    path: str,
) -> None:
    """``_check_containment`` over whole columns: only when a container is unknown or a
    contained row names another facility than its container's (or a chain is too long to
    follow here) is the row-by-row check run, which raises its exact error."""
    holders = rows.holder_rows
    _, codes = rows.facility_codes
    contained = holders != NO_CONTAINER
    suspect = bool((holders == UNKNOWN_CONTAINER).any())
    if not suspect and contained.any():
        container = np.where(contained, holders, NO_CONTAINER)
        found, climbing = outermost_facilities(codes, container, len(KINDS))
        own = codes != NO_FACILITY
        placed = contained & own
        above = found[np.maximum(container, 0)]
        suspect = bool(climbing.any() or (placed & (above != NO_FACILITY) & (above != codes)).any())
    if not suspect:
        return
    labels = RowLabels(rows.uids, which, [t.label for t in templates])
    _check_containment(
        rows.uids, rows.facilities, rows.contained_in, lines, labels.__getitem__, path
    )


def csv_columns(text: str, path: str) -> tuple[list[str], list[list[str]], Sequence[int]]:
    """The checked header, one list of cells per column (in header order) and each item
    row's line, as ``_csv_rows`` reads them."""
    plain = _plain_columns(text, path)
    if plain is not None:
        return plain
    header, rows, lines = csv_grid(text, path)
    columns = [list(cells) for cells in zip(*rows, strict=True)] if rows else []
    return header, columns or [[] for _ in header], lines


#: ASCII letters and digits, by byte value.
_ALNUM = np.zeros(256, dtype=np.bool_)
_ALNUM[[ord(c) for c in string.ascii_letters + string.digits]] = True


def _plain_columns(text: str, path: str) -> tuple[list[str], list[list[str]], range] | None:
    """The columns of a file the C csv reader would split at every comma and newline: no
    quotes, carriage returns or NULs, every line begun by a letter or digit (so none is
    blank or a comment), every line as wide as the header and no field over the csv
    module's limit. The whole body is then split in one call and each column is a slice.
    None for any other file: the general reader reads it (and names what is wrong)."""
    if '"' in text or "\r" in text or "\0" in text:
        return None
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    ends = np.flatnonzero(data == ord("\n"))
    if not text.endswith("\n"):
        ends = np.append(ends, data.size)
    starts = np.concatenate(([0], ends[:-1] + 1))
    if starts.size < 2 or not _ALNUM[data[np.minimum(starts, data.size - 1)]].all():
        return None
    if int((ends - starts).max()) > csv.field_size_limit():
        return None
    header = _csv_header(text[: text.index("\n")].split(","), path, 1)
    width = len(header)
    commas = np.flatnonzero(data == ord(","))
    per_line = np.searchsorted(commas, ends) - np.searchsorted(commas, starts)
    rows = starts.size - 1
    if (per_line != width - 1).any() or rows > MAX_ROWS:
        return None
    body = text[text.index("\n") + 1 :]
    body = body[:-1] if body.endswith("\n") else body
    cells = body.replace("\n", ",").split(",")
    columns = [cells[k::width] for k in range(width)]
    return header, columns, range(2, rows + 2)


def csv_grid(text: str, path: str) -> tuple[list[str], list[list[str]], list[int]]:
    """The checked header, every item row and each row's line, read as ``_csv_rows`` reads
    them. A file without quotes or carriage returns has one row per line, so it is split by
    the C csv reader in one pass and filtered in bulk (a million rows in under a second)."""
    if '"' in text or "\r" in text:
        rows = _csv_rows(text, path)
        _, header = next(rows)
        lines: list[int] = []
        cells: list[list[str]] = []
        for line, row in rows:
            lines.append(line)
            cells.append(row)
        return header, cells, lines
    try:
        grid = list(csv.reader(text.split("\n"), strict=True))
    except csv.Error as exc:
        raise InputFileError(f"malformed CSV: {exc}", path=path) from None
    kept = [
        i
        for i, row in enumerate(grid)
        if any(row)
        and (row[0].strip() or "".join(row).strip())
        and not row[0].lstrip().startswith("#")
    ]
    if not kept:
        raise InputFileError(
            f"no header row: expected columns {', '.join(REQUIRED_COLUMNS)} at least",
            path=path,
            line=1,
        )
    header = _csv_header(grid[kept[0]], path, kept[0] + 1)
    cells = [grid[i] for i in kept[1:]]
    width = len(header)
    for i, row in enumerate(cells):
        if len(row) != width:
            raise InputFileError(
                f"expected {width} cells as in the header, found {len(row)}",
                path=path,
                line=kept[i + 1] + 1,
            )
    if len(cells) > MAX_ROWS:
        raise InputFileError(f"more than {MAX_ROWS} rows", path=path, line=kept[MAX_ROWS + 1] + 1)
    return header, cells, [i + 1 for i in kept[1:]]


def _check_unique(uids: Sequence[str | None], lines: Sequence[int], path: str) -> None:
    present = [u for u in uids if u is not None]
    if len(set(present)) == len(present):
        return
    seen: dict[str, int] = {}
    for uid, line in zip(uids, lines, strict=True):
        if uid is not None:
            _check_new_uid(uid, seen, line, path)

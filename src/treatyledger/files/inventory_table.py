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
import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

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
from treatyledger.rules.table import InventoryTable, RowIdentities

#: The columns that tell one row of a template from another.
IDENTITY_COLUMNS = ("uid", "facility", "contained_in")
_PATTERNS = {
    "uid": re.compile(UID_PATTERN),
    "facility": re.compile(IDENTIFIER_PATTERN),
    "contained_in": re.compile(UID_PATTERN),
}


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
    header, rows, lines = csv_grid(text, path)
    if not rows:
        raise InputFileError("no items: the file declares nothing to count", path=path)
    cells = list(zip(*rows, strict=True))  # one tuple per column, in header order
    column = dict(zip(header, cells, strict=True))
    identities: dict[str, list[str | None]] = {
        name: [c.strip() or None for c in column[name]] if name in column else [None] * len(rows)
        for name in IDENTITY_COLUMNS
    }
    # the template key: every other cell as written, and which identities the row has
    shape_columns = [cells[i] for i, name in enumerate(header) if name not in IDENTITY_COLUMNS]
    presence = [[v is None for v in identities[name]] for name in IDENTITY_COLUMNS]
    order: dict[tuple[object, ...], int] = {}
    which = [
        order.setdefault(key, len(order)) for key in zip(*shape_columns, *presence, strict=True)
    ]
    template_of = np.array(which, dtype=np.intp)
    _, first_rows = np.unique(template_of, return_index=True)
    facilities = _Facilities()

    def checked(row: int) -> Item:
        """Row ``row`` through every check read_inventory makes (raises its exact error)."""
        record = _csv_record(header, rows[row], lines[row])
        return _validated_item(record, catalog, path, parties, facilities)

    # each facility's first row with each declared type and party declares it, in file order
    if "facility_type" in column:
        first_of: dict[tuple[object, ...], int] = {}
        keys = zip(identities["facility"], column["facility_type"], column["party"], strict=True)
        for row, key in enumerate(keys):
            if key[0] is not None:
                first_of.setdefault(key, row)
        declaring = sorted(set(first_of.values()) | set(first_rows.tolist()))
    else:
        declaring = first_rows.tolist()
    template_items: dict[int, Item] = {}
    for row in declaring:
        item = checked(row)
        template_items.setdefault(which[row], item)
    # the identities' syntax and the UIDs' uniqueness, checked over whole columns; the first
    # row at fault is then checked in full, which raises the exact error read_inventory gives
    for bad in _first_bad_identity(identities):
        checked(bad)
    _check_unique(identities["uid"], lines, path)
    templates = [template_items[t] for t in range(len(order))]

    def label(row: int) -> str:
        uid = identities["uid"][row]
        return uid if uid is not None else templates[which[row]].label

    _check_containment(
        identities["uid"], identities["facility"], identities["contained_in"], lines, label, path
    )
    return InventoryTable.from_templates(
        templates,
        template_of,
        RowIdentities(
            uids=identities["uid"],
            facilities=identities["facility"],
            contained_in=identities["contained_in"],
        ),
        {facility_id: f.type for facility_id, f in facilities.by_id.items()},
        catalog,
    )


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


def _first_bad_identity(columns: dict[str, list[str | None]]) -> list[int]:
    """The first row whose UID, facility or container does not match its pattern, if any."""
    for name, values in columns.items():
        match = _PATTERNS[name].fullmatch
        if all(map(match, filter(None, values))):
            continue
        for row, value in enumerate(values):
            if value is not None and not match(value):
                return [row]
    return []


def _check_unique(uids: list[str | None], lines: list[int], path: str) -> None:
    present = [u for u in uids if u is not None]
    if len(set(present)) == len(present):
        return
    seen: dict[str, int] = {}
    for uid, line in zip(uids, lines, strict=True):
        if uid is not None:
            _check_new_uid(uid, seen, line, path)

"""Inventory files, CSV and JSON. Every error names file, line and column; a file with any
error yields no inventory at all (nothing is counted).

CSV: a header row is required, columns in any order. ``party``, ``kind`` and ``status`` are
required; the other columns of the issue (``system_type, quantity, warheads, armament,
lrna_capacity, basing, uid, facility``) are optional, and so are four the treaty definitions
need: ``facility_type`` (the type of the row's facility), ``contained_in`` (the UID of the
container), ``role`` (test, training, space_launch, repair, production) and
``warhead_type``. Any other column is an error. Blank cells mean "not declared"; lines whose
first cell starts with ``#`` are comments. A file with no item rows is an error.

Values are checked against what the items physically are: a load beyond the system type's
capacity (99 reentry vehicles on one Minuteman III) is an error naming the line, and so is a
party the rule set does not bind, when ``read_inventory`` is given the treaty's parties.

JSON: a list of item objects (fields as in the CSV, ``facility_type`` excepted), or an object
``{"items": [...], "facilities": [{"id", "party", "type", ...}]}``. The line of an item's or a
facility's error is the line where its object begins; the column is its field name.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from treatyledger.files.errors import InputFileError
from treatyledger.model.catalog import Catalog
from treatyledger.model.errors import ModelValidationError
from treatyledger.model.items import Inventory, Item, capacity_problem, inventory_of, make_item
from treatyledger.model.kinds import Armament, Basing, FacilityType, ItemKind, Role, Status
from treatyledger.model.parties import Facility
from treatyledger.model.text import visible

MAX_INVENTORY_BYTES = 512 << 20
MAX_ROWS = 5_000_000
#: Keeps counting in exact int64 arithmetic (see treatyledger.rules.table).
MAX_NUMBER = 2**31 - 1

REQUIRED_COLUMNS = ("party", "kind", "status")
OPTIONAL_COLUMNS = (
    "system_type",
    "quantity",
    "warheads",
    "armament",
    "lrna_capacity",
    "basing",
    "uid",
    "facility",
    "facility_type",
    "contained_in",
    "warhead_type",
    "role",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
_INTEGER_COLUMNS = ("quantity", "warheads", "lrna_capacity")
_ENUM_COLUMNS: dict[str, type[Any]] = {
    "kind": ItemKind,
    "status": Status,
    "armament": Armament,
    "basing": Basing,
    "facility_type": FacilityType,
    "role": Role,
}
#: Cross-field model errors carry no field; the first of these words in the message names it.
_MESSAGE_COLUMNS = ("status", "uid", "warheads", "system_type", "armament", "lrna_capacity")


def read_inventory(path: Path, catalog: Catalog, parties: Collection[str] = ()) -> Inventory:
    """Read a CSV or JSON inventory (by suffix; ``.json`` is JSON, anything else CSV), check
    every system type against ``catalog`` and, if ``parties`` is given, every row's party
    against it (the parties of the treaty the file will be counted under)."""
    text = _read_text(path)
    if path.suffix.lower() == ".json":
        records = list(_json_records(text, str(path)))
    else:
        records = list(_csv_records(text, str(path)))
    return _build(records, catalog, str(path), tuple(parties))


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_INVENTORY_BYTES:
            raise InputFileError(
                f"file is {size} bytes, expected at most {MAX_INVENTORY_BYTES}", path=str(path)
            )
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputFileError(f"not UTF-8 text: {exc.reason}", path=str(path)) from None


class _Record:
    """One item's raw fields with the file position of each (for error messages)."""

    __slots__ = ("fields", "line", "origin")

    def __init__(self, fields: dict[str, Any], line: int, origin: str):
        self.fields = fields
        self.line = line
        self.origin = origin  # "csv": values are strings; "json" (an item), "facility": JSON


def _csv_rows(text: str, path: str) -> Iterator[tuple[int, list[str]]]:
    """(line, cells): first the checked header, then every item row (blank and comment lines
    skipped, each row as wide as the header, at most MAX_ROWS)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows = 0
    try:
        for row in reader:
            line = reader.line_num
            # blank lines (cheap test first: a row's first cell is rarely blank)
            if not any(row) or (not row[0].strip() and not "".join(row).strip()):
                continue
            if row[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = _csv_header(row, path, line)
                yield line, header
                continue
            if len(row) != len(header):
                raise InputFileError(
                    f"expected {len(header)} cells as in the header, found {len(row)}",
                    path=path,
                    line=line,
                )
            rows += 1
            if rows > MAX_ROWS:
                raise InputFileError(f"more than {MAX_ROWS} rows", path=path, line=line)
            yield line, row
    except csv.Error as exc:
        raise InputFileError(f"malformed CSV: {exc}", path=path, line=reader.line_num) from None
    if header is None:
        raise InputFileError(
            f"no header row: expected columns {', '.join(REQUIRED_COLUMNS)} at least",
            path=path,
            line=1,
        )


def _csv_records(text: str, path: str) -> Iterator[_Record]:
    rows = _csv_rows(text, path)
    _, header = next(rows)
    for line, row in rows:
        yield _csv_record(header, row, line)


def _csv_record(header: list[str], row: list[str], line: int) -> _Record:
    fields = {name: cell.strip() for name, cell in zip(header, row, strict=True) if cell.strip()}
    return _Record(fields, line, "csv")


def _csv_header(row: list[str], path: str, line: int) -> list[str]:
    names = [cell.strip() for cell in row]
    seen: set[str] = set()
    for name in names:
        if name not in COLUMNS:
            raise InputFileError(
                f"unknown column {name!r}: expected columns from {', '.join(COLUMNS)}",
                path=path,
                line=line,
                column=name,
            )
        if name in seen:
            raise InputFileError("column appears twice", path=path, line=line, column=name)
        seen.add(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            raise InputFileError(
                f"required column {name!r} is missing", path=path, line=line, column=name
            )
    return names


def _json_records(text: str, path: str) -> Iterator[_Record]:
    """Walk the top level by hand so each item keeps the line where it starts."""
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if position < len(text) and text[position] == "[":
        yield from _json_array(text, position, path, decoder)
        _expect_end(text, _array_end(text, position, decoder), path)
        return
    if position >= len(text) or text[position] != "{":
        raise InputFileError(
            "expected a JSON list of items or an object with 'items'",
            path=path,
            line=_line_of(text, position),
        )
    # An object: facilities first (whatever their order in the file), then items.
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"not valid JSON: {exc.msg}", path=path, line=exc.lineno, column=str(exc.colno)
        ) from None
    unknown = set(document) - {"items", "facilities"}
    if unknown:
        raise InputFileError(
            f"unknown key {sorted(unknown)[0]!r}: expected 'items' and 'facilities'",
            path=path,
            line=1,
            column=sorted(unknown)[0],
        )
    if not isinstance(document.get("items"), list):
        raise InputFileError("expected 'items' to be a list", path=path, line=1, column="items")
    facilities = document.get("facilities", [])
    if not isinstance(facilities, list):
        raise InputFileError(
            "expected 'facilities' to be a list", path=path, line=1, column="facilities"
        )
    if "facilities" in document:
        facilities_start = _find_array(text, position, decoder, "facilities")
        for record in _json_array(text, facilities_start, path, decoder):
            yield _Record(record.fields, record.line, "facility")
    yield from _json_array(text, _find_array(text, position, decoder, "items"), path, decoder)


def _find_array(text: str, position: int, decoder: json.JSONDecoder, name: str) -> int:
    """Position of the '[' of the top-level key ``name`` (the document is known valid)."""
    position = _skip_space(text, position + 1)
    while text[position] != "}":
        key, position = decoder.raw_decode(text, position)
        position = _skip_space(text, position)
        position = _skip_space(text, position + 1)  # the ':'
        if key == name:
            return position
        _, position = decoder.raw_decode(text, position)
        position = _skip_space(text, position)
        if text[position] == ",":
            position = _skip_space(text, position + 1)
    raise AssertionError(f"validated document lost its {name}")


def _json_array(text: str, start: int, path: str, decoder: json.JSONDecoder) -> Iterator[_Record]:
    position = _skip_space(text, start + 1)
    count = 0
    while position < len(text) and text[position] != "]":
        line = _line_of(text, position)
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise InputFileError(
                f"not valid JSON: {exc.msg}", path=path, line=exc.lineno, column=str(exc.colno)
            ) from None
        if not isinstance(value, dict):
            raise InputFileError(
                f"expected a JSON object, found {type(value).__name__}", path=path, line=line
            )
        count += 1
        if count > MAX_ROWS:
            raise InputFileError(f"more than {MAX_ROWS} items", path=path, line=line)
        yield _Record(value, line, "json")
        position = _skip_space(text, position)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
        elif position < len(text) and text[position] != "]":
            raise InputFileError(
                "expected ',' or ']' between items", path=path, line=_line_of(text, position)
            )
    if position >= len(text):
        raise InputFileError("unterminated list of items", path=path, line=_line_of(text, start))


def _array_end(text: str, start: int, decoder: json.JSONDecoder) -> int:
    _, end = decoder.raw_decode(text, start)
    return end


def _expect_end(text: str, position: int, path: str) -> None:
    position = _skip_space(text, position)
    if position != len(text):
        raise InputFileError(
            "unexpected data after the list of items", path=path, line=_line_of(text, position)
        )


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


class _Facilities:
    """The facilities a file declares so far, with the line that first declared each."""

    def __init__(self) -> None:
        self.by_id: dict[str, Facility] = {}
        self.lines: dict[str, int] = {}


def _build(
    records: list[_Record], catalog: Catalog, path: str, parties: tuple[str, ...]
) -> Inventory:
    items: list[Item] = []
    lines: list[int] = []
    facilities = _Facilities()
    uid_lines: dict[str, int] = {}
    for record in records:
        if record.origin == "facility":
            _add_json_facility(record, facilities.by_id, path)
            continue
        item = _validated_item(record, catalog, path, parties, facilities)
        if item.uid is not None:
            _check_new_uid(item.uid, uid_lines, record.line, path)
        items.append(item)
        lines.append(record.line)
    if not items:
        raise InputFileError("no items: the file declares nothing to count", path=path)
    _check_containment(
        [i.uid for i in items],
        [i.facility for i in items],
        [i.contained_in for i in items],
        lines,
        lambda row: items[row].label,
        path,
    )
    return inventory_of(items, facilities.by_id.values())


def _validated_item(
    record: _Record,
    catalog: Catalog,
    path: str,
    parties: tuple[str, ...],
    facilities: _Facilities,
) -> Item:
    """One item row checked as an item (fields, type, capacity, party), its facility
    declared; every error names the line and column."""
    fields = _typed_fields(record, path)
    facility_type = fields.pop("facility_type", None)
    if facility_type is not None:
        _add_csv_facility(fields, facility_type, facilities.by_id, facilities.lines, record, path)
    system_type = fields.get("system_type")
    if system_type is not None and system_type not in catalog:
        raise InputFileError(
            f"unknown system type {system_type!r} (not in the catalog; add it with --catalog FILE)",
            path=path,
            line=record.line,
            column="system_type",
        )
    item = _item(fields, catalog, record, path)
    if parties and item.party not in parties:
        raise InputFileError(
            f"party {item.party!r} is not a party of the treaty (parties: {', '.join(parties)})",
            path=path,
            line=record.line,
            column="party",
        )
    return item


def _check_new_uid(uid: str, uid_lines: dict[str, int], line: int, path: str) -> None:
    if uid in uid_lines:
        raise InputFileError(
            f"duplicate uid {uid!r} (first on line {uid_lines[uid]})",
            path=path,
            line=line,
            column="uid",
        )
    uid_lines[uid] = line


def _item(fields: dict[str, Any], catalog: Catalog, record: _Record, path: str) -> Item:
    try:
        item = make_item(fields)
    except ModelValidationError as exc:
        column = exc.field or _column_in(str(exc))
        message = str(exc).split(": ", 1)[-1]
        raise InputFileError(message, path=path, line=record.line, column=column) from None
    system_type = catalog.get(item.system_type) if item.system_type is not None else None
    problem = capacity_problem(item, system_type)
    if problem is not None:
        raise InputFileError(problem[1], path=path, line=record.line, column=problem[0])
    return item


def _check_containment(
    uids: Sequence[str | None],
    facilities: Sequence[str | None],
    contained_in: Sequence[str | None],
    lines: Sequence[int],
    label: Callable[[int], str],
    path: str,
) -> None:
    """Every container named is an item of the file, and a contained item is where its
    container is: a row naming another facility than its container's is an error (the
    treaty's facility rules would read the wrong one). Rows are given as parallel lists."""
    row_of_uid = {uid: row for row, uid in enumerate(uids) if uid is not None}
    for row, holder in enumerate(contained_in):
        if holder is not None and holder not in row_of_uid:
            raise InputFileError(
                f"contained_in names uid {holder!r}, which no item in the file has",
                path=path,
                line=lines[row],
                column="contained_in",
            )
    placed = _container_facilities(facilities, contained_in, row_of_uid, lines, label, path)
    for row, holder in enumerate(contained_in):
        if holder is None or facilities[row] is None:
            continue
        at = placed[row_of_uid[holder]]
        if at is not None and at != facilities[row]:
            raise InputFileError(
                f"{label(row)} is declared at {facilities[row]} but its container "
                f"{holder} is at {at}",
                path=path,
                line=lines[row],
                column="facility",
            )


def _container_facilities(
    facilities: Sequence[str | None],
    contained_in: Sequence[str | None],
    row_of_uid: dict[str, int],
    lines: Sequence[int],
    label: Callable[[int], str],
    path: str,
) -> list[str | None]:
    """Each row's facility: its own, else the nearest container's that names one. Each row is
    resolved once (linear in the file, however deep the nesting), and a cycle of
    ``contained_in`` is an error naming a row on it (a hostile file must not loop)."""
    placed: list[str | None] = list(facilities)
    done = [f is not None or c is None for f, c in zip(facilities, contained_in, strict=True)]
    for start in range(len(contained_in)):
        chain: list[int] = []
        on_chain: set[int] = set()
        at = start
        while not done[at]:
            if at in on_chain:
                raise InputFileError(
                    f"{label(at)} is inside itself: contained_in forms a cycle",
                    path=path,
                    line=lines[at],
                    column="contained_in",
                )
            chain.append(at)
            on_chain.add(at)
            at = row_of_uid[contained_in[at]]  # type: ignore[index]
        for row in chain:
            placed[row], done[row] = placed[at], True
    return placed


def _typed_fields(record: _Record, path: str) -> dict[str, Any]:
    fields = dict(record.fields)
    for name in fields:
        if name not in COLUMNS or (record.origin == "json" and name == "facility_type"):
            raise InputFileError(
                f"unknown field {name!r}", path=path, line=record.line, column=str(name)
            )
    for name in _INTEGER_COLUMNS:
        if name in fields:
            fields[name] = _integer(fields[name], name, record, path)
    for name, enum in _ENUM_COLUMNS.items():
        value = fields.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or value not in enum._value2member_map_:
            choices = ", ".join(member.value for member in enum)
            raise InputFileError(
                f"expected one of {choices}, found {value!r}",
                path=path,
                line=record.line,
                column=name,
            )
    for name in ("party", "system_type", "uid", "facility", "contained_in", "warhead_type"):
        if name in fields and not isinstance(fields[name], str):
            raise InputFileError(
                f"expected text, found {fields[name]!r}", path=path, line=record.line, column=name
            )
    return fields


def _integer(value: Any, name: str, record: _Record, path: str) -> int:
    if record.origin == "csv":
        text = str(value)
        number = int(text) if text.lstrip("+-").isdigit() and text.isascii() else None
    else:
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
    if number is None:
        raise InputFileError(
            f"expected a whole number, found {value!r}", path=path, line=record.line, column=name
        )
    if number < 0:
        raise InputFileError(
            f"expected a number >= 0, found {number}", path=path, line=record.line, column=name
        )
    if number > MAX_NUMBER:
        raise InputFileError(
            f"expected a number <= {MAX_NUMBER}, found {number}",
            path=path,
            line=record.line,
            column=name,
        )
    return number


def _add_csv_facility(
    fields: Mapping[str, Any],
    facility_type: str,
    facilities: dict[str, Facility],
    facility_lines: dict[str, int],
    record: _Record,
    path: str,
) -> None:
    facility_id = fields.get("facility")
    if facility_id is None:
        raise InputFileError(
            "facility_type given without a facility",
            path=path,
            line=record.line,
            column="facility_type",
        )
    known = facilities.get(facility_id)
    if known is not None:
        if known.type != facility_type or known.party != fields.get("party"):
            raise InputFileError(
                f"facility {facility_id!r} was declared as {known.party} {known.type} on line "
                f"{facility_lines[facility_id]}, found {fields.get('party')} {facility_type}",
                path=path,
                line=record.line,
                column="facility_type",
            )
        return
    try:
        facilities[facility_id] = Facility(
            id=facility_id, party=fields.get("party", ""), type=FacilityType(facility_type)
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        column = "facility" if first["loc"] == ("id",) else "party"
        raise InputFileError(first["msg"], path=path, line=record.line, column=column) from None
    facility_lines[facility_id] = record.line


def _add_json_facility(record: _Record, facilities: dict[str, Facility], path: str) -> None:
    try:
        facility = Facility.model_validate(record.fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise InputFileError(first["msg"], path=path, line=record.line, column=field) from None
    if facility.id in facilities:
        raise InputFileError(
            f"duplicate facility id {facility.id!r}", path=path, line=record.line, column="id"
        )
    facilities[facility.id] = facility


def _column_in(message: str) -> str | None:
    words = set(message.replace(",", " ").replace(":", " ").split())
    for name in _MESSAGE_COLUMNS:
        if name in words:
            return name
    return None


def inventory_rows(inventory: Inventory) -> list[dict[str, Any]]:
    """One row per item in the inventory file's columns (the facility's type on each row
    that names a known facility)."""
    rows = []
    for item in inventory.items:
        row = item.model_dump(mode="json", exclude_none=True)
        facility = inventory.facilities.get(item.facility or "")
        if facility is not None:
            row["facility_type"] = facility.type.value
        rows.append(row)
    return rows


def write_inventory_csv(inventory: Inventory) -> str:
    """The inventory in the CSV format ``read_inventory`` reads back."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(visible_row(row) for row in inventory_rows(inventory))
    return buffer.getvalue()


def visible_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row for text output: control and bidirectional characters shown as ``<U+XXXX>``
    (names refuse them; a row read from an older store may still hold one)."""
    return {k: visible(v) if isinstance(v, str) else v for k, v in row.items()}

"""Inventory files: CSV and JSON; every error names file, line and column, and a file with
an error yields nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from treatyledger.files import load_catalog, read_inventory
from treatyledger.files.errors import InputFileError
from treatyledger.model import FacilityType, ItemKind, Status

CATALOG = load_catalog()
HEADER = (
    "party,system_type,kind,status,quantity,warheads,armament,lrna_capacity,basing,uid,facility"
)


def write(tmp_path: Path, text: str, name: str = "inv.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error(tmp_path: Path, text: str, name: str = "inv.csv") -> InputFileError:
    path = write(tmp_path, text, name)
    with pytest.raises(InputFileError) as caught:
        read_inventory(path, CATALOG)
    assert caught.value.path == str(path)
    return caught.value


def test_reads_every_column_of_the_issue(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "US,B-52H,heavy_bomber,deployed,1,12,lrna,20,air,B52-0001,minot\n"
        "RU,SS-24,icbm_launcher,deployed,3,,,,rail_mobile,,\n",
    )
    first, second = read_inventory(path, CATALOG).items
    assert (first.uid, first.warheads, first.armament, first.lrna_capacity, first.facility) == (
        "B52-0001",
        12,
        "lrna",
        20,
        "minot",
    )
    assert (second.kind, second.quantity, second.basing, second.warheads) == (
        ItemKind.ICBM_LAUNCHER,
        3,
        "rail_mobile",
        None,
    )


def test_columns_may_come_in_any_order_and_optional_ones_may_be_absent(tmp_path: Path) -> None:
    path = write(tmp_path, "status,kind,party\nstored,warhead,US\n")
    [item] = read_inventory(path, CATALOG).items
    assert (item.party, item.kind, item.status, item.quantity) == ("US", "warhead", "stored", 1)


def test_comment_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "# source: test\n\nparty,kind,status\n# note\nUS,warhead,stored\n")
    assert len(read_inventory(path, CATALOG).items) == 1


def test_aliases_resolve_in_the_catalog(tmp_path: Path) -> None:
    path = write(tmp_path, "party,system_type,kind,status\nUS,Minuteman III,icbm,deployed\n")
    assert read_inventory(path, CATALOG).items[0].system_type == "Minuteman III"


def test_facility_type_column_declares_the_facility(tmp_path: Path) -> None:
    path = write(
        tmp_path, "party,kind,status,facility,facility_type\nUS,warhead,deployed,minot,air_base\n"
    )
    assert read_inventory(path, CATALOG).facilities["minot"].type is FacilityType.AIR_BASE


@pytest.mark.parametrize(
    ("body", "line", "column", "words"),
    [
        ("US,MM IV,icbm,deployed,1,,,,,,\n", 2, "system_type", "unknown system type 'MM IV'"),
        ("US,MM III,cruise,deployed,1,,,,,,\n", 2, "kind", "found 'cruise'"),
        ("US,MM III,icbm,parked,1,,,,,,\n", 2, "status", "found 'parked'"),
        ("US,MM III,icbm,stored,1,,,,,,\n", 2, "status", "status stored is not a status of a icbm"),
        ("US,MM III,icbm,deployed,-3,,,,,,\n", 2, "quantity", "expected a number >= 0, found -3"),
        (
            "US,MM III,icbm,deployed,1.5,,,,,,\n",
            2,
            "quantity",
            "expected a whole number, found '1.5'",
        ),
        ("US,MM III,icbm,deployed,two,,,,,,\n", 2, "quantity", "expected a whole number"),
        ("US,MM III,icbm,deployed,1,x,,,,,\n", 2, "warheads", "expected a whole number"),
        ("US,MM III,icbm,deployed,2,,,,,MM3-1,\n", 2, "uid", "quantity 1, got 2"),
        (
            "US,MM III,icbm,deployed,1,,lrna,,,,\n",
            2,
            "armament",
            "armament applies to heavy bombers",
        ),
        ("US,B-52H,heavy_bomber,deployed,1,,laser,,,,\n", 2, "armament", "found 'laser'"),
        ("US,MM III,icbm,deployed,1,,,,orbit,,\n", 2, "basing", "found 'orbit'"),
        ("US,,icbm,deployed,1,,,,,,\n", 2, "system_type", "needs a system_type"),
        ("U S,MM III,icbm,deployed,1,,,,,,\n", 2, "party", "pattern"),
        ("US,MM III,icbm,deployed,99999999999,,,,,,\n", 2, "quantity", "expected a number <="),
    ],
)
def test_bad_cell_is_an_error_with_file_line_and_column(
    tmp_path: Path, body: str, line: int, column: str, words: str
) -> None:
    exc = error(tmp_path, f"{HEADER}\n{body}")
    assert (exc.line, exc.column) == (line, column)
    assert words in str(exc)


def test_error_line_counts_comments_and_blank_lines(tmp_path: Path) -> None:
    exc = error(
        tmp_path,
        f"# comment\n{HEADER}\n\nUS,MM III,icbm,deployed,1,,,,,,\nUS,X,icbm,deployed,1,,,,,,\n",
    )
    assert (exc.line, exc.column) == (5, "system_type")


def test_duplicate_uid_names_both_lines(tmp_path: Path) -> None:
    exc = error(
        tmp_path,
        f"{HEADER}\nUS,MM III,icbm,deployed,1,,,,,MM3-1,\nUS,MM III,icbm,deployed,1,,,,,MM3-1,\n",
    )
    assert (exc.line, exc.column) == (3, "uid")
    assert "first on line 2" in str(exc)


def test_unknown_column_is_an_error_in_the_header(tmp_path: Path) -> None:
    exc = error(tmp_path, "party,kind,status,colour\nUS,warhead,stored,red\n")
    assert (exc.line, exc.column) == (1, "colour")


def test_missing_required_column_is_an_error(tmp_path: Path) -> None:
    exc = error(tmp_path, "party,kind\nUS,warhead\n")
    assert (exc.line, exc.column) == (1, "status")


def test_duplicate_column_is_an_error(tmp_path: Path) -> None:
    exc = error(tmp_path, "party,kind,status,kind\nUS,warhead,stored,warhead\n")
    assert (exc.line, exc.column) == (1, "kind")


def test_row_with_wrong_number_of_cells_is_an_error(tmp_path: Path) -> None:
    exc = error(tmp_path, "party,kind,status\nUS,warhead\n")
    assert exc.line == 2 and "expected 3 cells" in str(exc)


def test_missing_header_is_an_error(tmp_path: Path) -> None:
    assert "no header row" in str(error(tmp_path, "# only a comment\n"))


def test_container_that_no_item_has_is_an_error(tmp_path: Path) -> None:
    exc = error(tmp_path, "party,kind,status,uid,contained_in\nUS,warhead,deployed,W-1,MM3-9\n")
    assert (exc.line, exc.column) == (2, "contained_in")


def test_facility_declared_with_two_types_is_an_error(tmp_path: Path) -> None:
    exc = error(
        tmp_path,
        "party,kind,status,facility,facility_type\n"
        "US,warhead,stored,f1,storage\nUS,warhead,stored,f1,air_base\n",
    )
    assert (exc.line, exc.column) == (3, "facility_type")


def test_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "inv.csv"
    path.write_bytes(b"party,kind,status\nUS,warhead,\xff\n")
    with pytest.raises(InputFileError, match="not UTF-8"):
        read_inventory(path, CATALOG)


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="cannot read"):
        read_inventory(tmp_path / "absent.csv", CATALOG)


def test_json_list_of_items(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[{"party": "US", "kind": "icbm", "status": "deployed", "system_type": "MM III",'
        ' "quantity": 400, "warheads": 1}]',
        "inv.json",
    )
    [item] = read_inventory(path, CATALOG).items
    assert (item.quantity, item.warheads, item.status) == (400, 1, Status.DEPLOYED)


def test_json_object_with_facilities(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '{"items": [{"party": "US", "kind": "warhead", "status": "deployed", "facility": "m"}],\n'
        ' "facilities": [{"id": "m", "party": "US", "type": "air_base"}]}',
        "inv.json",
    )
    inventory = read_inventory(path, CATALOG)
    assert inventory.facilities["m"].type is FacilityType.AIR_BASE


def test_json_item_error_names_the_line_where_the_item_starts(tmp_path: Path) -> None:
    exc = error(
        tmp_path,
        '{"items": [\n'
        ' {"party": "US", "kind": "warhead", "status": "stored"},\n'
        ' {"party": "US", "kind": "icbm", "status": "deployed", "system_type": "MM III",\n'
        '  "quantity": true}\n'
        "]}",
        "inv.json",
    )
    assert (exc.line, exc.column) == (3, "quantity")


def test_json_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    exc = error(tmp_path, '[\n {"party": "US",, }\n]', "inv.json")
    assert exc.line == 2 and exc.column is not None


def test_json_unknown_field_is_an_error(tmp_path: Path) -> None:
    exc = error(
        tmp_path, '[{"party": "US", "kind": "warhead", "status": "stored", "x": 1}]', "inv.json"
    )
    assert (exc.line, exc.column) == (1, "x")


def test_json_facility_error_names_its_line_and_field(tmp_path: Path) -> None:
    exc = error(
        tmp_path,
        '{"facilities": [\n {"id": "a", "party": "US", "type": "air_base"},\n'
        ' {"id": "b", "party": "US", "type": "moon_base"}\n],\n "items": []}',
        "inv.json",
    )
    assert (exc.line, exc.column) == (3, "type")

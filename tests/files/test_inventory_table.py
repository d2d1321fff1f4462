"""The large-file reader (issue 19): a CSV read straight into the counting table must agree
with the item-by-item reader on every column and every count, and refuse what it refuses
with the same file, line and column."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyledger.files import load_catalog, load_rule_set, rule_set_names
from treatyledger.files.errors import InputFileError
from treatyledger.files.inventory import read_inventory
from treatyledger.files.inventory_table import read_inventory_table
from treatyledger.rules import InventoryTable, count

COLUMNS = [
    "party",
    "kind",
    "status",
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
    "role",
]
CATALOG = load_catalog()


def write(tmp_path: Path, rows: list[dict[str, str]], name: str = "inv.csv") -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def base_force(bases: int = 3, per_base: int = 4) -> list[dict[str, str]]:
    """Launchers at ICBM bases holding missiles holding warheads, stored missiles, bombers."""
    rows: list[dict[str, str]] = []
    for b in range(bases):
        for n in range(per_base):
            launcher, missile = f"L{b}-{n}", f"M{b}-{n}"
            rows.append(
                {
                    "party": "US",
                    "kind": "icbm_launcher",
                    "status": "deployed",
                    "system_type": "MM III",
                    "uid": launcher,
                    "facility": f"BASE-{b}",
                    "facility_type": "icbm_base",
                }
            )
            rows.append(
                {
                    "party": "US",
                    "kind": "icbm",
                    "status": "deployed",
                    "system_type": "MM III",
                    "uid": missile,
                    "contained_in": launcher,
                    "warheads": "1",
                }
            )
            rows.append(
                {
                    "party": "US",
                    "kind": "warhead",
                    "status": "deployed",
                    "uid": f"W{b}-{n}",
                    "contained_in": missile,
                }
            )
    rows.append(
        {
            "party": "US",
            "kind": "icbm",
            "status": "non_deployed",
            "system_type": "MM III",
            "quantity": "7",
            "facility": "STORE",
            "facility_type": "storage",
        }
    )
    rows.append(
        {
            "party": "US",
            "kind": "heavy_bomber",
            "status": "deployed",
            "system_type": "B-52H",
            "uid": "B1",
            "facility": "TEST",
            "facility_type": "test_range",
        }
    )
    return rows


def assert_same_table(a: InventoryTable, b: InventoryTable) -> None:
    for name in [
        "party",
        "kind",
        "status",
        "armament",
        "basing",
        "facility_type",
        "contained",
        "type_index",
        "quantity",
        "warheads",
        "lrna_capacity",
        "role",
        "identified",
        "container",
        "loaded",
        "warheads_declared",
    ]:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.party_ids == b.party_ids
    assert [t.id for t in a.system_types] == [t.id for t in b.system_types]
    assert list(a.labels or ()) == list(b.labels or ())
    assert list(a.facility_ids or ()) == list(b.facility_ids or ())


def test_the_table_equals_the_item_readers_table_and_counts_alike(tmp_path: Path) -> None:
    path = write(tmp_path, base_force())
    table = read_inventory_table(path, CATALOG)
    inventory = read_inventory(path, CATALOG)
    assert_same_table(table, InventoryTable.from_inventory(inventory, CATALOG))
    for name in rule_set_names():
        rule_set = load_rule_set(name)
        assert count(table, rule_set, CATALOG) == count(inventory, rule_set, CATALOG), name


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_any_mix_of_rows_reads_alike(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """Any subset of rows, valid or not: both readers give the same table or the same error
    (a row whose container was left out is refused by both, naming the same line)."""
    rows = base_force(bases=2, per_base=2)
    chosen = data.draw(st.lists(st.sampled_from(rows), min_size=1, max_size=len(rows)))
    path = write(tmp_path_factory.mktemp("inv"), chosen)
    try:
        expected = InventoryTable.from_inventory(read_inventory(path, CATALOG), CATALOG)
    except InputFileError as exc:
        with pytest.raises(InputFileError) as by_table:
            read_inventory_table(path, CATALOG)
        assert str(by_table.value) == str(exc)
        return
    assert_same_table(read_inventory_table(path, CATALOG), expected)


def errors_of(path: Path) -> tuple[str, str]:
    with pytest.raises(InputFileError) as by_table:
        read_inventory_table(path, CATALOG, ("US", "RU"))
    with pytest.raises(InputFileError) as by_items:
        read_inventory(path, CATALOG, ("US", "RU"))
    return str(by_table.value), str(by_items.value)


@pytest.mark.parametrize(
    "change",
    [
        {"warheads": "99"},  # 99 RVs on one Minuteman III: beyond its capacity
        {"party": "XX"},  # not a party of the treaty
        {"uid": "L0-0"},  # a UID twice
        {"uid": "bad uid!"},  # not a UID
        {"contained_in": "NOWHERE"},  # a container no row has
        {"facility_type": "air_base", "facility": "BASE-0"},  # BASE-0 declared twice, unlike
        {"status": "exploded"},  # not a status
        {"system_type": "Nonesuch"},  # not in the catalog
    ],
)
def test_a_bad_row_is_refused_with_the_item_readers_error(
    tmp_path: Path, change: dict[str, str]
) -> None:
    rows = base_force()
    target = dict(rows[4])  # a missile in a launcher, line 6 of the file
    target.update(change)
    rows[4] = target
    by_table, by_items = errors_of(write(tmp_path, rows))
    assert by_table == by_items
    assert ":6" in by_table


def test_empty_and_header_only_files_are_errors(tmp_path: Path) -> None:
    path = write(tmp_path, [])
    by_table, by_items = errors_of(path)
    assert by_table == by_items
    assert "no items" in by_table


def test_quoted_cells_take_the_general_reader(tmp_path: Path) -> None:
    path = write(tmp_path, base_force())
    text = path.read_text().replace("BASE-1", '"BASE-1"')
    path.write_text("# a comment line\n\n" + text)
    table = read_inventory_table(path, CATALOG)
    assert_same_table(table, InventoryTable.from_inventory(read_inventory(path, CATALOG), CATALOG))


#: Changes that make a row wrong in one way each, or right in an unusual way (padding).
CHANGES = [
    {"warheads": "99"},
    {"party": "XX"},
    {"uid": "L0-0"},
    {"uid": "bad uid!"},
    {"uid": " padded "},
    {"facility": "no facility!"},
    {"contained_in": "NOWHERE"},
    {"contained_in": " L0-0 "},
    {"facility_type": "air_base", "facility": "BASE-0"},
    {"facility": "BASE-1"},  # a contained row placed elsewhere than its container
    {"status": "exploded"},
    {"system_type": "Nonesuch"},
]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_mix_of_faults_is_refused_at_the_same_row(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """Several faulty rows anywhere in the file: both readers name the same first fault
    (read_inventory checks row by row; the table reader checks whole columns first)."""
    rows = base_force(bases=2, per_base=3)
    indices = st.integers(0, len(rows) - 1)
    for index, change in data.draw(st.lists(st.tuples(indices, st.sampled_from(CHANGES)))):
        rows[index] = {**rows[index], **change}
    path = write(tmp_path_factory.mktemp("inv"), rows)
    try:
        expected = InventoryTable.from_inventory(read_inventory(path, CATALOG, ("US",)), CATALOG)
    except InputFileError as exc:
        with pytest.raises(InputFileError) as by_table:
            read_inventory_table(path, CATALOG, ("US",))
        assert str(by_table.value) == str(exc)
        return
    assert_same_table(read_inventory_table(path, CATALOG, ("US",)), expected)


def test_an_early_bad_uid_is_named_before_a_later_conflicting_declaration(
    tmp_path: Path,
) -> None:
    rows = base_force()
    rows[4] = {**rows[4], "uid": "bad uid!"}  # line 6
    rows[9] = {**rows[9], "facility": "BASE-0", "facility_type": "air_base"}  # line 11
    by_table, by_items = errors_of(write(tmp_path, rows))
    assert by_table == by_items
    assert ":6 column uid" in by_table


def _cycle_rows() -> list[dict[str, str]]:
    """Two missiles inside each other (no facility) and a warhead at a base inside one."""
    missile = {"party": "US", "kind": "icbm", "status": "deployed", "system_type": "MM III"}
    return [
        {**missile, "uid": "MA", "contained_in": "MB", "warheads": "1"},
        {**missile, "uid": "MB", "contained_in": "MA", "warheads": "1"},
        {
            "party": "US",
            "kind": "warhead",
            "status": "deployed",
            "uid": "W",
            "contained_in": "MA",
            "facility": "BASE-0",
            "facility_type": "icbm_base",
        },
    ]


@pytest.mark.parametrize("reader", [read_inventory, read_inventory_table])
def test_a_containment_cycle_is_an_error_not_a_hang(tmp_path: Path, reader: object) -> None:
    path = write(tmp_path, _cycle_rows())
    with pytest.raises(InputFileError, match="cycle"):
        reader(path, CATALOG)  # type: ignore[operator]


def test_a_deep_nesting_is_resolved_once_per_row(tmp_path: Path) -> None:
    """A chain of 20,000 warheads each inside the next, under one launcher at a base, with a
    facility on every other row: each row's container facility is found once (a walk up the
    chain from every row would take 10^8 steps) and a wrong facility is still caught."""
    depth = 20_000
    rows = [
        {
            "party": "US",
            "kind": "icbm_launcher",
            "status": "deployed",
            "system_type": "MM III",
            "uid": "L",
            "facility": "BASE-0",
            "facility_type": "icbm_base",
        }
    ]
    for n in range(depth):
        rows.append(
            {
                "party": "US",
                "kind": "warhead",
                "status": "deployed",
                "uid": f"W{n}",
                "contained_in": f"W{n + 1}" if n + 1 < depth else "L",
                "facility": "BASE-0" if n == 0 else "",
            }
        )
    rows[1]["facility"] = "BASE-9"  # W0 is declared elsewhere than its container chain
    rows[1]["facility_type"] = "icbm_base"
    path = write(tmp_path, rows)
    with pytest.raises(InputFileError, match="BASE-9 but its container W1 is at BASE-0"):
        read_inventory(path, CATALOG)

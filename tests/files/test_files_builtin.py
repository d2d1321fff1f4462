"""Built-in data and user catalog/rule-set files."""

from __future__ import annotations

from pathlib import Path

import pytest

from treatyledger.files import load_catalog, load_rule_set, rule_set_names
from treatyledger.files.errors import InputFileError
from treatyledger.model.errors import CatalogError
from treatyledger.rules.errors import RuleSetError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "rules"

#: The ids of shared/reference/treaties.md, exactly as written there.
TREATY_IDS = (
    *("MM II", "MM III", "Peacekeeper", "Poseidon", "Trident I", "Trident II"),
    *("SS-11", "SS-13", "SS-17", "SS-18", "SS-19", "SS-24", "SS-25"),
    *("SS-N-6", "SS-N-8", "SS-N-17", "SS-N-18", "SS-N-20", "SS-N-23"),
    *("B-52", "B-1", "B-2", "Bear", "Blackjack"),
)
CURRENT_SYSTEMS = (
    "Minuteman III",
    "Trident II D5",
    "B-2A",
    "B-52H",
    "Yars",
    "Sarmat",
    "Avangard",
    "Bulava",
    "Sineva",
    "Topol-M",
    "Tu-95MS",
    "Tu-160",
)


@pytest.mark.parametrize("type_id", TREATY_IDS)
def test_catalog_has_every_treaty_system_under_its_treaty_id(type_id: str) -> None:
    system_type = load_catalog().get(type_id)
    assert system_type is not None and system_type.id == type_id
    assert system_type.source


@pytest.mark.parametrize("name", CURRENT_SYSTEMS)
def test_catalog_resolves_every_current_system(name: str) -> None:
    assert name in load_catalog()


def test_aliases_resolve_to_the_treaty_ids() -> None:
    catalog = load_catalog()
    assert catalog.resolve("Minuteman III").id == "MM III"
    assert catalog.resolve("Trident II D5").id == "Trident II"


def test_only_the_ss18_and_its_successor_are_heavy_icbms() -> None:
    heavy = sorted(t.id for t in load_catalog() if t.heavy_icbm)
    assert heavy == ["SS-18", "Sarmat"]


def test_extra_catalog_adds_types(tmp_path: Path) -> None:
    catalog = load_catalog(FIXTURES / "extra-catalog.toml")
    assert catalog.resolve("MM III-1").start1_attributed_warheads == 1
    assert "MM III" in catalog


def test_extra_catalog_error_names_the_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[[system_types]]\nid = "X"\nkind = "icbm"\nbasing = "moon"\n'
        'max_warheads = 1\nsource = "s"\n'
    )
    with pytest.raises(CatalogError, match=r"bad.toml.*system type X: field basing"):
        load_catalog(path)


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[treaty]\nid = \n")
    with pytest.raises(InputFileError) as caught:
        load_rule_set(str(path))
    assert caught.value.line == 2 and caught.value.column is not None


def test_rule_set_loads_from_a_path() -> None:
    rule_set = load_rule_set(str(FIXTURES / "downloaded-start1.toml"))
    assert rule_set.id == "mm3-downloaded"


def test_unknown_rule_set_name_lists_the_built_in_ones() -> None:
    with pytest.raises(RuleSetError) as caught:
        load_rule_set("start-3")
    assert all(name in str(caught.value) for name in rule_set_names())


def test_oversized_rule_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text("# " + "x" * (2 << 20))
    with pytest.raises(InputFileError, match="expected at most"):
        load_rule_set(str(path))

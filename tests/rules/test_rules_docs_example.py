"""The examples in docs/rule-sets.md are valid and do what the text says (documentation that
cannot rot)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from rules_support import catalog, inventory, item

from treatyledger.model.parties import Facility
from treatyledger.rules import RuleSet, count

DOC = Path(__file__).parents[2] / "docs" / "rule-sets.md"


def blocks() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def example() -> RuleSet:
    return RuleSet.from_mapping(tomllib.loads(blocks()[0]), source="docs/rule-sets.md")


def test_documented_example_rule_set_is_valid() -> None:
    rule_set = example()
    assert [c.id for c in rule_set.categories] == ["deployed_warheads"]
    assert rule_set.inspections is not None and rule_set.inspections.annual_total == 10
    assert [d.id for d in rule_set.definitions] == ["my.def.test-launcher"]


def test_the_documented_definition_of_ones_own_is_applied() -> None:
    # the second block: a bomber at a storage site is non-deployed under "my" treaty
    data = tomllib.loads(blocks()[0])
    data["definitions"] = tomllib.loads(blocks()[1])["definitions"]
    data["categories"][0]["clauses"].append(
        {
            "id": "dw.bombers",
            "text": "One per deployed heavy bomber.",
            "method": "count",
            "select": {"kind": "heavy_bomber", "status": "deployed"},
        }
    )
    rule_set = RuleSet.from_mapping(data)
    stored = Facility(id="boneyard", party="US", type="storage")
    inv = inventory(
        item("US", "heavy_bomber", "deployed", "B-52H", quantity=3, facility="boneyard"),
        item("US", "heavy_bomber", "deployed", "B-52H", quantity=2),
        facilities=(stored,),
    )
    result = count(inv, rule_set, catalog())
    assert result.parties["US"].categories["deployed_warheads"].total == 2
    [note] = result.overridden
    assert (note.definition_id, note.items) == ("my.def.bomber.stored", 3)

"""The example in docs/rule-sets.md is a valid rule set (documentation that cannot rot)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from treatyledger.rules import RuleSet

DOC = Path(__file__).parents[2] / "docs" / "rule-sets.md"


def test_documented_example_rule_set_is_valid() -> None:
    [block] = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    rule_set = RuleSet.from_mapping(tomllib.loads(block), source="docs/rule-sets.md")
    assert [c.id for c in rule_set.categories] == ["deployed_warheads"]
    assert rule_set.inspections is not None and rule_set.inspections.annual_total == 10

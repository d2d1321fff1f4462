"""Treaty rule sets as data (schema), a columnar inventory view (table), the treaty status
each row has under a rule set's definitions (derive), the counting engine (engine), the
explanation of a total (explain), overlap checks on rule files (overlap), and a naive per-item
evaluator kept as test oracle and benchmark baseline (reference). Pure: no I/O; files are read
by treatyledger.files."""

from treatyledger.rules.derive import Derivation, derive
from treatyledger.rules.engine import CategoryCount, CountResult, DefinitionNote, PartyCount, count
from treatyledger.rules.errors import CountingError
from treatyledger.rules.explain import Contribution, Explanation, LeftOut, RowStatus, explain
from treatyledger.rules.overlap import Overlap, overlapping_clauses, rule_set_warnings
from treatyledger.rules.schema import (
    Category,
    Clause,
    Definition,
    InspectionType,
    Limit,
    Method,
    RuleSet,
    Selector,
    Tier,
)
from treatyledger.rules.table import InventoryTable, TableCache

__all__ = [
    "Category",
    "CategoryCount",
    "Clause",
    "Contribution",
    "CountResult",
    "CountingError",
    "Definition",
    "DefinitionNote",
    "Derivation",
    "Explanation",
    "InspectionType",
    "InventoryTable",
    "LeftOut",
    "Limit",
    "Method",
    "Overlap",
    "PartyCount",
    "RowStatus",
    "RuleSet",
    "Selector",
    "TableCache",
    "Tier",
    "count",
    "derive",
    "explain",
    "overlapping_clauses",
    "rule_set_warnings",
]

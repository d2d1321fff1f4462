"""Treaty rule sets as data (schema), a columnar inventory view (table), the counting engine
(engine) and a naive per-item evaluator kept as test oracle and benchmark baseline
(reference). Pure: no I/O; files are read by treatyledger.files."""

from treatyledger.rules.engine import (
    CategoryCount,
    Contribution,
    CountingError,
    CountResult,
    PartyCount,
    count,
    explain,
)
from treatyledger.rules.schema import (
    Category,
    Clause,
    InspectionType,
    Limit,
    Method,
    RuleSet,
    Selector,
    Tier,
)
from treatyledger.rules.table import InventoryTable

__all__ = [
    "Category",
    "CategoryCount",
    "Clause",
    "Contribution",
    "CountResult",
    "CountingError",
    "InspectionType",
    "InventoryTable",
    "Limit",
    "Method",
    "PartyCount",
    "RuleSet",
    "Selector",
    "Tier",
    "count",
    "explain",
]

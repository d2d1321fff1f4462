"""Access to tests/fixtures/inspect/inspection_cases.json (see the README there)."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

CASES_PATH = Path(__file__).parent.parent / "fixtures" / "inspect" / "inspection_cases.json"
PUBLISHED = "published value, read in corpus"


def load_cases() -> dict[str, dict[str, Any]]:
    data = json.loads(CASES_PATH.read_text())
    return {case["id"]: case for case in data["cases"]}


def round_significant(value: float, digits: int) -> float:
    if value == 0:
        return 0.0
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def agrees_at_decimals(computed: float, expected: str) -> bool:
    """``computed`` lies within one unit of the last digit the source printed (sources round
    or truncate: Brook & Evans print 117.59 for 117.5957)."""
    exponent = Decimal(expected).as_tuple().exponent
    assert isinstance(exponent, int)
    return abs(Decimal(repr(computed)) - Decimal(expected)) <= Decimal(1).scaleb(exponent)


def agrees_at_significant(computed: float, expected: str, digits: int) -> bool:
    return round_significant(computed, digits) == round_significant(float(expected), digits)

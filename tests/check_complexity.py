"""Size and complexity limits of the design brief, checked by ``make lint``: no module in
src/ over 600 lines, and no function graded worse than C by radon (cyclomatic complexity
over 20) unless docs/architecture.md says why, in its "Complexity exceptions" list as
``module.py`` ``function``: the reason."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from radon.complexity import cc_rank, cc_visit

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src"
MAX_LINES = 600
EXCEPTION = re.compile(r"^- `(?P<module>[\w/]+\.py)` `(?P<function>[\w.]+)`: \S")


def explained() -> set[tuple[str, str]]:
    """(module path under src/treatyledger, function) pairs architecture.md explains."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Complexity exceptions", 1)
    if len(section) == 1:
        return set()
    body = section[1].split("\n## ", 1)[0]
    found = set()
    for line in body.splitlines():
        match = EXCEPTION.match(line)
        if match:
            found.add((match["module"], match["function"]))
    return found


def problems() -> list[str]:
    allowed = explained()
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE / "treatyledger").as_posix()
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MAX_LINES:
            found.append(f"{relative}: {lines} lines (at most {MAX_LINES})")
        for block in cc_visit(text):
            rank = cc_rank(block.complexity)
            name = block.fullname
            if rank > "C" and (relative, name) not in allowed:
                found.append(
                    f"{relative}:{block.lineno} {name}: complexity {block.complexity} "
                    f"(grade {rank}); simplify it or say why in docs/architecture.md"
                )
    return found


def main() -> int:
    found = problems()
    for problem in found:
        print(f"check_complexity: {problem}")
    if not found:
        print(f"check_complexity: every module <= {MAX_LINES} lines, every function grade <= C")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

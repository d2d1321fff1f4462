"""The standalone zk verifier imports only the standard library, pysodium and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import treatyledger.zk

STANDALONE = ("ristretto", "transcript", "generators", "rangeproof", "verifier")
ALLOWED = {f"treatyledger.zk.{name}" for name in STANDALONE} | {"treatyledger.zk", "pysodium"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_standalone_modules_need_nothing_but_stdlib_and_pysodium() -> None:
    folder = Path(treatyledger.zk.__file__).parent
    for name in STANDALONE:
        for module in _imports(folder / f"{name}.py"):
            top = module.split(".")[0]
            if module == "treatyledger.errors":  # optional: falls back to Exception
                continue
            assert module in ALLOWED or top in sys.stdlib_module_names or top == "__future__", (
                name,
                module,
            )

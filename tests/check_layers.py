"""The layers of docs/architecture.md, checked before the suite runs (``make test``) and by
``make lint``: the import-linter contracts of pyproject.toml, and that those contracts name
every table module of the store and every core package that exists."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "treatyledger"
#: the pure cores of the design brief (a core may not exist yet: zk arrives with its issue)
CORES = ("model", "rules", "ledger", "tlog", "escrow", "zk", "inspect", "analysis")


def contract_gaps() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}
    gaps = []
    cores = set(contracts["pure-cores"]["source_modules"])
    for core in CORES:
        module = f"treatyledger.{core}"
        if (PACKAGE / core / "__init__.py").exists() and module not in cores:
            gaps.append(f"core package {module} is not a source module of contract pure-cores")
    forbidden = set(contracts["node-no-sql"]["forbidden_modules"])
    for path in sorted((PACKAGE / "store").glob("*tables.py")):
        module = f"treatyledger.store.{path.stem}"
        if module not in forbidden:
            gaps.append(f"table module {module} is not forbidden by contract node-no-sql")
    return gaps


def main() -> int:
    gaps = contract_gaps()
    for gap in gaps:
        print(f"check_layers: {gap} (pyproject.toml, [tool.importlinter])")
    linter = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    report = run.stdout.split("Contracts\n---------\n")[-1].strip()
    print(report)
    if run.returncode != 0:
        print(run.stderr.strip())
    return 1 if gaps or run.returncode != 0 else 0


if __name__ == "__main__":
    sys.exit(main())

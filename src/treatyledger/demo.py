"""``make demo``: a treaty's accounting, transparency and verification, unattended.

Section 1 counts the bundled public inventories under every built-in rule set: the same US
force of 2020-09-01 (State Department data) counts very differently under START I
attribution, SORT's two 2002 positions, New START and a total-stockpile rule, the question
the negotiators argued about.

Section 2 counts the bundled item-level forces (data/forces: assembled base by base from public
sources) against the official figures they list, each labelled an independent check (the
figure follows from per-base and per-type sources alone) or a reproduction of the input (some
number was fitted to an official figure).

Section 3 runs the decade exercise between two party nodes (US and RU) on loopback, with
SQLite workspaces under ./demo-out/ (``treatyledger.exercise``): New START from the 2011-02-05
baseline to the expiry on 2026-02-05, both forces at item level (bases, UIDs, containment),
some 20,000 notifications of reductions, maintenance, movements and exits and the six-monthly
databases, Russia's suspension of February 2023 (no Russian data after 2022-09-01),
inspections to the quotas until March 2020 with a seeded cheater, a witness node; each party
verifies, mirrors, counts and cosigns the other's log, and the counts each verified are
printed per data date beside the official aggregates (reproductions of the input) and the
limits, then the official figures the streams were not generated from (independent checks);
./demo-out/report/index.html is the verification report. The servers stop when the demo
ends, however it ends, unless ``--serve`` (``make demo SERVE=1``) asks to keep them. Exit
status 1 if any verified count or any force's figure differs from the official one, a node's
reconciliation of an inspection disagrees, or an evidence bundle fails to verify.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from treatyledger.errors import TreatyLedgerError
from treatyledger.files import (
    bundled_inventory_names,
    force_names,
    load_catalog,
    load_force,
    load_rule_set,
    read_bundled_inventory,
    rule_set_names,
)
from treatyledger.model.catalog import Catalog
from treatyledger.rules import CountingError, count
from treatyledger.rules.evidence import check_force

DEMO_OUT = Path("demo-out")


def counting_section(console: Console, catalog: Catalog) -> None:
    inventories = {
        name: read_bundled_inventory(name, catalog) for name in bundled_inventory_names()
    }
    table = Table(
        "rule set",
        "category",
        "limit",
        *inventories,
        title="Bundled inventories under every built-in rule set (totals; red: over the limit)",
    )
    notes: list[str] = []
    for rule_set_name in rule_set_names():
        rule_set = load_rule_set(rule_set_name)
        cells: dict[str, dict[str, str]] = {c.id: {} for c in rule_set.categories}
        for inventory_name, inventory in inventories.items():
            try:
                result = count(inventory, rule_set, catalog)
            except CountingError as exc:
                # e.g. START I expired before Yars or Bulava existed: the MOU attributes nothing
                notes.append(f"{inventory_name} under {rule_set_name}: {exc}")
                for category_cells in cells.values():
                    category_cells[inventory_name] = f"[dim]n/a ({len(notes)})[/]"
                continue
            for party_count in result.parties.values():
                for category_id, category_count in party_count.categories.items():
                    text = f"{category_count.total:,}"
                    cells[category_id][inventory_name] = (
                        f"[bold red]{text}[/]" if category_count.within_limit is False else text
                    )
        for category in rule_set.categories:
            limit = rule_set.limit_for(category.id, None)
            table.add_row(
                rule_set_name,
                category.id,
                "" if limit is None else f"{limit:,}",
                *(cells[category.id].get(name, "") for name in inventories),
            )
        table.add_section()
    console.print(table)
    for number, note in enumerate(notes, start=1):
        console.print(f"({number}) {note}", highlight=False)
    console.print(
        "Sources: us-2020-09-01 is the State Department's New START data of 2020-09-01 (fact "
        "sheet of 2020-12-01); ru-2020-09-01 reproduces the official Russian aggregates with "
        "assumed per-type splits; see src/treatyledger/data/inventories/README.md.",
        highlight=False,
    )


def forces_section(console: Console, catalog: Catalog) -> bool:
    """Each bundled force's checks, labelled; True if every figure matches."""
    all_match = True
    for name in force_names():
        force = load_force(name)
        table = Table(
            "rule set", "category", "items", "official", "counted", "", "evidence",
            title=f"{force.force.name} ({len(force.groups)} groups of items from "
            f"{len(force.sources)} public sources)",
        )  # fmt: skip
        for result in check_force(force, load_rule_set, catalog):
            check = result.check
            all_match &= result.matches
            table.add_row(
                check.rule_set,
                check.category,
                check.kind or "all",
                f"{check.official:,}",
                f"{result.counted:,}",
                "[green]matches[/]" if result.matches else "[bold red]DIFFERS[/]",
                (
                    "[bold]independent check[/]: "
                    if check.independent
                    else "reproduction of the input: "
                )
                + check.basis,
            )
        console.print(table)
    console.print(
        "Independent checks follow from the per-base and per-type sources alone (changing every "
        "number fitted to an official figure leaves them unchanged: "
        "tests/scenarios/test_independent_forces.py); reproductions depend on a fitted number. "
        "Sources and fitted numbers: src/treatyledger/data/forces/.",
        highlight=False,
    )
    return all_match


def treaty_cycle_section(console: Console, out: Path = DEMO_OUT, *, serve: bool = False) -> bool:
    """Two party nodes verify each other through New START 2011-2026; True if every count
    one party verified equals the official aggregate. With ``serve`` the nodes keep serving
    until the user interrupts."""
    from treatyledger.exercise import print_exercise, run_exercise

    console.rule("Two party nodes: New START 2011-2026, notified, verified, cosigned")
    result = run_exercise(out, serve=serve, say=lambda line: console.print(line, highlight=False))
    print_exercise(console, result)
    if serve:
        _keep_serving(console, result)
    return result.ok


def _keep_serving(console: Console, result: Any) -> None:
    for party, url in result.serving.items():
        console.print(
            f"{party} node: {url}/observer (public page); party pages at {url}/party with the "
            f"owner token in {out_token(result, party)}",
            highlight=False,
        )
    console.print("Serving until Ctrl-C.", highlight=False)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        result.close()


def out_token(result: Any, party: str) -> Path:
    return Path(result.out) / party.lower() / "owner.token"


def main(argv: list[str] | None = None) -> None:
    serve = "--serve" in (sys.argv[1:] if argv is None else argv)
    console = Console(width=max(Console().width, 120))
    catalog = load_catalog()
    try:
        counting_section(console, catalog)
        forces_match = forces_section(console, catalog)
        cycle_ok = treaty_cycle_section(console, serve=serve)
    except TreatyLedgerError as exc:  # one line, never a traceback (ExerciseError, ...)
        print(f"demo failed: {exc}", file=sys.stderr)
        sys.exit(int(exc.exit_code) or 1)
    if not cycle_ok or not forces_match:
        sys.exit(1)


if __name__ == "__main__":
    main()

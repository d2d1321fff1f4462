"""The bundled item-level forces (data/forces) against the official figures they list.

Oracle: the State Department's figures (each check cites its source); the force is assembled
from per-base and per-type sources, not from those figures. Every check is labelled: an
independent check must not move when every number fitted to an official figure changes, and a
reproduction of the input must move (so no label overstates the evidence). The same force is
counted on the inventory-file path and the ledger path (`count --inventory` and `import-inventory`
+ `count --workspace`, through the CLI), with the same results.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from treatyledger.cli import main
from treatyledger.files import (
    force_names,
    load_catalog,
    load_force,
    load_rule_set,
    read_inventory,
    write_inventory_csv,
)
from treatyledger.model import TERMINAL_STATUSES, Status
from treatyledger.model.forces import Force, expand, perturbed
from treatyledger.rules import count
from treatyledger.rules.evidence import check_force

FORCES = force_names()


@cache
def rule_set(name: str):  # type: ignore[no-untyped-def]
    return load_rule_set(name)


def results(force: Force, **kwargs):  # type: ignore[no-untyped-def]
    return check_force(force, rule_set, load_catalog(), **kwargs)


def test_the_us_2020_force_is_bundled() -> None:
    assert "us-2020-09-01" in FORCES


@pytest.mark.parametrize("name", FORCES)
def test_every_check_reproduces_its_official_figure(name: str) -> None:
    for result in results(load_force(name)):
        assert result.matches, (result.check.category, result.check.kind, result.counted)


@pytest.mark.parametrize("name", FORCES)
def test_each_label_is_earned(name: str) -> None:
    force = load_force(name)
    exact = [r.counted for r in results(force)]
    moved = [False] * len(exact)
    for change in (-1, +1):  # every fitted number one lower, then one higher
        for i, result in enumerate(results(perturbed(force, change))):
            if result.check.independent:
                assert result.counted == exact[i], (result.check, change)
            moved[i] |= result.counted != exact[i]
    for check, did_move in zip(force.checks, moved, strict=True):
        if not check.independent:
            assert did_move, f"{check.category}/{check.kind} is independent after all"


@pytest.mark.parametrize("name", FORCES)
def test_the_treaty_definitions_alone_give_the_split(name: str) -> None:
    # declare every accountable item "deployed": the definitions (containment, facility, role)
    # must still give the official deployed and non-deployed figures
    force = load_force(name)
    declared = expand(force)
    naive = declared.model_copy(
        update={
            "items": tuple(
                item
                if item.status in TERMINAL_STATUSES
                or item.status in (Status.CONVERTED, Status.CONVERTED_NON_NUCLEAR)
                else item.model_copy(update={"status": Status.DEPLOYED})
                for item in declared.items
            )
        }
    )
    for result in results(force, inventory=naive):
        assert result.matches, (result.check.category, result.check.kind, result.counted)
    overridden = count(naive, rule_set("new-start"), load_catalog()).overridden
    assert {n.definition_id for n in overridden} >= {
        "ns.def.launcher.empty",
        "ns.def.launcher.test-site",
        "ns.def.bomber.repair",
        "ns.def.bomber.test",
        "ns.def.missile.outside-launcher",
    }


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


@pytest.mark.parametrize("name", FORCES)
def test_the_file_and_the_ledger_paths_count_the_force_alike(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    force = load_force(name)
    path = tmp_path / f"{name}.csv"
    path.write_text(write_inventory_csv(expand(force)), encoding="utf-8")
    # the file reads back as the same force
    for result in results(force, inventory=read_inventory(path, load_catalog())):
        assert result.matches
    workspace = tmp_path / "ws"
    party = force.force.party
    assert run(capsys, "init", "-w", str(workspace), "--party", party)[0] == 0
    as_of = force.force.as_of.isoformat()
    code, _ = run(capsys, "import-inventory", "-w", str(workspace), str(path), "--as-of", as_of)
    assert code == 0
    for rules in sorted({c.rule_set for c in force.checks}):
        _, by_file = run(
            capsys, "count", "--rules", rules, "--inventory", str(path), "--format", "json"
        )
        _, by_ledger = run(
            capsys,
            *("count", "--rules", rules, "--workspace", str(workspace)),
            *("--as-of", as_of, "--format", "json"),
        )
        assert json.loads(by_file)["parties"] == json.loads(by_ledger)["parties"]
        categories = json.loads(by_file)["parties"][party]["categories"]
        for check in force.checks:
            if check.rule_set == rules and check.kind is None:
                assert categories[check.category]["total"] == check.official

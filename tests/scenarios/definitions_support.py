"""Count one force on the two paths the issue names: the inventory file (what `count
--inventory` reads) and the ledger (the file's items declared and loaded by notifications,
replayed: what `count --workspace` counts)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from treatyledger.files import load_catalog, load_rule_set, read_inventory
from treatyledger.ledger import policy_from_rule_set, replay
from treatyledger.model import Catalog, Inventory
from treatyledger.rules import CountResult, RuleSet, count
from treatyledger.store.inventory_import import inventory_notifications

HEADER = (
    "party,kind,status,system_type,quantity,warheads,armament,uid,facility,facility_type,"
    "contained_in,role"
)
WHEN = datetime(2020, 9, 1, tzinfo=UTC)


@cache
def catalog() -> Catalog:
    return load_catalog()


@cache
def rule_set(name: str) -> RuleSet:
    return load_rule_set(name)


def write_csv(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "inventory.csv"
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return path


def ledger_inventory(inventory: Inventory, name: str) -> Inventory:
    """The inventory as the ledger holds it after the notifications that declare it."""
    parties = sorted({item.party for item in inventory.items})
    records: list[dict[str, object]] = []
    for party in parties:
        records += inventory_notifications(
            inventory.for_party(party), party, first_sequence=1, effective=WHEN, issued=WHEN
        )
    policy = policy_from_rule_set(rule_set(name), catalog())
    return replay(records, policy).inventory()


def both_paths(tmp_path: Path, name: str, *rows: str) -> tuple[CountResult, CountResult]:
    path = write_csv(tmp_path, *rows)
    inventory = read_inventory(path, catalog(), rule_set(name).treaty.parties)
    by_file = count(inventory, rule_set(name), catalog())
    by_ledger = count(ledger_inventory(inventory, name), rule_set(name), catalog())
    return by_file, by_ledger


def totals(result: CountResult, party: str = "US") -> dict[str, int]:
    return {c: v.total for c, v in result.parties[party].categories.items()}


def same_totals(tmp_path: Path, name: str, *rows: str) -> tuple[dict[str, int], CountResult]:
    """The totals both paths agree on (asserted), and the file path's result (for its notes)."""
    by_file, by_ledger = both_paths(tmp_path, name, *rows)
    assert totals(by_file) == totals(by_ledger)
    return totals(by_file), by_file


def overriding(result: CountResult) -> set[str]:
    return {note.definition_id for note in result.overridden}

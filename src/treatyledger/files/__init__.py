"""Adapter: reads built-in data (catalog, rule sets, bundled inventories) and user files.

The cores never open files; they validate values handed to them from here."""

from treatyledger.files.builtin import (
    bundled_inventory_names,
    load_catalog,
    load_rule_set,
    read_bundled_inventory,
    rule_set_names,
)
from treatyledger.files.forces import force_names, load_force
from treatyledger.files.inventory import read_inventory, write_inventory_csv

__all__ = [
    "bundled_inventory_names",
    "force_names",
    "load_catalog",
    "load_force",
    "load_rule_set",
    "read_bundled_inventory",
    "read_inventory",
    "rule_set_names",
    "write_inventory_csv",
]

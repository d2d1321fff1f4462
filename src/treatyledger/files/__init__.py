"""Adapter: reads built-in data (catalog, rule sets, bundled inventories) and user files.

The cores never open files; they validate values handed to them from here."""

from treatyledger.files.builtin import (
    bundled_inventory_names,
    load_catalog,
    load_rule_set,
    read_bundled_inventory,
    rule_set_names,
)
from treatyledger.files.inventory import read_inventory

__all__ = [
    "bundled_inventory_names",
    "load_catalog",
    "load_rule_set",
    "read_bundled_inventory",
    "read_inventory",
    "rule_set_names",
]

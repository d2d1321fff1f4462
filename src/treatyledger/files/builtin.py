"""Built-in data through importlib.resources, and user catalog and rule-set files."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from treatyledger.files.errors import InputFileError
from treatyledger.model.catalog import Catalog
from treatyledger.model.errors import CatalogError
from treatyledger.model.items import Inventory
from treatyledger.rules.errors import RuleSetError
from treatyledger.rules.schema import RuleSet

#: Rule sets and catalogs are small; a bigger file is a mistake or an attack.
MAX_DATA_FILE_BYTES = 1 << 20

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def _data() -> Traversable:
    return resources.files("treatyledger").joinpath("data")


def _parse_toml(text: str, *, path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_POSITION.search(message)
        line = int(found.group(1)) if found else None
        column = found.group(2) if found else None
        raise InputFileError(
            f"not valid TOML: {_TOML_POSITION.sub('', message).strip()}",
            path=path,
            line=line,
            column=column,
        ) from None


def _read_user_toml(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
        if size > MAX_DATA_FILE_BYTES:
            raise InputFileError(
                f"file is {size} bytes, expected at most {MAX_DATA_FILE_BYTES}", path=str(path)
            )
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputFileError(f"not UTF-8 text: {exc.reason}", path=str(path)) from None
    return _parse_toml(text, path=str(path))


def load_catalog(extra: Path | None = None) -> Catalog:
    """The built-in catalog, plus the system types of ``extra`` (a TOML file with
    ``[[system_types]]`` tables; a type with a built-in id replaces the built-in one)."""
    text = _data().joinpath("catalog.toml").read_text(encoding="utf-8")
    catalog = Catalog.from_mapping(_parse_toml(text, path="catalog.toml"), source="catalog.toml")
    if extra is None:
        return catalog
    data = _read_user_toml(extra)
    try:
        return catalog.merged(Catalog.from_mapping(data, source=str(extra)))
    except CatalogError as exc:
        message = str(exc)
        raise CatalogError(
            message if message.startswith(str(extra)) else f"{extra}: {message}"
        ) from None


def rule_set_names() -> list[str]:
    """Names of the built-in rule sets (file stems under data/rules)."""
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in _data().joinpath("rules").iterdir()
        if entry.name.endswith(".toml")
    )


def load_rule_set(name_or_path: str) -> RuleSet:
    """A built-in rule set by name, else a rule-set TOML file by path."""
    if name_or_path in rule_set_names():
        resource = _data().joinpath("rules", f"{name_or_path}.toml")
        data = _parse_toml(resource.read_text(encoding="utf-8"), path=f"{name_or_path}.toml")
        return RuleSet.from_mapping(data, source=f"built-in rule set {name_or_path}")
    path = Path(name_or_path)
    if not path.is_file():
        raise RuleSetError(
            f"unknown rule set {name_or_path!r}: expected one of "
            f"{', '.join(rule_set_names())} or the path of a rule-set TOML file"
        )
    return RuleSet.from_mapping(_read_user_toml(path), source=str(path))


def bundled_inventory_names() -> list[str]:
    """Public inventories shipped with the package (file stems under data/inventories)."""
    return sorted(
        entry.name.removesuffix(".csv")
        for entry in _data().joinpath("inventories").iterdir()
        if entry.name.endswith(".csv")
    )


def read_bundled_inventory(name: str, catalog: Catalog) -> Inventory:
    """Read a bundled inventory by name, e.g. ``us-2020-09-01``."""
    from treatyledger.files.inventory import read_inventory

    if name not in bundled_inventory_names():
        raise InputFileError(
            f"no bundled inventory {name!r} (expected one of "
            f"{', '.join(bundled_inventory_names())})",
            path=name,
        )
    with resources.as_file(_data().joinpath("inventories", f"{name}.csv")) as path:
        return read_inventory(path, catalog)

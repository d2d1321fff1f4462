"""Item-level forces bundled as package data (``data/forces/*.toml``, format
``treatyledger.model.forces``): public per-base and per-type assemblies with their sources."""

from __future__ import annotations

from importlib import resources

from treatyledger.files.builtin import _parse_toml
from treatyledger.model.forces import Force

_FORCES = "data/forces"


def force_names() -> list[str]:
    """The bundled forces, by id (the file name without ``.toml``)."""
    folder = resources.files("treatyledger").joinpath(_FORCES)
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def load_force(name: str) -> Force:
    """A bundled force by id; an unknown name is an error listing the known ones."""
    if name not in force_names():
        from treatyledger.files.errors import InputFileError

        known = ", ".join(force_names())
        raise InputFileError(f"unknown force {name!r} (bundled: {known})", path=name)
    path = f"{_FORCES}/{name}.toml"
    text = resources.files("treatyledger").joinpath(path).read_text(encoding="utf-8")
    return Force.from_mapping(_parse_toml(text, path=path), source=path)

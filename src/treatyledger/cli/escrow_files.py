"""The files the ``escrow`` commands read and write: bounded JSON documents, categories,
openings, disclosure schedules, and the secret created 0600."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from treatyledger.escrow.categories import Category
    from treatyledger.escrow.commitment import Opening
    from treatyledger.escrow.schedule import Disclosure, DisclosurePlan
    from treatyledger.escrow.totals import TotalProof

MAX_SMALL_FILE = 1 << 20  # commitments, openings, plans, category files
MAX_LARGE_FILE = 1 << 30  # secrets and total proofs grow with the inventory


def _read_json(path: Path, limit: int) -> Any:
    from treatyledger.cli.options import read_bounded_json
    from treatyledger.escrow.errors import MalformedEscrowDocument

    return read_bounded_json(path, limit, MalformedEscrowDocument)


def _document(path: Path, parse: Any, limit: int = MAX_SMALL_FILE) -> Any:
    from treatyledger.escrow.errors import MalformedEscrowDocument

    data = _read_json(path, limit)
    try:
        return parse(data)
    except MalformedEscrowDocument as exc:
        raise MalformedEscrowDocument(f"{path}: {exc}") from None


def _categories(path: Path | None) -> list[Category]:
    from treatyledger.escrow.categories import Category
    from treatyledger.escrow.errors import MalformedEscrowDocument

    if path is None:
        return []
    data = _read_json(path, MAX_SMALL_FILE)
    if isinstance(data, dict):
        data = data.get("categories")
    if not isinstance(data, list):
        raise MalformedEscrowDocument(f"{path}: expected a list of categories")
    try:
        return [Category.model_validate(entry) for entry in data]
    except ValueError as exc:
        raise MalformedEscrowDocument(f"{path}: {exc}") from None


def _parse_total(data: Any) -> TotalProof:
    from treatyledger.escrow.errors import MalformedEscrowDocument
    from treatyledger.escrow.totals import TotalProof

    try:
        return TotalProof.model_validate(data)
    except ValueError as exc:
        raise MalformedEscrowDocument(f"total proof: {exc}") from None


def _openings_in(path: Path) -> list[Opening]:
    """Openings from a file holding one opening, a list of them, or a total proof."""
    from treatyledger.escrow.commitment import parse_opening
    from treatyledger.escrow.errors import MalformedEscrowDocument

    data = _read_json(path, MAX_LARGE_FILE)
    if isinstance(data, dict) and "openings" in data:
        return list(_document(path, _parse_total, MAX_LARGE_FILE).openings)
    entries = data if isinstance(data, list) else [data]
    try:
        return [parse_opening(entry) for entry in entries]
    except MalformedEscrowDocument as exc:
        raise MalformedEscrowDocument(f"{path}: {exc}") from None


def _parse_plan(data: Any) -> DisclosurePlan:
    from treatyledger.escrow.errors import MalformedEscrowDocument
    from treatyledger.escrow.schedule import DisclosurePlan

    try:
        return DisclosurePlan.model_validate(data)
    except ValueError as exc:
        raise MalformedEscrowDocument(f"plan: {exc}") from None


def _disclosures(path: Path) -> list[Disclosure]:
    from treatyledger.escrow.commitment import parse_opening
    from treatyledger.escrow.errors import MalformedEscrowDocument
    from treatyledger.escrow.schedule import Disclosure

    data = _read_json(path, MAX_LARGE_FILE)
    if not isinstance(data, list):
        raise MalformedEscrowDocument(f"{path}: expected a list of {{published, opening}}")
    result = []
    for n, entry in enumerate(data):
        if not isinstance(entry, dict) or set(entry) != {"published", "opening"}:
            raise MalformedEscrowDocument(f"{path}: entry {n}: expected {{published, opening}}")
        try:
            published = dt.date.fromisoformat(str(entry["published"]))
        except ValueError:
            raise MalformedEscrowDocument(f"{path}: entry {n}: published is not a date") from None
        try:
            result.append(Disclosure(published, parse_opening(entry["opening"])))
        except MalformedEscrowDocument as exc:
            raise MalformedEscrowDocument(f"{path}: entry {n}: {exc}") from None
    return result

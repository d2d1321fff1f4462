"""Adapter: files of the inspection commands.

- notification files: JSON lines, one notification (its JSON form) per line, in the order the
  records were received; several files are concatenated in the order given;
- inspection records (findings): one JSON object, or JSON lines of them (a findings file);
- selections: the JSON object ``treatyledger inspect select --format json`` prints.

Every file is bounded in size and every value is schema-validated before use.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from treatyledger.files.errors import InputFileError
from treatyledger.inspect.findings import InspectionRecord
from treatyledger.inspect.selection import Selection
from treatyledger.model.notifications import Notification, parse_notification

MAX_FILE_BYTES = 64 * 1024 * 1024


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputFileError(
                f"file is {size} bytes, expected at most {MAX_FILE_BYTES}", path=str(path)
            )
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputFileError(f"not UTF-8 text: {exc.reason}", path=str(path)) from None


def _json_lines(path: Path) -> list[tuple[int, Any]]:
    values = []
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            values.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise InputFileError(f"not JSON: {exc.msg}", path=str(path), line=number) from None
    return values


def read_notifications(paths: list[Path]) -> list[Notification]:
    """Notifications from JSON-lines files, in file order then line order."""
    notifications: list[Notification] = []
    for path in paths:
        for number, value in _json_lines(path):
            try:
                notifications.append(parse_notification(value))
            except Exception as exc:  # NotificationSchemaError: keep its message, add place
                raise InputFileError(str(exc), path=str(path), line=number) from None
    return notifications


def read_inspection_records(path: Path) -> list[InspectionRecord]:
    """One finding (a JSON object) or a findings file (JSON lines)."""
    text = _read_text(path).strip()
    entries: list[tuple[int, Any]]
    try:
        entries = [(1, json.loads(text))]
    except json.JSONDecodeError:
        entries = _json_lines(path)
    records = []
    for number, value in entries:
        try:
            records.append(InspectionRecord.model_validate(value))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or None
            message = str(first["msg"]).removeprefix("Value error, ")
            raise InputFileError(message, path=str(path), line=number, column=field) from None
    return records


def append_inspection_record(path: Path, record: InspectionRecord) -> None:
    """Append one finding to a findings file (JSON lines), flushed to disk."""
    import os

    line = json.dumps(record.model_dump(mode="json"), sort_keys=True) + "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def read_selection(path: Path) -> Selection:
    """A selection as printed by ``inspect select --format json``."""
    try:
        value = json.loads(_read_text(path))
        return Selection(
            inspection_type=str(value["inspection_type"]),
            party=str(value["party"]),
            seed=str(value["seed"]),
            site=str(value["site"]),
            items=tuple(str(u) for u in value["items"]),
            eligible_sites=tuple(str(s) for s in value.get("eligible_sites", ())),
        )
    except json.JSONDecodeError as exc:
        raise InputFileError(f"not JSON: {exc.msg}", path=str(path), line=exc.lineno) from None
    except (KeyError, TypeError) as exc:
        raise InputFileError(f"not a selection: missing {exc}", path=str(path)) from None

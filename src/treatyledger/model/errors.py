"""Errors of the domain model: an invalid value (naming item and field), an invalid catalog,
a notification that does not match its schema. All are input errors (exit 2)."""

from __future__ import annotations

from treatyledger.errors import InputError


class ModelValidationError(InputError):
    """A domain value is invalid; names the item and the field."""

    def __init__(self, message: str, *, item: str | None = None, field: str | None = None):
        self.item = item
        self.field = field
        where = ", ".join(
            p for p in (f"item {item}" if item else "", f"field {field}" if field else "") if p
        )
        super().__init__(f"{where}: {message}" if where else message)


class CatalogError(InputError):
    """The system-type catalog is invalid or lacks a type."""


class NotificationSchemaError(InputError):
    """A notification does not match the notification schema; names the field."""

    def __init__(self, message: str, *, ref: str, field: str | None):
        self.ref = ref
        self.field = field
        where = f"notification {ref}" + (f" field {field}" if field else "")
        super().__init__(f"{where}: {message}")

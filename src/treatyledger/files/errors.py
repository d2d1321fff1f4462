"""Errors of reading user files: a malformed file, naming file, line and column (exit 2)."""

from __future__ import annotations

from treatyledger.errors import InputError


class InputFileError(InputError):
    """A user-supplied file is malformed; names file, line and column."""

    def __init__(
        self, message: str, *, path: str, line: int | None = None, column: str | None = None
    ):
        self.path = path
        self.line = line
        self.column = column
        where = path
        if line is not None:
            where += f":{line}"
        if column is not None:
            where += f" column {column}"
        super().__init__(f"{where}: {message}")

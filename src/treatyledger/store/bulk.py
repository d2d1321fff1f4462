"""Bulk inserts inside the caller's transaction through the DBAPI's executemany, with
SQLAlchemy's own SQL and column conversions (the ledger store's hot write path)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Insert, Table

from treatyledger.errors import TreatyLedgerError


@dataclass(frozen=True, slots=True)
class _DriverInsert:
    """An INSERT of every column of a table, ready for the DBAPI's executemany: the SQL that
    SQLAlchemy compiles for the dialect, whether it takes named parameters, and SQLAlchemy's
    own conversions of the columns that need one (e.g. datetimes to SQLite's text form)."""

    sql: str
    columns: tuple[str, ...]
    named: bool
    conversions: tuple[tuple[int, Callable[[Any], Any]], ...]


_DRIVER_INSERTS: dict[tuple[Callable[[str], Insert], str, str, str], _DriverInsert] = {}


def _driver_insert(conn: Connection, build: Callable[[str], Insert]) -> _DriverInsert:
    dialect = conn.dialect
    key = (build, dialect.name, dialect.driver, dialect.paramstyle)
    found = _DRIVER_INSERTS.get(key)
    if found is not None:
        return found
    statement = build(dialect.name)
    compiled = statement.compile(dialect=dialect)
    table = statement.table
    assert isinstance(table, Table)
    columns = tuple(table.c.keys())
    named = compiled.positiontup is None
    if (set(compiled.params) if named else tuple(compiled.positiontup or ())) != (
        set(columns) if named else columns
    ):  # pragma: no cover - the statements above insert every column
        raise TreatyLedgerError(f"{table.name}: the insert does not take every column in order")
    conversions = []
    for position, name in enumerate(columns):
        convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            conversions.append((position, convert))
    found = _DriverInsert(str(compiled), columns, named, tuple(conversions))
    _DRIVER_INSERTS[key] = found
    return found


def insert_many(
    conn: Connection, build: Callable[[str], Insert], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (tuples in the table's column order) in one DBAPI executemany, inside
    the caller's transaction. SQLAlchemy's Core executemany builds and converts a parameter
    dict per row, which cost more than SQLite's own insert; here each column that needs a
    conversion gets it in one pass, with SQLAlchemy's converter, once per distinct object (a
    batch shares one acceptance time; a datetime conversion costs about 1 us)."""
    if not rows:
        return
    insert_ = _driver_insert(conn, build)
    params: list[Any] = rows
    if insert_.conversions:
        columns: list[Iterable[Any]] = list(zip(*rows, strict=True))
        for position, convert in insert_.conversions:
            values = columns[position]
            # by identity, not equality: equal aware datetimes of other zones convert apart
            converted = {id(value): value for value in values}
            for key, value in converted.items():
                converted[key] = convert(value)
            columns[position] = map(converted.__getitem__, map(id, values))
        params = list(zip(*columns, strict=True))
    if insert_.named:
        params = [dict(zip(insert_.columns, row, strict=True)) for row in params]
    conn.exec_driver_sql(insert_.sql, params)

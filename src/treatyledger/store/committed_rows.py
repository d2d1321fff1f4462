"""The start-up check's pass over the rows a sound snapshot covers, with the row-by-row work
in SQL: Python touches only the leaves (which the log's audit hashes anyway) and, on
SQLite, the content hashes.

One query per party names the rows it cannot vouch for (``suspect_rows``). It runs in the
store, on a connection of its own in a thread beside the pass over the leaves
(``suspects_beside``: sqlite3 and psycopg release the GIL, so it takes the other core):
each row is joined to its leaf at ``sequence - 1`` and vouched for only when it is stored as
bytes, equals its leaf byte for byte, claims that leaf, and its party, sequence, kind and
both times are those of its bytes (SQLite's JSON1 ``json_extract``, PostgreSQL's ``jsonb``;
on PostgreSQL its content hash is SHA-256 of its bytes as well, ``sha256()``). Meanwhile
``committed_leaf_pages`` reads the leaves once, in pages, for the log's audit; on SQLite it
compares each page's content hashes with SHA-256 of its leaves (the bytes, where the query
vouches for them). Every suspect row, and every one whose hash differs, is checked by the
audit's own code (``ledger_audit.check_committed_rows``), which names what differs, in
sequence order, before the rows after the snapshot: the findings are those of the
row-by-row check, which ``ledger_audit.checked_leaf_pages`` still runs when the sequences
have a gap; when the query fails (bytes that are not UTF-8 JSON), every row up to the
snapshot is checked row by row.

What vouching asks is stricter than that check, never looser, for bytes a party signed
(schema-valid, canonical): a time column is vouched for when, in SQLAlchemy's SQLite form
(``YYYY-MM-DD HH:MM:SS.ffffff``), it spells the signed RFC 3339 time (``...Z``, six digits of
fraction or none), or, on PostgreSQL, is the same instant as a signed time of that form;
anything else goes to the row-by-row check. Bytes no party signed are caught by the log's
audit whatever the columns say (they are a leaf, and the leaves hash to the signed root).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from treatyledger.store.tlog_audit import leaf_pages
from treatyledger.store.tlog_store import _placeholder

#: a time column in SQLAlchemy's SQLite form as the signed bytes spell it (``...Z``, the
#: fraction as pydantic writes it: six digits, or none when zero); two string operations,
#: where slicing the column cost as much as the JSON decode
_SQLITE_TIME = "replace(replace(n.{0}, ' ', 'T') || 'Z', '.000000Z', 'Z')"

#: the row vouched for on SQLite (all but its content hash: SQLite has no SHA-256); the join
#: to the leaf and the JSON run in the thread beside the pass, which then reads no bytes
_SQLITE_VOUCHED = (
    "typeof(n.signed_bytes) = 'blob' AND l.leaf = n.signed_bytes "
    "AND n.leaf_index = n.sequence - 1 "
    "AND json_extract(CAST(n.signed_bytes AS TEXT), '$.party', '$.sequence', '$.kind', "
    "'$.effective_time', '$.issued_time') "
    f"= json_array(n.party, n.sequence, n.kind, {_SQLITE_TIME.format('effective_time')}, "
    f"{_SQLITE_TIME.format('issued_time')})"
)

_PG_TIME = r"'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$'"

#: the row vouched for on PostgreSQL, all of it in the server (its own process, so beside
#: the Python that hashes the tree): bytes, leaf, hash, columns
_PG_VOUCHED = (
    "l.leaf = n.signed_bytes AND n.leaf_index = n.sequence - 1 "
    "AND n.content_hash = encode(sha256(n.signed_bytes), 'hex') "
    "AND jsonb_build_array(d.j -> 'party', d.j -> 'sequence', d.j -> 'kind') "
    "= jsonb_build_array(n.party, n.sequence, n.kind) "
    f"AND d.j ->> 'effective_time' ~ {_PG_TIME} AND d.j ->> 'issued_time' ~ {_PG_TIME} "
    "AND (d.j ->> 'effective_time')::timestamptz = n.effective_time "
    "AND (d.j ->> 'issued_time')::timestamptz = n.issued_time"
)


def hashes_in_sql(conn: Connection) -> bool:
    """Whether ``suspect_rows`` checks the content hashes too (PostgreSQL has ``sha256``)."""
    return conn.dialect.name == "postgresql"


def rows_are_one_to(conn: Connection, party: str, through: int) -> bool:
    """Whether ``party``'s rows up to ``through`` are exactly 1..``through`` (else a row was
    deleted, and the row-by-row check names the gap)."""
    mark = _placeholder(conn)
    count = conn.exec_driver_sql(
        "SELECT count(*) FROM ledger_notifications "
        f"WHERE party = {mark} AND sequence >= 1 AND sequence <= {mark}",
        (party, through),
    ).scalar_one()
    return bool(count == through)


def suspects_beside(
    pool: Executor, conn: Connection, party: str, log_pk: int, through: int
) -> Callable[[], list[int] | None]:
    """``suspect_rows`` run on a connection of its own in ``pool``'s thread, beside the pass
    over the leaves (SQLite's and psycopg's calls release the GIL, so the query takes the
    other core); its answer when called. An in-memory SQLite database has one connection:
    there it runs at once, on ``conn``."""
    engine = conn.engine
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        found = suspect_rows(conn, party, log_pk, through)
        return lambda: found

    def run() -> list[int] | None:
        with engine.connect() as own:
            return suspect_rows(own, party, log_pk, through)

    return pool.submit(run).result


def suspect_rows(conn: Connection, party: str, log_pk: int, through: int) -> list[int] | None:
    """The sequences in 1..``through`` of ``party``'s rows that SQL cannot vouch for (see the
    module docstring), in order; None when the query fails on bytes it cannot read as JSON
    (the row-by-row check names them)."""
    mark = _placeholder(conn)
    where = f"n.party = {mark} AND n.sequence >= 1 AND n.sequence <= {mark}"
    in_pg = hashes_in_sql(conn)
    sql = (
        "SELECT n.sequence FROM ledger_notifications n "
        f"LEFT JOIN tlog_leaves l ON l.log = {mark} AND l.idx = n.sequence - 1 "
        + (
            "CROSS JOIN LATERAL (SELECT convert_from(n.signed_bytes, 'UTF8')::jsonb AS j) d "
            if in_pg
            else ""
        )
        + f"WHERE {where} AND NOT coalesce({_PG_VOUCHED if in_pg else _SQLITE_VOUCHED}, false) "
        "ORDER BY n.sequence"
    )
    try:
        if in_pg:
            with conn.begin_nested():  # a failed query must not end PostgreSQL's transaction
                rows = conn.exec_driver_sql(sql, (log_pk, party, through)).cursor.fetchall()
        else:
            rows = conn.exec_driver_sql(sql, (log_pk, party, through)).cursor.fetchall()
    except DBAPIError:
        return None
    return [int(sequence) for (sequence,) in rows]


def committed_leaf_pages(
    conn: Connection,
    party: str,
    log_pk: int,
    through: int,
    suspects: Callable[[], list[int] | None],
    check_rows: Callable[[Sequence[int] | None], None],
) -> Iterator[list[tuple[int, Any]]]:
    """The leaves ``[0, through)`` of ``party``'s log in pages, for the log's audit; on
    SQLite each page's content hashes compared with SHA-256 of its leaves (the rows' bytes,
    where the query vouches for them). Then, before the pass goes on to the rows after
    ``through``: ``check_rows`` of the sequences that SQL did not vouch for (``suspects()``)
    or whose hash differs, in order, or of None (every row up to ``through``) when the query
    could not run."""
    compare = not hashes_in_sql(conn)
    mark = _placeholder(conn)
    hashes_sql = (
        "SELECT content_hash FROM ledger_notifications "
        f"WHERE party = {mark} AND sequence > {mark} AND sequence <= {mark} ORDER BY sequence"
    )
    differing: set[int] = set()
    for page in leaf_pages(conn, log_pk, stop=through):
        if compare:
            first, last = page[0][0], page[-1][0]
            rows = conn.exec_driver_sql(hashes_sql, (party, first, last + 1)).cursor.fetchall()
            differing.update(_hash_mismatches(page, rows))
        yield page
    found = suspects()
    check_rows(None if found is None else sorted(differing.union(found)))


def _hash_mismatches(page: Sequence[tuple[int, Any]], rows: Sequence[tuple[Any]]) -> list[int]:
    """The sequences of ``rows`` (the content hashes of the rows of the leaves of ``page``,
    from its first) whose hash is not SHA-256 of their leaf: nearly always none, found with
    one list comparison. A row whose leaf is missing is a suspect already."""
    sha256 = hashlib.sha256
    first = page[0][0]
    try:
        if (
            len(rows) == len(page)
            and page[-1][0] - first == len(page) - 1
            and [sha256(leaf).hexdigest() for _, leaf in page] == [h for (h,) in rows]
        ):
            return []
    except TypeError:  # a leaf stored as text: a suspect, the check names it
        pass
    by_index = dict(page)
    found = []
    for offset, (content_hash,) in enumerate(rows):
        leaf = by_index.get(first + offset)
        if type(leaf) is bytes and sha256(leaf).hexdigest() != content_hash:
            found.append(first + offset + 1)
    return found


__all__ = [
    "committed_leaf_pages",
    "hashes_in_sql",
    "rows_are_one_to",
    "suspect_rows",
    "suspects_beside",
]

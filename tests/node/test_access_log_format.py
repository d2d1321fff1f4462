"""The access log's timestamp, formatted once a second, reads as logging's own formatting."""

from __future__ import annotations

import logging

from treatyledger.node.access_log import SecondFormatter

FORMAT = "%(asctime)s access %(message)s"
DATEFMT = "%Y-%m-%dT%H:%M:%S%z"


def record_at(created: float, message: str) -> logging.LogRecord:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, message, None, None)
    record.created = created
    return record


def test_each_line_has_the_time_logging_itself_would_write() -> None:
    cached = SecondFormatter(FORMAT, DATEFMT)
    plain = logging.Formatter(FORMAT, DATEFMT)
    # within one second, across a second's boundary, and back to an earlier second
    for created in (1_700_000_000.1, 1_700_000_000.9, 1_700_000_001.0, 1_700_000_061.5, 5.0):
        record = record_at(created, "GET /v1/health anonymous 200 0.3ms")
        assert cached.format(record) == plain.format(record)

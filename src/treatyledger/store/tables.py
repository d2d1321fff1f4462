"""Imports every module that defines tables, so Base.metadata knows the whole schema."""

from treatyledger.store import (
    inspection_tables,  # noqa: F401
    ledger_tables,  # noqa: F401
    node_tables,  # noqa: F401
    tlog_tables,  # noqa: F401
    view_tables,  # noqa: F401
    zk_tables,  # noqa: F401
)
from treatyledger.store.base import Base

__all__ = ["Base"]

"""The cyclic garbage collector held off while a batch is judged and stored.

A batch of 10,000 notifications allocates millions of short-lived objects (dicts, tuples,
rows) beside a large long-lived heap (the ledger's state); each collection the allocations
trigger walks that heap, and in the signed-import bench that cost about a quarter of the
writer's CPU (issue 19). Almost all of a batch's garbage is freed by reference counting; the
few cycles wait for the next collection, which runs as soon as the last batch in progress
ends. Process-wide and counted, so concurrent batches (threads of a node) re-enable the
collector only when the last of them ends, and a collector someone else turned off stays off.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_restore = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off for the duration (nested and concurrent uses are counted)."""
    global _holders, _restore
    with _lock:
        if _holders == 0:
            _restore = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _restore:
                gc.enable()

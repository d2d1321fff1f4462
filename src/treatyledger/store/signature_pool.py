"""Ed25519 verification of a batch in worker processes, beside the single writer (issue 19).

The writer thread parses and canonicalises each notification itself (the bytes it will log
are the bytes whose signature is checked) and hands only (signature, message, candidate
keys) to the pool; a worker answers True when one of the keys verifies the signature over
the message (``cryptography``). Only True is trusted: False, a broken pool or any error
sends the notification back to ``LedgerState``'s own check on the writer's thread, which
names the rule it fails. So the pool can save work, never accept what the writer would
refuse. Validation, the log and the commit stay single-writer.

Workers are spawned (not forked: the node has threads) on the first batch of at least
``POOL_MIN`` notifications and live for the process; ``TREATYLEDGER_VERIFY_WORKERS`` sets
how many (default: one per CPU; 0 turns the pool off)."""

from __future__ import annotations

import atexit
import base64
import binascii
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

#: below this many signatures a batch is verified on the writer's thread (dispatch would cost
#: more than it saves)
POOL_MIN = 32
_CHUNK_MIN, _CHUNK_MAX = 16, 256

Job = tuple[bytes, bytes, tuple[bytes, ...]]  # signature, message, raw public keys

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_started = False
#: signatures the pool verified, for tests and benchmarks
verified_in_pool = 0


def workers() -> int:
    """How many worker processes the pool runs (0: none)."""
    text = os.environ.get("TREATYLEDGER_VERIFY_WORKERS")
    if text is not None and text.strip().isdigit():
        return int(text)
    count = os.cpu_count() or 1
    return count if count > 1 else 0


def _executor() -> ProcessPoolExecutor | None:
    global _pool, _started
    with _lock:
        if not _started:
            _started = True
            count = workers()
            if count > 0:
                context = multiprocessing.get_context("spawn")
                _pool = ProcessPoolExecutor(
                    max_workers=count, mp_context=context, initializer=exit_with_parent
                )
                atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
        return _pool


def exit_with_parent() -> None:
    """In a worker: end when the parent process ends, however it ends. A worker blocks on
    the call queue, whose write end the other workers also hold, so a parent killed (or
    stopped by a signal without running atexit) would otherwise leave it running forever."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


_worker_keys: dict[bytes, Ed25519PublicKey] = {}


def verifies(signature: bytes, message: bytes, keys: Sequence[bytes]) -> bool:
    """In a worker: True when one of ``keys`` (raw public keys) verifies ``signature``."""
    for raw in keys:
        key = _worker_keys.get(raw)
        if key is None:
            key = _worker_keys[raw] = Ed25519PublicKey.from_public_bytes(raw)
        try:
            key.verify(signature, message)
            return True
        except InvalidSignature:
            continue
    return False


def verify_chunk(jobs: Sequence[Job]) -> list[bool]:
    """In a worker: True for each job whose signature one of its keys verifies."""
    return [verifies(signature, message, keys) for signature, message, keys in jobs]


def decoded_signature(signature: object) -> bytes | None:
    """The raw bytes of a notification's base64 ``signature`` (None: not a valid one)."""
    if not isinstance(signature, str):
        return None
    try:
        return base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return None


def chunk_size(expected: int) -> int:
    """Notifications per task for a batch of ``expected``: a few tasks per worker, so the
    writer can start on the first answers while the workers go on."""
    per_task = -(-expected // (max(1, workers()) * 4))
    return min(_CHUNK_MAX, max(_CHUNK_MIN, per_task))


def executor_for(expected: int, minimum: int = POOL_MIN) -> ProcessPoolExecutor | None:
    """The pool for a batch of ``expected`` notifications, or None to do the work on the
    writer's thread (a batch under ``minimum``, or no pool)."""
    return _executor() if expected >= max(1, minimum) else None


def count_verified(count: int) -> None:
    """Note ``count`` signatures verified in the pool and trusted by the writer."""
    global verified_in_pool
    verified_in_pool += count


def _no() -> bool:
    return False


class _Chunk:
    """Jobs sent to a worker as one task; ``future`` once sent (None: could not be sent)."""

    __slots__ = ("future", "jobs", "sent")

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.sent = False
        self.future: Future[list[bool]] | None = None


class BatchChecks:
    """The signatures of one batch, sent to the pool in chunks as they are added; each
    ``add`` returns a callable that waits for its answer (``flush`` sends the last chunk)."""

    def __init__(self, pool: ProcessPoolExecutor, expected: int):
        self._pool = pool
        self._size = chunk_size(expected)
        self._chunk = _Chunk()
        self._raw: dict[int, bytes] = {}

    def add(
        self, signature: object, message: bytes, keys: Sequence[Ed25519PublicKey]
    ) -> Callable[[], bool]:
        raw_signature = decoded_signature(signature)
        if raw_signature is None or not keys:
            return _no
        raw_keys = tuple(self._raw_key(k) for k in keys)
        chunk = self._chunk
        chunk.jobs.append((raw_signature, message, raw_keys))
        position = len(chunk.jobs) - 1
        if len(chunk.jobs) >= self._size:
            self.flush()
        return lambda: self._answer(chunk, position)

    def _raw_key(self, key: Ed25519PublicKey) -> bytes:
        raw = self._raw.get(id(key))
        if raw is None:
            raw = self._raw[id(key)] = key.public_bytes_raw()
        return raw

    def flush(self) -> None:
        """Send the chunk being filled."""
        chunk = self._chunk
        if chunk.jobs and not chunk.sent:
            chunk.sent = True
            try:
                chunk.future = self._pool.submit(verify_chunk, chunk.jobs)
            except Exception:  # a broken or shut-down pool: the writer verifies these itself
                chunk.future = None
            self._chunk = _Chunk()

    def _answer(self, chunk: _Chunk, position: int) -> bool:
        if not chunk.sent:
            self.flush()
        if chunk.future is None:
            return False
        try:
            ok = chunk.future.result()[position]
        except Exception:  # the worker died or failed: the writer verifies this one itself
            return False
        if ok:
            count_verified(1)
        return ok


def start_checks(expected: int) -> BatchChecks | None:
    """Checks for a batch of ``expected`` signatures, or None to verify them on the
    writer's thread (a small batch, or no pool)."""
    pool = executor_for(expected)
    return BatchChecks(pool, expected) if pool is not None else None


def worker_pids() -> list[int]:
    """The process ids of the running workers (for benchmarks)."""
    with _lock:
        return list(_pool._processes) if _pool is not None else []


def shutdown() -> None:
    """Stop the workers; the next large batch starts a pool again (tests, a changed
    ``TREATYLEDGER_VERIFY_WORKERS``)."""
    global _pool, _started
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
        _pool, _started = None, False

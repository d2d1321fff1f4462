"""Group commit for submissions: one writer task takes every notification waiting, orders
them by sequence and hands them to the store as one batch (one transaction, one fsync), then
answers each request. Durable throughput then grows with concurrency instead of being capped
by one fsync per notification.

Sequences are gapless per party, so concurrent submitters may arrive out of order. A
notification whose predecessor has not arrived yet is held while the sequence keeps
advancing; once neither it nor the sequence has moved for ``reorder_wait`` seconds, it goes
to the store anyway, which rejects it as a gap. Under load the wait therefore stretches with
the queue instead of turning a slow predecessor into a cascade of rejections. Nothing is
reordered past what the store's own validation would accept. A notification that claimed the
expected sequence and was rejected does not fill it: those after it that the store then
found to be gaps are held again (``is_gap``), so one invalid notification never fails the
valid ones queued behind it.

The batches run on the writer's own thread, handed over directly (``run_in_executor``):
anyio's ``run_in_threadpool`` first yields to the event loop and takes a token of the
thread limiter the requests share, which under 50 clients put ~11 ms between taking a batch
and starting it, a third of the writer's cycle.

What is held is bounded: a notification more than ``max_ahead`` past the expected sequence,
and any beyond the ``max_held`` nearest, is refused at once (``refuse``) without waiting and
without reaching the store, so far-ahead sequences cannot pile up in memory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

logger = logging.getLogger(__name__)


class Sequenced(Protocol):
    @property
    def sequence(self) -> int: ...


N = TypeVar("N", bound=Sequenced)
R = TypeVar("R")
T = TypeVar("T")


@dataclass(order=True)
class _Pending(Generic[N, R]):
    sequence: int
    arrived: float = field(compare=False)
    notification: N = field(compare=False)
    future: asyncio.Future[R] = field(compare=False)
    #: handed to the store after the reorder wait: whatever it answers is final
    forced: bool = field(default=False, compare=False)
    #: what ``prepare`` returned for it (None: not prepared ahead)
    prepared: object = field(default=None, compare=False)


class GroupCommitWriter(Generic[N, R]):
    """``submit_batch(notifications) -> outcomes`` (same order, blocking, commits before it
    returns; with ``prepare``, ``submit_batch(notifications, prepared)``) runs on the
    writer's thread; ``next_sequence()`` gives the sequence the store expects
    next after a batch: an in-memory lookup, called on the event loop between batches (never
    while one runs), except the first, which may load the store."""

    def __init__(
        self,
        submit_batch: Callable[..., Sequence[R]],
        next_sequence: Callable[[], int],
        *,
        max_batch: int = 1_000,
        reorder_wait: float = 5.0,
        is_gap: Callable[[R], bool] | None = None,
        refuse: Callable[[N, int], R] | None = None,
        max_ahead: int = 10_000,
        max_held: int = 10_000,
        prepare: Callable[[list[N]], Sequence[object]] | None = None,
        prepare_min: int = 16,
    ):
        """``refuse(notification, expected)``: the answer for one held past the bounds
        (without it, nothing is refused early). ``prepare(notifications)``: one opaque
        value each, called on the event loop for what arrives while a batch runs."""
        self._prepare = prepare
        self._prepare_min = prepare_min
        self._busy = False  # a batch is running
        self._arrived: list[_Pending[N, R]] = []  # arrived while it runs, not prepared yet
        self._submit_batch = submit_batch
        self._is_gap = is_gap
        self._refuse = refuse
        self._max_ahead = max_ahead
        self._max_held = max_held
        self._next_sequence = next_sequence
        self._max_batch = max_batch
        self._reorder_wait = reorder_wait
        self._queue: asyncio.Queue[_Pending[N, R]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._progress = time.monotonic()  # when the expected sequence last advanced
        self.batches = 0  # how many store transactions were used (for the benchmark)

    def start(self) -> None:
        if self._task is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="group-commit")
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop taking batches; returns once a batch in flight has finished (committed or
        failed), so nothing else writes after it."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._thread is not None:
            thread, self._thread = self._thread, None
            await asyncio.get_running_loop().run_in_executor(None, thread.shutdown)

    def _in_thread(self, function: Callable[..., T], *args: object) -> asyncio.Future[T]:
        """``function(*args)`` on the writer's thread, started now."""
        return asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    async def submit(self, notifications: Sequence[N]) -> list[R]:
        """Queue ``notifications``; return their outcomes once they are committed."""
        self.start()
        loop = asyncio.get_running_loop()
        now = time.monotonic()
        pending = [_Pending(n.sequence, now, n, loop.create_future()) for n in notifications]
        for item in pending:
            self._queue.put_nowait(item)
        prepare = self._prepare
        if self._busy and prepare is not None:
            self._arrived += pending
            if len(self._arrived) >= self._prepare_min:
                self._prepare_arrived(prepare)
        if len(pending) == 1:  # the usual request: no gather task around its one future
            return [await pending[0].future]
        return list(await asyncio.gather(*(item.future for item in pending)))

    async def _run(self) -> None:
        held: list[_Pending[N, R]] = []
        expected = await self._in_thread(self._next_sequence)
        while True:
            if not held:
                held.append(await self._queue.get())
            else:
                oldest = max(self._progress, min(item.arrived for item in held))
                timeout = max(0.0, oldest + self._reorder_wait - time.monotonic())
                with contextlib.suppress(TimeoutError):
                    held.append(await asyncio.wait_for(self._queue.get(), timeout))
            while not self._queue.empty():
                held.append(self._queue.get_nowait())
            held.sort()
            batch, held = self._ready(held, expected)
            held = self._bounded(held, expected)
            if not batch:
                continue
            # those still waiting are prepared with what arrives during the batch
            self._arrived = [item for item in held if item.prepared is None]
            try:
                outcomes = await self._commit(batch)
                # here, not in the thread pool: an in-memory lookup, and no batch is running
                advanced = self._next_sequence()
                if advanced != expected:
                    self._progress = time.monotonic()
                expected = advanced
            except Exception as exc:  # the store failed: every waiting request hears it
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(exc)
                expected = self._next_sequence()
                continue
            self.batches += 1
            for item, outcome in zip(batch, outcomes, strict=True):
                if self._held_again(item, outcome, expected):
                    item.prepared = None  # judged again from scratch with its next batch
                    held.append(item)
                elif not item.future.done():
                    item.future.set_result(outcome)

    async def _commit(self, batch: list[_Pending[N, R]]) -> Sequence[R]:
        """``batch`` through the store on the writer's thread; meanwhile what arrives is
        prepared for the next."""
        notifications = [item.notification for item in batch]
        self._busy = True
        try:
            if self._prepare is None:
                return await self._in_thread(self._submit_batch, notifications)
            prepared = [item.prepared for item in batch]
            return await self._in_thread(self._submit_batch, notifications, prepared)
        finally:
            self._busy = False

    def _prepare_arrived(self, prepare: Callable[[list[N]], Sequence[object]]) -> None:
        arrived, self._arrived = self._arrived, []
        try:
            prepared = prepare([item.notification for item in arrived])
            for item, value in zip(arrived, prepared, strict=True):
                item.prepared = value
        except Exception:  # nothing lost: the store prepares them with their batch
            logger.exception("preparing notifications ahead of their batch failed")

    def _held_again(self, item: _Pending[N, R], outcome: R, expected: int) -> bool:
        """A gap the store found because a predecessor in the same batch was rejected (it
        claimed the sequence, and failed): the notification waits for its real predecessor
        again, within the same reorder wait, instead of failing for another's fault."""
        return (
            self._is_gap is not None
            and not item.forced
            and item.sequence > expected
            and self._is_gap(outcome)
        )

    def _bounded(self, waiting: list[_Pending[N, R]], expected: int) -> list[_Pending[N, R]]:
        """``waiting`` (sorted) less what is past the bounds, which is answered now."""
        if self._refuse is None:
            return waiting
        kept = [w for w in waiting if w.sequence <= expected + self._max_ahead][: self._max_held]
        if len(kept) < len(waiting):
            for item in waiting[len(kept) :]:
                if not item.future.done():
                    item.future.set_result(self._refuse(item.notification, expected))
        return kept

    def _ready(
        self, held: list[_Pending[N, R]], expected: int
    ) -> tuple[list[_Pending[N, R]], list[_Pending[N, R]]]:
        """Split sorted ``held`` into what goes to the store now and what waits for a gap."""
        now = time.monotonic()
        batch: list[_Pending[N, R]] = []
        waiting: list[_Pending[N, R]] = []
        for item in held:
            if len(batch) >= self._max_batch:
                waiting.append(item)
            elif item.sequence < expected:
                batch.append(item)  # a duplicate or replay: the store says which
            elif item.sequence == expected:
                batch.append(item)
                expected += 1
            elif now - max(item.arrived, self._progress) >= self._reorder_wait:
                item.forced = True
                batch.append(item)  # nothing moved for long enough: the store rejects the gap
            else:
                waiting.append(item)
        return batch, waiting

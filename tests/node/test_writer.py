"""The group-commit writer: batches concurrent submissions, keeps per-party sequence order,
and lets the store reject a gap that stays open."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from dataclasses import dataclass

from treatyledger.node.writer import GroupCommitWriter


@dataclass(frozen=True)
class Note:
    sequence: int


class FakeStore:
    """Accepts exactly the next sequence; everything else is a gap or a duplicate."""

    def __init__(self) -> None:
        self.next = 1
        self.batches: list[list[int]] = []

    def submit(self, notes: list[Note]) -> list[str]:
        self.batches.append([n.sequence for n in notes])
        outcomes = []
        for note in notes:
            if note.sequence == self.next:
                self.next += 1
                outcomes.append("accepted")
            elif note.sequence < self.next:
                outcomes.append("duplicate")
            else:
                outcomes.append("gap")
        return outcomes


def test_out_of_order_concurrent_submissions_are_all_accepted_in_few_batches() -> None:
    store = FakeStore()
    writer = GroupCommitWriter(store.submit, lambda: store.next, reorder_wait=2.0)
    order = list(range(1, 201))
    random.Random(7).shuffle(order)

    async def main() -> list[list[str]]:
        return await asyncio.gather(*(writer.submit([Note(s)]) for s in order))

    results = asyncio.run(main())
    assert all(r == ["accepted"] for r in results)
    assert store.next == 201
    assert len(store.batches) < 50  # grouped, not one transaction per notification


def test_a_gap_that_stays_open_is_handed_to_the_store_after_the_wait() -> None:
    store = FakeStore()
    writer = GroupCommitWriter(store.submit, lambda: store.next, reorder_wait=0.2)

    async def main() -> list[list[str]]:
        return await asyncio.gather(writer.submit([Note(1)]), writer.submit([Note(3)]))

    assert asyncio.run(main()) == [["accepted"], ["gap"]]


def test_a_failing_store_fails_every_waiting_request_and_the_writer_goes_on() -> None:
    store = FakeStore()
    calls = {"n": 0}

    def flaky(notes: list[Note]) -> list[str]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk full")
        return store.submit(notes)

    writer = GroupCommitWriter(flaky, lambda: store.next, reorder_wait=0.2)

    async def main() -> tuple[BaseException | list[str], list[str]]:
        first = await asyncio.gather(writer.submit([Note(1)]), return_exceptions=True)
        second = await writer.submit([Note(1)])
        return first[0], second

    first, second = asyncio.run(main())
    assert isinstance(first, OSError)
    assert second == ["accepted"]


def test_batches_run_one_at_a_time_on_the_writers_own_thread() -> None:
    store = FakeStore()
    threads: set[str] = set()
    running = {"now": 0, "most": 0}

    def submit(notes: list[Note]) -> list[str]:
        running["now"] += 1
        running["most"] = max(running["most"], running["now"])
        threads.add(threading.current_thread().name)
        time.sleep(0.01)  # long enough for the next requests to queue behind it
        running["now"] -= 1
        return store.submit(notes)

    writer = GroupCommitWriter(submit, lambda: store.next, reorder_wait=2.0)

    async def later(sequence: int) -> list[str]:
        await asyncio.sleep(sequence * 0.001)  # arrivals spread over several batches
        return await writer.submit([Note(sequence)])

    async def main() -> list[list[str]]:
        return await asyncio.gather(*(later(s) for s in range(1, 61)))

    assert all(r == ["accepted"] for r in asyncio.run(main()))
    assert running["most"] == 1  # single writer
    assert len(threads) == 1 and threads.pop().startswith("group-commit")
    assert len(store.batches) > 1


def test_stop_returns_only_once_the_batch_in_flight_has_finished() -> None:
    store = FakeStore()
    started = threading.Event()
    finished: list[float] = []

    def slow(notes: list[Note]) -> list[str]:
        started.set()
        time.sleep(0.3)
        finished.append(time.monotonic())
        return store.submit(notes)

    writer = GroupCommitWriter(slow, lambda: store.next)

    async def main() -> float:
        request = asyncio.ensure_future(writer.submit([Note(1)]))
        while not started.is_set():
            await asyncio.sleep(0.01)
        await writer.stop()
        request.cancel()
        return time.monotonic()

    stopped = asyncio.run(main())
    assert finished and finished[0] <= stopped
    assert store.next == 2  # the batch in flight was not abandoned


def test_what_arrives_while_a_batch_runs_is_prepared_for_the_next() -> None:
    """With ``prepare``, notifications arriving during a batch are prepared on the loop in
    groups, and each reaches ``submit_batch`` beside its own prepared value; the acks are
    those of the writer without it."""
    store = FakeStore()
    groups: list[list[int]] = []
    seen: list[tuple[int, object]] = []

    def prepare(notes: list[Note]) -> list[str]:
        groups.append([n.sequence for n in notes])
        return [f"p{n.sequence}" for n in notes]

    def submit(notes: list[Note], prepared: list[object]) -> list[str]:
        seen.extend((n.sequence, p) for n, p in zip(notes, prepared, strict=True))
        time.sleep(0.01)
        return store.submit(notes)

    writer = GroupCommitWriter(
        submit, lambda: store.next, reorder_wait=2.0, prepare=prepare, prepare_min=4
    )
    order = list(range(1, 121))
    random.Random(3).shuffle(order)

    async def later(position: int, sequence: int) -> list[str]:
        await asyncio.sleep(position * 0.0005)
        return await writer.submit([Note(sequence)])

    async def main() -> list[list[str]]:
        return await asyncio.gather(*(later(i, s) for i, s in enumerate(order)))

    assert all(r == ["accepted"] for r in asyncio.run(main()))
    assert store.next == 121
    assert groups and all(len(g) >= 4 for g in groups)
    prepared = [(s, p) for s, p in seen if p is not None]
    assert prepared and all(p == f"p{s}" for s, p in prepared)  # never another's
    assert len(prepared) == sum(len(g) for g in groups)  # each prepared one used once


def test_a_prepare_that_fails_loses_nothing() -> None:
    store = FakeStore()

    def prepare(notes: list[Note]) -> list[str]:
        raise RuntimeError("the pool is gone")

    def submit(notes: list[Note], prepared: list[object]) -> list[str]:
        assert prepared == [None] * len(notes)
        time.sleep(0.01)
        return store.submit(notes)

    writer = GroupCommitWriter(
        submit, lambda: store.next, reorder_wait=2.0, prepare=prepare, prepare_min=1
    )

    async def later(sequence: int) -> list[str]:
        await asyncio.sleep(sequence * 0.001)
        return await writer.submit([Note(sequence)])

    async def main() -> list[list[str]]:
        return await asyncio.gather(*(later(s) for s in range(1, 41)))

    assert all(r == ["accepted"] for r in asyncio.run(main()))
    assert len(store.batches) > 1

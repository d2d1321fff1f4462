"""The cyclic collector is off while a batch is judged and stored, and on again after it,
whatever happened (issue 19); nested and concurrent holders are counted."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from factory import Notifier, base_force
from treatyledger.store.collector_pause import collector_paused
from treatyledger.store.ledger_store import LedgerStore


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_off_inside_and_on_again_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_on_again_after_an_error() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_nested_holders_keep_it_off_until_the_outer_ends() -> None:
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_concurrent_holder_keeps_it_off_until_it_ends() -> None:
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with collector_paused():
            entered.set()
            release.wait(10)

    other = threading.Thread(target=hold)
    other.start()
    assert entered.wait(10)
    with collector_paused():
        pass
    assert not gc.isenabled()  # the other thread's batch is still running
    release.set()
    other.join(10)
    assert gc.isenabled()


def test_a_collector_turned_off_by_someone_else_stays_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_submit_judges_and_stores_with_the_collector_off(
    ledger_store: LedgerStore, us: Notifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    persist = LedgerStore._persist

    def spy(self: LedgerStore, pending: list[object]) -> None:
        seen.append(gc.isenabled())
        persist(self, pending)  # type: ignore[arg-type]

    monkeypatch.setattr(LedgerStore, "_persist", spy)
    acks = ledger_store.submit([us.declare(base_force())])
    assert [a.status for a in acks] == ["accepted"]
    assert seen == [False]
    assert gc.isenabled()

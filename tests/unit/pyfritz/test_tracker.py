"""Tests of pyfritz.tracker: busy flags for running operations."""

from __future__ import annotations

import asyncio

import pytest

from pyfritz.store import RootStore, handler
from pyfritz.tracker import tracker


async def test_data_is_true_exactly_while_an_operation_runs() -> None:
    busy = tracker()
    seen: list[bool] = []
    task = busy.data.on_each(seen.append).watch()
    with busy("saving"):
        assert busy.current is True
    assert busy.current is False
    task.cancel()
    assert seen == [False, True, False]


async def test_overlapping_operations_keep_it_busy_until_the_last_ends() -> None:
    busy = tracker()
    with busy("a"):
        with busy("b"):
            assert busy.running.value == ("a", "b")
        assert busy.current is True
        assert busy.running.value == ("a",)
    assert busy.running.value == ()


async def test_an_exception_ends_the_operation_too() -> None:
    busy = tracker()
    with pytest.raises(RuntimeError), busy("failing"):
        raise RuntimeError("boom")
    assert busy.current is False


async def test_async_with_tracks_an_async_handler() -> None:
    busy = tracker()
    gate = asyncio.Event()

    class Saver(RootStore[int]):
        @handler
        async def save(self, count: int) -> int:
            async with busy("saving"):
                await gate.wait()
            return count + 1

    store = Saver(0)
    store.save()
    await asyncio.sleep(0)
    assert busy.current is True
    gate.set()
    await store.settled()
    assert busy.current is False
    assert store.current == 1

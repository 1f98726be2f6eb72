"""Unit tests of pyfritz.sinks: the synchronous push path and suspended stages."""

from __future__ import annotations

import asyncio

from fakes.loop import settle

from pyfritz.flows import (
    MutableSharedFlow,
)

# -- the synchronous push path ------------------------------------------------


async def test_sync_on_each_runs_inside_emit_nowait() -> None:
    source = MutableSharedFlow[int]()
    seen: list[int] = []
    task = source.map(lambda x: x + 1).on_each(seen.append).watch()
    source.emit_nowait(1)
    assert seen == [2]  # no loop step happened in between
    source.emit_nowait(2)
    assert seen == [2, 3]
    task.cancel()


async def test_sync_chain_creates_no_task_per_value() -> None:
    source = MutableSharedFlow[int]()
    seen: list[int] = []
    task = source.filter(lambda x: x > 0).handled_by(seen.append)
    tasks_before = len(asyncio.all_tasks())
    for i in range(100):
        source.emit_nowait(i)
    assert len(asyncio.all_tasks()) == tasks_before
    assert seen == list(range(1, 100))
    task.cancel()


async def test_watch_subscribes_before_returning() -> None:
    source = MutableSharedFlow[str]()
    seen: list[str] = []
    source.handled_by(seen.append)
    assert source.subscriber_count == 1
    source.emit_nowait("right away")
    assert seen == ["right away"]


async def test_handler_returning_an_awaitable_is_awaited_in_order() -> None:
    source = MutableSharedFlow[int]()
    seen: list[int] = []

    async def slow(x: int) -> None:
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        seen.append(x)

    task = source.handled_by(lambda x: slow(x) if x % 2 else seen.append(x))
    for i in range(6):
        source.emit_nowait(i)
    await settle(lambda: len(seen) == 6)
    assert seen == [0, 1, 2, 3, 4, 5]
    task.cancel()


async def test_watch_completes_when_the_source_closes() -> None:
    source = MutableSharedFlow[int]()
    task = source.watch()
    source.close()
    await settle(task.done)
    assert task.done() and task.exception() is None

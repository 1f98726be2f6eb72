"""Unit tests of pyfritz.sinks: the synchronous push path and suspended stages."""

from __future__ import annotations

import asyncio
import dataclasses
import types
from collections.abc import Generator
from typing import Any

from fakes.loop import settle

from pyfritz.flows import (
    MutableSharedFlow,
)
from pyfritz.sinks import _PLAIN, _awaitable

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


@dataclasses.dataclass
class _Point:
    x: int


class _Later:
    """An awaitable class of a user's: awaited, never remembered as plain."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, int]:
        yield from asyncio.sleep(0).__await__()
        return self.value


@types.coroutine
def _old_style(value: int) -> Generator[Any, None, int]:
    yield from asyncio.sleep(0).__await__()
    return value


def test_awaitable_check_remembers_plain_types_only() -> None:
    assert not _awaitable(_Point(1))
    assert _Point in _PLAIN  # the next value of the type skips the ABC check
    later = _Later(1)
    assert _awaitable(later) and _awaitable(later)
    assert _Later not in _PLAIN
    # A generator is awaitable or not per object: never remembered by type.
    plain_gen = (i for i in range(1))
    assert not _awaitable(plain_gen)
    coro_gen = _old_style(1)
    assert _awaitable(coro_gen)
    assert types.GeneratorType not in _PLAIN
    coro = asyncio.sleep(0)
    assert _awaitable(coro)
    coro.close()


async def test_handler_results_of_a_type_seen_plain_and_awaitables_mixed() -> None:
    source = MutableSharedFlow[int]()
    seen: list[object] = []

    async def keep(value: int) -> None:
        seen.append(await _Later(value))

    def handle(x: int) -> object:
        if x % 3 == 0:
            return _Point(x)  # plain: delivered as it is
        if x % 3 == 1:
            return keep(x)  # a coroutine: awaited
        return _old_style(x)  # a generator-based coroutine: awaited too

    task = source.handled_by(handle)
    for i in range(9):
        source.emit_nowait(i)
    await settle(lambda: len(seen) == 3)
    assert seen == [1, 4, 7]
    task.cancel()


async def test_watch_completes_when_the_source_closes() -> None:
    source = MutableSharedFlow[int]()
    task = source.watch()
    source.close()
    await settle(task.done)
    assert task.done() and task.exception() is None

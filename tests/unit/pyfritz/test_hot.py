"""Unit tests of pyfritz.hot: state flows and shared flows."""

from __future__ import annotations

import asyncio

import pytest
from fakes.loop import settle

from pyfritz.errors import BufferOverflowError, FlowError
from pyfritz.flows import (
    MutableSharedFlow,
    MutableStateFlow,
)

# -- state flows ---------------------------------------------------------------


async def test_state_flow_gives_a_new_collector_the_current_value_at_once() -> None:
    state = MutableStateFlow("a")
    seen: list[str] = []
    task = state.handled_by(seen.append)
    assert seen == ["a"]
    state.value = "b"
    assert seen == ["a", "b"]
    task.cancel()


async def test_state_flow_does_not_re_emit_an_equal_value() -> None:
    state = MutableStateFlow(1)
    seen: list[int] = []
    task = state.handled_by(seen.append)
    state.value = 1
    state.emit_nowait(1)
    await state.emit(2)
    await state.emit(2)
    assert seen == [1, 2]
    assert state.value == 2
    task.cancel()


async def test_slow_state_collector_skips_to_the_latest_value() -> None:
    state = MutableStateFlow(0)
    seen: list[int] = []
    gate = asyncio.Event()

    async def slow(x: int) -> None:
        seen.append(x)
        await gate.wait()

    task = state.handled_by(slow)
    await settle(lambda: seen == [0])
    for i in range(1, 10):
        state.value = i
    gate.set()
    await settle(lambda: seen[-1:] == [9])
    assert seen == [0, 9]
    task.cancel()


async def test_async_for_over_state_flow_skips_to_the_latest() -> None:
    state = MutableStateFlow(0)
    it = aiter(state)
    assert await anext(it) == 0
    for i in range(1, 5):
        state.value = i
    assert await anext(it) == 4
    await it.aclose()  # type: ignore[attr-defined]
    assert state.subscriber_count == 0


async def test_first_of_state_flow_is_its_value_and_unsubscribes() -> None:
    state = MutableStateFlow(3)
    assert await state.map(lambda x: x * 2).first() == 6
    assert state.subscriber_count == 0


async def test_emit_from_a_subscriber_keeps_every_subscriber_in_order() -> None:
    state = MutableStateFlow(0)
    first: list[int] = []
    second: list[int] = []

    def bump(x: int) -> None:
        first.append(x)
        if x in (1, 2):
            state.value = x + 1

    t1 = state.handled_by(bump)
    t2 = state.handled_by(second.append)
    state.value = 1
    assert first == [0, 1, 2, 3]
    assert second == [0, 1, 2, 3]  # not 0, 3, 2, 1: nested emits wait their turn
    t1.cancel()
    t2.cancel()


# -- shared flows --------------------------------------------------------------


async def test_shared_flow_multicasts_to_current_collectors_only() -> None:
    source = MutableSharedFlow[int]()
    early: list[int] = []
    late: list[int] = []
    t1 = source.handled_by(early.append)
    source.emit_nowait(1)
    t2 = source.handled_by(late.append)
    source.emit_nowait(2)
    assert early == [1, 2]
    assert late == [2]
    t1.cancel()
    t2.cancel()


async def test_async_for_collectors_each_see_every_value_in_order() -> None:
    source = MutableSharedFlow[int]()

    async def gather() -> list[int]:
        return [x async for x in source]

    a = asyncio.create_task(gather())
    b = asyncio.create_task(gather())
    await settle(lambda: source.subscriber_count == 2)
    for i in range(10):
        source.emit_nowait(i)
    source.close()
    assert await a == list(range(10))
    assert await b == list(range(10))


async def test_close_with_error_fails_every_collector() -> None:
    source = MutableSharedFlow[int]()
    it = aiter(source)
    pending = asyncio.ensure_future(anext(it))
    await settle(lambda: source.subscriber_count == 1)
    source.emit_nowait(1)
    assert await pending == 1
    source.close(RuntimeError("broken"))
    with pytest.raises(RuntimeError, match="broken"):
        await anext(it)


async def test_subscribing_after_close_ends_at_once() -> None:
    source = MutableSharedFlow[int]()
    source.close()
    assert await source.collect() == []
    with pytest.raises(FlowError):
        source.emit_nowait(1)


async def test_overflow_ends_a_lagging_collector_after_its_buffered_values() -> None:
    source = MutableSharedFlow[int](capacity=3)
    it = aiter(source)
    pending = asyncio.ensure_future(anext(it))
    await settle(lambda: source.subscriber_count == 1)
    for i in range(5):  # the collector does not run in between
        source.emit_nowait(i)
    assert await pending == 0
    assert [await anext(it), await anext(it)] == [1, 2]  # the 4th value overflowed
    with pytest.raises(BufferOverflowError):
        await anext(it)
    assert source.subscriber_count == 0


async def test_overflow_of_a_suspended_handler_is_reported(reported: list[BaseException]) -> None:
    source = MutableSharedFlow[int](capacity=2)
    gate = asyncio.Event()

    async def stuck(_: int) -> None:
        await gate.wait()

    task = source.handled_by(stuck)
    for i in range(4):
        source.emit_nowait(i)
    await settle(task.done)
    assert task.done()
    assert [type(e) for e in reported] == [BufferOverflowError]
    assert source.subscriber_count == 0


async def test_start_and_stop_hooks_follow_first_and_last_subscriber() -> None:
    events: list[str] = []
    source = MutableSharedFlow[int](
        on_start=lambda: events.append("start"), on_stop=lambda: events.append("stop")
    )
    t1 = source.watch()
    t2 = source.watch()
    assert events == ["start"]
    t1.cancel()
    await settle(t1.done)
    assert events == ["start"]
    t2.cancel()
    await settle(t2.done)
    assert events == ["start", "stop"]


async def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        MutableSharedFlow[int](capacity=0)

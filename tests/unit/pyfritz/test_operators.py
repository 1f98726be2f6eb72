"""Unit tests of pyfritz.operators: operators, terminals, pull mode, errors, cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from fakes.flow_sources import double, numbers
from fakes.loop import settle
from hypothesis import given, settings
from hypothesis import strategies as st

from pyfritz.errors import FlowError
from pyfritz.flows import (
    Flow,
    MutableSharedFlow,
    MutableStateFlow,
    flow,
    flow_of,
)

# -- operators, sync and async, push and pull ---------------------------------


async def test_operators_with_sync_callables_keep_order() -> None:
    result = await (
        flow_of(1, 1, 2, 3, 3, 4, 5, 6)
        .distinct()
        .filter(lambda x: x % 2 == 0)
        .map(lambda x: x * 10)
        .drop(1)
        .take(2)
        .collect()
    )
    assert result == [40, 60]


async def test_operators_with_async_callables_keep_order() -> None:
    async def even(x: int) -> bool:
        await asyncio.sleep(0)
        return x % 2 == 0

    seen: list[int] = []

    async def record(x: int) -> None:
        await asyncio.sleep(0)
        seen.append(x)

    result = await flow_of(1, 2, 3, 4).filter(even).map(double).on_each(record).collect()
    assert result == [4, 8]
    assert seen == [4, 8]


async def test_distinct_with_key_drops_only_consecutive_repeats() -> None:
    words = flow_of("a", "A", "b", "a")
    assert await words.distinct(key=str.lower).collect() == ["a", "b", "a"]


async def test_cold_flow_runs_the_generator_per_collector() -> None:
    squares = flow(numbers).map(lambda x: x * x)
    assert await squares.collect() == [0, 1, 4, 9, 16]
    assert await squares.collect() == [0, 1, 4, 9, 16]


async def test_cold_flow_operators_with_async_callables() -> None:
    assert await flow(numbers).map(double).filter(lambda x: x > 2).distinct().collect() == [4, 6, 8]


async def test_take_on_cold_flow_closes_the_generator() -> None:
    closed: list[bool] = []

    async def endless() -> AsyncIterator[int]:
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.append(True)

    assert await flow(endless).take(3).collect() == [0, 1, 2]
    assert closed == [True]


async def test_drop_skips_values_in_pull_mode() -> None:
    assert await flow(numbers).drop(3).collect() == [3, 4]


async def test_take_and_drop_reject_negative_counts() -> None:
    with pytest.raises(ValueError):
        flow_of(1).take(-1)
    with pytest.raises(ValueError):
        flow_of(1).drop(-1)


async def test_take_zero_completes_without_values() -> None:
    assert await flow_of(1, 2).take(0).collect() == []
    assert await flow(numbers).take(0).collect() == []


async def test_async_for_over_flow_of() -> None:
    assert [x async for x in flow_of("a", "b")] == ["a", "b"]


async def test_first_returns_the_first_value() -> None:
    assert await flow_of(7, 8).first() == 7
    assert await flow(numbers).drop(2).first() == 2


async def test_first_of_an_empty_flow_raises_flow_error() -> None:
    with pytest.raises(FlowError):
        await flow_of().first()
    with pytest.raises(FlowError):
        await flow(numbers).take(0).first()


# -- errors and cancellation ---------------------------------------------------


async def test_error_in_sync_callback_never_reaches_the_emitter(
    reported: list[BaseException],
) -> None:
    source = MutableSharedFlow[int]()
    healthy: list[int] = []

    def boom(x: int) -> None:
        raise ValueError(f"bad {x}")

    failing = source.handled_by(boom)
    ok = source.handled_by(healthy.append)
    source.emit_nowait(1)  # must not raise
    source.emit_nowait(2)
    await settle(failing.done)
    assert [str(e) for e in reported] == ["bad 1"]
    assert healthy == [1, 2]
    assert source.subscriber_count == 1
    assert failing.exception() is None  # reported, not raised again
    ok.cancel()


async def test_error_in_async_callback_is_reported(reported: list[BaseException]) -> None:
    async def boom(x: int) -> int:
        raise KeyError(x)

    task = flow_of(1, 2).map(boom).watch()
    await settle(task.done)
    assert [type(e) for e in reported] == [KeyError]


async def test_error_in_cold_flow_is_reported_by_watch(reported: list[BaseException]) -> None:
    async def broken() -> AsyncIterator[int]:
        yield 1
        raise OSError("gone")

    task = flow(broken).watch()
    await settle(task.done)
    assert [str(e) for e in reported] == ["gone"]


async def test_error_in_callback_raises_from_collect() -> None:
    with pytest.raises(ZeroDivisionError):
        await flow_of(1, 0).map(lambda x: 1 / x).collect()


async def test_cancelling_watch_unsubscribes_and_stops_a_pending_handler() -> None:
    stopped: list[bool] = []
    source = MutableSharedFlow[int](on_stop=lambda: stopped.append(True))
    started = asyncio.Event()

    async def forever(_: int) -> None:
        started.set()
        await asyncio.Event().wait()

    task = source.handled_by(forever)
    source.emit_nowait(1)
    await started.wait()
    task.cancel()
    await settle(task.done)
    assert task.cancelled()
    assert source.subscriber_count == 0
    assert stopped == [True]
    await settle(lambda: len(asyncio.all_tasks()) == 1)
    assert len(asyncio.all_tasks()) == 1  # the suspended handler's task is gone too


async def test_cancelling_a_task_before_it_runs_still_unsubscribes() -> None:
    source = MutableSharedFlow[int]()
    task = source.watch()
    task.cancel()
    await settle(lambda: source.subscriber_count == 0)
    assert task.cancelled()
    assert source.subscriber_count == 0


async def test_cancelling_async_for_unsubscribes() -> None:
    source = MutableSharedFlow[int]()

    async def consume() -> None:
        async for _ in source:
            pass

    task = asyncio.create_task(consume())
    await settle(lambda: source.subscriber_count == 1)
    task.cancel()
    await settle(task.done)
    assert source.subscriber_count == 0


async def test_breaking_out_of_async_for_unsubscribes() -> None:
    source = MutableStateFlow(1)
    async for value in source:
        assert value == 1
        break
    await settle(lambda: source.subscriber_count == 0)
    assert source.subscriber_count == 0


async def test_flow_is_typed_for_sync_and_async_map() -> None:
    async def to_str(x: int) -> str:
        return str(x)

    texts: Flow[str] = flow_of(1).map(to_str)
    assert await texts.collect() == ["1"]


# -- push and pull agree -------------------------------------------------------


@given(
    values=st.lists(st.integers(-5, 5), max_size=30),
    n=st.integers(0, 10),
    k=st.integers(0, 10),
)
@settings(max_examples=60, deadline=None)
def test_push_and_pull_chains_give_the_same_values(values: list[int], n: int, k: int) -> None:
    def chain(source: Flow[int]) -> Flow[int]:
        return source.map(abs).distinct().filter(lambda x: x != 3).drop(k).take(n)

    async def pulled() -> AsyncIterator[int]:
        for v in values:
            yield v

    async def run() -> tuple[list[int], list[int], list[int]]:
        hot = MutableSharedFlow[int]()
        pushed: list[int] = []
        task = chain(hot).handled_by(pushed.append)
        for v in values:
            hot.emit_nowait(v)
        hot.close()
        await task
        return pushed, await chain(flow_of(*values)).collect(), await chain(flow(pulled)).collect()

    pushed, eager, cold = asyncio.run(run())
    assert pushed == eager == cold

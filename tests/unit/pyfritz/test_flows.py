"""Unit tests of pyfritz.flows: push fast path, pull mode, state, shared, errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from fakes.loop import settle
from hypothesis import given, settings
from hypothesis import strategies as st

from pyfritz.errors import BufferOverflowError, FlowError
from pyfritz.flows import (
    Flow,
    MutableSharedFlow,
    MutableStateFlow,
    flow,
    flow_of,
    report,
)


async def double(x: int) -> int:
    await asyncio.sleep(0)
    return x * 2


async def numbers() -> AsyncIterator[int]:
    for i in range(5):
        await asyncio.sleep(0)
        yield i


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


async def test_report_logs_to_stderr_and_emits_on_errors(
    reported: list[BaseException], capsys: pytest.CaptureFixture[str]
) -> None:
    exc = ValueError("visible")
    report(exc, "while testing")
    assert reported == [exc]
    err = capsys.readouterr().err
    assert "while testing" in err and "ValueError: visible" in err


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

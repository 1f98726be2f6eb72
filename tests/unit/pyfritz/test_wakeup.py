"""Unit tests of pyfritz._wakeup: async for woken from a microtask, on a fake ``js``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from fakes.fake_js import FakeJs, install
from fakes.loop import settle

from pyfritz import _wakeup, sinks
from pyfritz.flows import MutableSharedFlow


@pytest.fixture
async def fake_js(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeJs]:
    fake = install(monkeypatch)
    _wakeup.install()
    yield fake
    sinks.set_waiter_factory(None)
    # A failed test may leave a task waiting on a microtask future: only
    # run_microtasks() wakes it, so end such tasks here, not at loop close.
    left = asyncio.all_tasks() - {asyncio.current_task()}
    for task in left:
        task.cancel()
    for _ in range(50):
        fake.run_microtasks()
        if all(task.done() for task in left):
            break
        await asyncio.sleep(0)


def as_a_js_event(fake_js: FakeJs, source: MutableSharedFlow[int], *values: int) -> None:
    """Emit outside any task, then let the microtask checkpoint run, as the browser does."""
    for value in values:
        source.emit_nowait(value)
    fake_js.run_microtasks()


async def test_async_for_is_woken_in_the_microtask_after_the_event(fake_js: FakeJs) -> None:
    source = MutableSharedFlow[int]()
    got: list[int] = []

    async def read() -> None:
        async for value in source:
            got.append(value)
            if len(got) == 3:
                return

    task = asyncio.create_task(read())
    await settle(lambda: source.subscriber_count == 1)
    loop = asyncio.get_running_loop()
    loop.call_soon(as_a_js_event, fake_js, source, 1, 2)
    await settle(lambda: got == [1, 2])
    assert got == [1, 2] and not task.done()
    loop.call_soon(as_a_js_event, fake_js, source, 3)
    await asyncio.wait_for(task, 5)
    assert got == [1, 2, 3]


async def test_the_wake_up_runs_in_the_microtask_not_in_a_later_loop_step(
    fake_js: FakeJs,
) -> None:
    future = _wakeup._waiter()
    seen: list[str] = []
    future.add_done_callback(lambda f: seen.append(f.result()))
    future.set_result("done")
    assert seen == [] and len(fake_js.microtasks) == 1
    fake_js.run_microtasks()
    assert seen == ["done"]


async def test_a_task_waiting_on_it_can_be_cancelled(fake_js: FakeJs) -> None:
    source = MutableSharedFlow[int]()

    async def read() -> None:
        async for _ in source:
            pass

    task = asyncio.create_task(read())
    await settle(lambda: source.subscriber_count == 1)
    task.cancel()
    asyncio.get_running_loop().call_soon(fake_js.run_microtasks)
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert source.subscriber_count == 0


async def test_one_drain_runs_a_bounded_number_then_hands_the_rest_to_the_loop(
    fake_js: FakeJs,
) -> None:
    # A collector feeding its own source must not keep the browser from painting.
    ran: list[int] = []
    futures = [_wakeup._waiter() for _ in range(_wakeup._MAX_DRAIN + 5)]
    for i, future in enumerate(futures):
        future.add_done_callback(lambda _, i=i: ran.append(i))
        future.set_result(None)
    fake_js.run_microtasks()
    assert len(ran) == _wakeup._MAX_DRAIN
    await settle(lambda: len(ran) == len(futures))
    assert ran == list(range(len(futures)))

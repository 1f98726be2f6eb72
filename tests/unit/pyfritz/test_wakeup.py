"""Unit tests of pyfritz._wakeup: tasks woken from a microtask, on a fake ``js``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fakes.fake_js import FakeJs, install
from fakes.loop import settle

from pyfritz import _wakeup
from pyfritz.flows import MutableSharedFlow


@pytest.fixture
async def fake_js(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeJs]:
    fake = install(monkeypatch)
    # The browser runs microtasks when the current task's code is done: here,
    # after the current loop callback, unless a test's "JS event" runs them
    # itself before it returns.
    fake.run_microtasks_after_loop_callbacks()
    _wakeup.install()
    yield fake
    # A failed test may leave a wake-up queued for a microtask: uninstall
    # hands it to the loop, so such tasks end here, not at loop close.
    _wakeup.uninstall()
    left = asyncio.all_tasks() - {asyncio.current_task()}
    for task in left:
        task.cancel()
    await settle(lambda: all(task.done() for task in left))


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


async def test_a_task_awaiting_a_future_resumes_in_the_microtask_not_in_a_later_loop_step(
    fake_js: FakeJs,
) -> None:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()
    seen: list[str] = []

    async def request() -> None:
        seen.append(await future)

    task = asyncio.create_task(request())
    await settle(lambda: bool(future._callbacks))  # the task awaits the future

    def reply() -> None:  # a JS event: a sync on_each collector completes the future
        future.set_result("pong")
        assert seen == [] and len(fake_js.microtasks) == 1  # later, never inside set_result
        fake_js.run_microtasks()  # the event's microtask checkpoint
        assert seen == ["pong"]

    loop.call_soon(reply)
    await asyncio.wait_for(task, 5)
    assert seen == ["pong"]


async def test_other_call_soon_callbacks_still_go_through_the_loop(fake_js: FakeJs) -> None:
    ran: list[str] = []
    asyncio.get_running_loop().call_soon(ran.append, "callback")
    await asyncio.sleep(0)  # sleep(0) steps the task through the loop, too
    assert fake_js.microtasks == []
    await settle(lambda: ran == ["callback"])
    assert ran == ["callback"]


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


async def test_one_drain_wakes_a_bounded_number_then_hands_the_rest_to_the_loop(
    fake_js: FakeJs,
) -> None:
    # Tasks waking each other must not keep the browser from painting.
    loop = asyncio.get_running_loop()
    count = _wakeup._MAX_DRAIN + 5
    futures: list[asyncio.Future[None]] = [loop.create_future() for _ in range(count)]
    ran: list[int] = []

    async def wait(i: int) -> None:
        await futures[i]
        ran.append(i)

    tasks = [asyncio.create_task(wait(i)) for i in range(count)]
    await settle(lambda: all(future._callbacks for future in futures))

    def event() -> None:
        for future in futures:
            future.set_result(None)
        fake_js.run_microtasks()
        assert len(ran) == _wakeup._MAX_DRAIN

    loop.call_soon(event)
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert ran == list(range(count))


async def test_uninstall_puts_back_the_loops_own_call_soon(fake_js: FakeJs) -> None:
    loop = asyncio.get_running_loop()
    _wakeup.uninstall()
    assert "call_soon" not in vars(loop)
    future: asyncio.Future[None] = loop.create_future()
    waiter = asyncio.create_task(asyncio.wait_for(future, 5))
    await settle(lambda: bool(future._callbacks))
    future.set_result(None)
    await waiter
    assert fake_js.microtasks == []


async def test_after_this_call_runs_before_the_tasks_the_call_woke(fake_js: FakeJs) -> None:
    # A session's close: its waiters are woken, its proxies destroyed after
    # the JS call, and whoever awaited the close sees them destroyed.
    loop = asyncio.get_running_loop()
    closed: asyncio.Future[None] = loop.create_future()
    order: list[str] = []

    async def wait_closed() -> None:
        await closed
        order.append("resumed")

    task = asyncio.create_task(wait_closed())
    await settle(lambda: bool(closed._callbacks))

    def on_close() -> None:  # the JS onclose event
        closed.set_result(None)
        _wakeup.after_this_call(lambda: order.append("clean-up"))
        assert order == []
        fake_js.run_microtasks()

    loop.call_soon(on_close)
    await asyncio.wait_for(task, 5)
    assert order == ["clean-up", "resumed"]


async def test_a_futures_plain_done_callbacks_run_in_the_microtask_too(fake_js: FakeJs) -> None:
    # e.g. the bookkeeping callback Pyodide's loop.create_future() adds.
    loop = asyncio.get_running_loop()
    future: asyncio.Future[int] = loop.create_future()
    seen: list[int] = []
    future.add_done_callback(lambda f: seen.append(f.result()))

    def event() -> None:
        future.set_result(7)
        assert seen == []
        fake_js.run_microtasks()
        assert seen == [7]

    loop.call_soon(event)
    await settle(lambda: seen == [7])
    assert seen == [7]


@contextlib.contextmanager
def marked_call() -> Iterator[None]:
    """A JS event's call into Python as the edge marks it (a session's onmessage)."""
    _wakeup.begin_call()
    try:
        yield
    finally:
        _wakeup.end_call()


async def waiting(future: asyncio.Future[Any], log: list[str], entry: str) -> asyncio.Task[None]:
    """A task that awaits ``future``, then logs ``entry``; returned once it waits."""

    async def wait() -> None:
        await future
        log.append(entry)

    task = asyncio.create_task(wait())
    await settle(lambda: bool(future._callbacks))
    return task


async def test_wake_ups_made_inside_a_marked_js_call_run_at_its_end_without_a_microtask(
    fake_js: FakeJs,
) -> None:
    # The reply completes a future; the awaiting task resumes once every sync
    # collector is done, in the same call from JS.
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    order: list[str] = []
    task = await waiting(future, order, "resumed")

    def on_message() -> None:
        with marked_call():
            future.set_result(None)
            order.append("collector done")  # later in the same call: still not resumed
        assert order == ["collector done", "resumed"]
        assert fake_js.microtasks == []

    asyncio.get_running_loop().call_soon(on_message)
    await asyncio.wait_for(task, 5)
    assert order == ["collector done", "resumed"]


async def test_a_nested_marked_call_leaves_the_wake_ups_to_the_outer_one(fake_js: FakeJs) -> None:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    order: list[str] = []
    task = await waiting(future, order, "resumed")

    def outer() -> None:
        with marked_call():
            with marked_call():
                future.set_result(None)
            assert order == []
        assert order == ["resumed"]

    asyncio.get_running_loop().call_soon(outer)
    await asyncio.wait_for(task, 5)


async def test_a_clean_up_queued_in_a_marked_call_runs_first_from_the_microtask(
    fake_js: FakeJs,
) -> None:
    # after_this_call must run after the JS call returned, before the woken task.
    closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    order: list[str] = []
    task = await waiting(closed, order, "resumed")

    def on_close() -> None:
        with marked_call():
            closed.set_result(None)
            _wakeup.after_this_call(lambda: order.append("clean-up"))
        assert order == [] and len(fake_js.microtasks) == 1
        fake_js.run_microtasks()

    asyncio.get_running_loop().call_soon(on_close)
    await asyncio.wait_for(task, 5)
    assert order == ["clean-up", "resumed"]


async def test_tasks_woken_at_the_end_of_a_call_wake_each_other_in_the_same_drain(
    fake_js: FakeJs,
) -> None:
    loop = asyncio.get_running_loop()
    first: asyncio.Future[None] = loop.create_future()
    second: asyncio.Future[None] = loop.create_future()
    order: list[str] = []
    relay = await waiting(first, order, "first")
    relay.add_done_callback(lambda _: second.set_result(None))
    last = await waiting(second, order, "second")

    def event() -> None:
        with marked_call():
            first.set_result(None)
        assert order == ["first", "second"] and fake_js.microtasks == []

    loop.call_soon(event)
    await asyncio.wait_for(asyncio.gather(relay, last), 5)


async def test_a_marked_call_made_from_inside_a_task_leaves_the_wake_ups_to_the_microtask(
    fake_js: FakeJs,
) -> None:
    # JS may dispatch an event synchronously while a task runs (dispatchEvent
    # from a coroutine): the woken task cannot be stepped inside that task.
    loop = asyncio.get_running_loop()
    future: asyncio.Future[None] = loop.create_future()
    order: list[str] = []
    task = await waiting(future, order, "resumed")
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: errors.append(context))

    async def dispatching() -> None:
        with marked_call():
            future.set_result(None)
        assert order == [] and len(fake_js.microtasks) == 1
        order.append("dispatcher done")

    await asyncio.create_task(dispatching())
    await asyncio.wait_for(task, 5)
    assert order == ["dispatcher done", "resumed"]
    assert errors == []


def test_pyodides_loop_makes_its_futures_without_the_in_progress_count() -> None:
    # WebLoop.create_future adds a done callback that counts the future out:
    # a second wake-up for every future a reply completes.
    from pyodide.webloop import PyodideFuture

    loop = asyncio.new_event_loop()
    try:
        _wakeup._uncounted_futures(loop)
        future = loop.create_future()
        assert type(future) is PyodideFuture and future.get_loop() is loop
        assert not future._callbacks  # no done callback
    finally:
        loop.close()

"""The queue of a root store: updates applied one at a time, in the order they came.

:class:`UpdateQueue` is the part of :class:`~pyfritz.store.RootStore` that
applies handlers: one update at a time, in the order they were called; an
update that raises is reported (``store.errors``, the console,
``pyfritz.flows.errors``) and leaves the value as it was; an async one holds
back the updates after it until it is done.

Why the fast path: in the browser an asyncio hop costs 46-110 µs but a plain
call 5 µs, so a sync handler called while nothing is queued is applied right
away, synchronously, with no task. Only an async handler (and whatever
arrives while it runs) goes through the queue, drained by one task.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections import deque
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

from ._generic import Generic
from .handlers import Handler, _replace
from .hot import MutableSharedFlow, MutableStateFlow
from .reporting import report
from .sinks import _PLAIN, _awaitable, _awaitable_slow

if TYPE_CHECKING:
    from .handlers import UpdateFn, _Job

__all__ = ["UpdateQueue"]

T = TypeVar("T")


class UpdateQueue(Generic[T]):
    """The value of a root store and the queue of updates to it (a base of ``RootStore``).

    Example::

        store = RootStore(0)
        store.update(1)             # idle and sync: applied at once
        store.slow_handler()        # async: applied by a task
        store.update(3)             # queued behind it
        await store.settled()       # 3
    """

    def __init__(self, initial: T) -> None:
        self._state = MutableStateFlow(initial)
        self._errors: MutableSharedFlow[Exception] = MutableSharedFlow()
        self._queue: deque[_Job] = deque()
        # True while a job runs, synchronously or in the drain task: jobs
        # submitted meanwhile (also re-entrantly, from a collector) queue up.
        self._running = False
        self._task: asyncio.Task[None] | None = None

    def _submit(self, job: _Job) -> None:
        self._queue.append(job)
        if not self._running:
            self._run_queue()

    def _apply_now(self, fn: UpdateFn[Any], action: Any, source: Handler[Any, Any]) -> None:
        """The hot path of an idle store: apply one update at once, with no job queued.

        What ``_submit`` then ``_run_queue`` would do for a lone job, minus
        the queue; updates that it causes meanwhile are queued and run after.
        """
        self._running = True
        handed_off = False
        try:
            try:
                # store.update(x) needs no call: its function returns the action.
                result = action if fn is _replace else fn(self._state._value, action)
            except Exception as exc:
                self._fail(exc, (fn, action, None, source))
            else:
                if type(result) not in _PLAIN and _awaitable_slow(result):
                    handed_off = self._hand_off(result, (fn, action, None, source))
                else:
                    self._state.value = result  # type: ignore[assignment]  # (typing.cast: a call per update)
        finally:
            if not handed_off:
                self._running = False
        if self._queue and not self._running:
            self._run_queue()

    def _set_now(self, value: T) -> None:
        """Set the value of an idle store now: ``_apply_now`` of a handler that returns ``value``.

        For callers that checked that nothing runs or is queued (sync writing
        the server's value) and whose value is plain: no handler, no awaitable
        check. Updates caused meanwhile (by collectors) are queued and run after.
        """
        self._running = True
        try:
            self._state.value = value
        finally:
            self._running = False
        if self._queue:
            self._run_queue()

    async def _submit_and_wait(
        self, fn: UpdateFn[Any], action: Any, source: Handler[Any, Any]
    ) -> Any:
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._submit((fn, action, waiter, source))
        return await waiter

    def _run_queue(self) -> None:
        """Apply queued jobs synchronously until the queue is empty or one is async."""
        self._running = True
        handed_off = False
        try:
            while self._queue:
                job = self._queue.popleft()
                fn, action, waiter, _ = job
                try:
                    result = fn(self._state.value, action)
                except Exception as exc:
                    self._fail(exc, job)
                    continue
                if _awaitable(result):
                    handed_off = self._hand_off(result, job)
                    if handed_off:
                        return
                    continue
                self._commit(result, waiter)
        finally:
            if not handed_off:
                self._running = False

    def _hand_off(self, pending: Awaitable[Any], job: _Job) -> bool:
        """Start the drain task with an async job in progress; False if impossible."""
        loop = _event_loop()
        if loop is None:
            if inspect.iscoroutine(pending):
                pending.close()  # or Python warns that it was never awaited
            self._fail(RuntimeError("an async handler needs a running event loop"), job)
            return False
        self._task = loop.create_task(self._drain(pending, job))
        return True

    async def _drain(self, pending: Awaitable[Any] | None, job: _Job) -> None:
        """Finish an async job, then apply the queue in order, awaiting async jobs."""
        try:
            while True:
                if pending is not None:
                    try:
                        result = await pending
                    except Exception as exc:
                        self._fail(exc, job)
                    else:
                        self._commit(result, job[2])
                    pending = None
                if not self._queue:
                    return
                job = self._queue.popleft()
                fn, action, waiter, _ = job
                try:
                    result = fn(self._state.value, action)
                except Exception as exc:
                    self._fail(exc, job)
                    continue
                if _awaitable(result):
                    pending = result
                else:
                    self._commit(result, waiter)
        finally:
            self._running = False
            self._task = None
            # Only a cancelled drain (the loop shutting down) leaves jobs behind.
            while self._queue:
                left = self._queue.popleft()[2]
                if left is not None:
                    left.cancel()

    def _commit(self, value: Any, waiter: asyncio.Future[Any] | None) -> None:
        self._state.value = value
        if waiter is not None and not waiter.done():
            waiter.set_result(value)

    def _fail(self, exc: Exception, job: _Job) -> None:
        report(exc, context=repr(job[3]))
        self._errors.emit_nowait(exc)
        waiter = job[2]
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)


def _event_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    if sys.platform == "emscripten":
        # Pyodide's WebLoop is the current loop even inside a sync JS event
        # callback, where get_running_loop() may say that none is running.
        return asyncio.get_event_loop()
    return None

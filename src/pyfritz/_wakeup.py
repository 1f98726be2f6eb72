"""Wake ``async for`` collectors from a microtask, not from an event-loop task (browser only).

Why: Pyodide's event loop runs every ``call_soon`` callback as a browser task
(a ``MessageChannel`` message, and under JSPI one more hop before Python
runs), ≈ 46-110 µs each (DESIGN.md section 5). An ``async for`` over
WebSocket messages pays that once per wake-up: the future it waits on is
completed inside the message event, and only then is its task stepped.
Here that future runs its callbacks (the task's wake-up) in a microtask
instead: right after the JS event's own code, before the browser does
anything else, with asyncio's semantics intact (the task is stepped by
asyncio's own wake-up, outside any other task, in its context; cancelling
works as with any future).

Guard against starving the page: one microtask drain runs at most
``_MAX_DRAIN`` callbacks (a collector that feeds its own source would
otherwise never let the browser paint); the rest go through the event loop.

Importing this module installs it when running in the browser (Pyodide's
``sys.platform`` is ``emscripten``); the edge modules that make ``async
for`` sources (:mod:`pyfritz.websocket`, :mod:`pyfritz.events`) import it.
On CPython it installs nothing unless :func:`install` is called.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
from collections import deque
from collections.abc import Callable
from typing import Any

from . import _js
from .reporting import report
from .sinks import _loop, set_waiter_factory

__all__ = ["install"]

_MAX_DRAIN = 1000

_Callback = tuple[Callable[[Any], object], Any, contextvars.Context]
_pending: deque[_Callback] = deque()
_scheduled = False


class _MicrotaskFuture(asyncio.futures._PyFuture):  # type: ignore[misc,name-defined]
    """An asyncio future whose done callbacks run in a microtask."""

    def _Future__schedule_callbacks(self) -> None:
        callbacks = self._callbacks[:]
        if not callbacks:
            return
        self._callbacks[:] = []
        for callback, context in callbacks:
            _pending.append((callback, self, context))
        _schedule()


def _schedule() -> None:
    global _scheduled
    if not _scheduled:
        _scheduled = True
        _js.queue_microtask(_drain)


def _drain() -> None:
    global _scheduled
    _scheduled = False
    for _ in range(_MAX_DRAIN):
        if not _pending:
            return
        callback, future, context = _pending.popleft()
        try:
            context.run(callback, future)
        except Exception as exc:  # a wake-up must never raise into the browser
            report(exc, "pyfritz: waking an async for collector")
    # Still more: hand the rest to the event loop, so the browser gets a turn.
    loop = _loop()
    while _pending:
        callback, future, context = _pending.popleft()
        loop.call_soon(callback, future, context=context)


def _waiter() -> asyncio.Future[None]:
    return _MicrotaskFuture(loop=_loop())


def install() -> None:
    """Make ``async for`` collectors wake from microtasks (done on import in the browser)."""
    set_waiter_factory(_waiter)


if sys.platform == "emscripten":
    install()

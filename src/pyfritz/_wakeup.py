"""Resume a task from a microtask when the future it awaits completes (browser only).

Why: Pyodide's event loop runs every ``call_soon`` callback as a browser task
(a ``MessageChannel`` message, and under JSPI one more hop before Python
runs), ≈ 46-110 µs each (DESIGN.md section 5). A coroutine that awaits a
future pays that once per wake-up: the future is completed inside a JS event
(a WebSocket message pushed to a sync ``on_each`` collector that calls
``set_result``, or to an ``async for`` collector's buffer), asyncio schedules
the waiting task's wake-up with ``loop.call_soon``, and only a later browser
task steps it. Here that one kind of callback, a done callback of a future
that has completed (``call_soon(callback, future)``: the waiting task's
wake-up, or any other done callback), runs in a microtask instead: right after
the JS event's own code, before the browser does anything else. So ``await
session.send(x)`` followed by ``await`` of the reply's future, or ``async
for`` over messages, resumes in the reply's own turn. When the future was
completed inside a call from a JS event that the edge marks
(:func:`begin_call` / :func:`end_call`: a session's ``onmessage``), its
wake-ups run at the end of that very call instead, once every sync collector
is done: no microtask, no second entry into Python.

asyncio's semantics are kept: the wake-up still runs later than
``set_result`` (never inside it), outside any other task, in the task's
context, as an :class:`asyncio.Handle` (cancelling it works, an exception goes
to the loop's exception handler); done callbacks keep their order among
themselves. What changes is only that they no longer wait behind callbacks
queued earlier with ``call_soon`` (asyncio promises FIFO order for
``call_soon`` callbacks, not between a wake-up and unrelated callbacks).
``asyncio.sleep(0)`` and every other ``call_soon`` still go through the
event loop, so a task that yields with ``sleep(0)`` lets the browser run.
A step started from a microtask (or at the end of an event's call) is not
one Pyodide can suspend, so
``pyodide.ffi.run_sync`` (JSPI) fails there: await the promise instead.

In Pyodide, ``loop.create_future()`` is also made to skip the loop's count
of futures in progress, whose done callback woke every such future a
second time (:func:`_uncounted_futures`).

Guard against starving the page: one microtask drain runs at most
``_MAX_DRAIN`` wake-ups (tasks waking each other in a ring would otherwise
never let the browser paint); the rest go through the event loop.

Importing this module installs it when running in the browser (Pyodide's
``sys.platform`` is ``emscripten``); the edge modules whose events complete
futures (:mod:`pyfritz.websocket`, :mod:`pyfritz.events`) import it. On
CPython it installs nothing unless :func:`install` is called (tests).
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
from collections import deque
from collections.abc import Callable
from typing import Any

from . import _js
from .sinks import _loop

__all__ = ["after_this_call", "begin_call", "end_call", "install", "uninstall"]

_MAX_DRAIN = 1000

_pending: deque[asyncio.Handle] = deque()
# Run at the start of the next drain, before any wake-up (after_this_call).
_first: deque[Callable[[], object]] = deque()
_scheduled = False
# How deep the JS event calls in progress are nested (begin_call / end_call).
_calls = 0
# The loop patched by install() and its own call_soon.
_installed: tuple[asyncio.AbstractEventLoop, Callable[..., asyncio.Handle]] | None = None
# The loop whose claim of the running loop a wake-up repeats (see install).
_claim: asyncio.AbstractEventLoop | None = None
# Whether the installed loop was in debug mode (then handles are made as asyncio makes them).
_debug = False

_get_running_loop = asyncio.events._get_running_loop
_set_running_loop = asyncio.events._set_running_loop
_new_handle = object.__new__
_copy_context = contextvars.copy_context
_current_task = asyncio.current_task


def _schedule() -> None:
    global _scheduled
    if not _scheduled:
        _scheduled = True
        _js.queue_microtask(_drain)


def _drain() -> None:
    global _scheduled
    _scheduled = False
    if _installed is None:
        return
    loop, call_soon = _installed
    if _claim is not None and _get_running_loop() is not _claim:
        _set_running_loop(_claim)
    while _first:
        fn = _first.popleft()
        try:
            fn()
        except Exception as exc:  # a clean-up must never raise into the browser
            loop.call_exception_handler({"message": "pyfritz: after a JS call", "exception": exc})
    _run_pending(call_soon)


def _run_pending(call_soon: Callable[..., asyncio.Handle]) -> None:
    for _ in range(_MAX_DRAIN):
        if not _pending:
            return
        handle: Any = _pending.popleft()  # (its private slots: not in typeshed)
        if not handle._cancelled:  # (not cancelled(): one frame less per wake-up)
            # handle._run(), inlined (one frame less per wake-up): errors go to
            # the loop's exception handler, as when the loop runs a handle.
            try:
                handle._context.run(handle._callback, *handle._args)
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException as exc:
                _failed(handle, exc)
    # Still more: hand the rest to the event loop, so the browser gets a turn.
    while _pending:
        handle = _pending.popleft()
        if not handle.cancelled():
            call_soon(handle._run)


def _failed(handle: Any, exc: BaseException) -> None:
    """Report a wake-up that raised, as ``Handle._run`` does."""
    handle._loop.call_exception_handler(
        {
            "message": f"Exception in callback {handle._callback!r}",
            "exception": exc,
            "handle": handle,
        }
    )


def begin_call() -> None:
    """A JS event's call into Python starts: wake-ups wait for :func:`end_call`.

    The edge's event handlers (a session's ``onmessage``) wrap their body in
    ``begin_call()`` / ``try: ... finally: end_call()``. (A session's
    ``onmessage``, the hot path, inlines both: ``_calls += 1``, and ``_calls
    = 0`` when it is the outermost call and nothing is woken or queued.)
    """
    global _calls
    _calls += 1


def end_call() -> None:
    """The call :func:`begin_call` began ends: run the wake-ups it made, in this call.

    Why: the microtask that would run them costs one more entry into Python
    from JS (the dearest step of a round trip), and it would run right after
    this call anyway. They run once every sync collector of the event is
    done, outside any task, as from the microtask. Not when a clean-up
    (:func:`after_this_call`) is queued: it must run after the JS call
    returns and before any woken task, so the microtask runs both. Not when
    the call came from inside a running task either (JS dispatching an event
    synchronously, e.g. ``dispatchEvent`` on the socket from a coroutine): a
    task cannot be stepped inside another, so the microtask runs them, once
    that task's step has returned to the browser.
    """
    global _calls
    try:
        if (
            _calls == 1
            and _pending
            and not _first
            and _installed is not None
            and _current_task(_installed[0]) is None
        ):
            call_soon = _installed[1]
            if _claim is not None and _get_running_loop() is not _claim:
                _set_running_loop(_claim)
            # Still counted as inside the call: the wake-ups these steps make
            # join this drain rather than a microtask of their own.
            _run_pending(call_soon)
    finally:
        _calls -= 1
        if not _calls and (_pending or _first):
            _schedule()


def after_this_call(fn: Callable[[], object]) -> None:
    """Run ``fn()`` once the current JS call has returned, before any task it woke resumes.

    For clean-up that must not run inside the JS callback calling us (e.g.
    destroying that callback's proxy) but must be done before the code
    awaiting the event goes on: a microtask ahead of the wake-ups when
    installed, else the loop's ``call_soon`` (ahead of them in FIFO order).
    """
    if _installed is None:
        _loop().call_soon(fn)
        return
    _first.append(fn)
    _schedule()


def install(loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Wake ``loop``'s (the current loop's) tasks from microtasks; done on import in the browser.

    Example::

        _wakeup.install()     # tests, with a fake ``js`` that has queueMicrotask
        ...
        _wakeup.uninstall()
    """
    global _installed, _claim, _debug
    loop = _loop() if loop is None else loop
    if _installed is not None:
        if _installed[0] is loop:
            return
        uninstall()
    call_soon = loop.call_soon

    def call_soon_or_wake(
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        # asyncio schedules each done callback of a future as call_soon(callback,
        # future): the waiting task's wake-up (and any other done callback),
        # which would otherwise cost a loop task.
        if not (len(args) == 1 and isinstance(args[0], asyncio.Future) and args[0].done()):
            return call_soon(callback, *args, context=context)
        handle: Any
        if _debug:
            handle = asyncio.Handle(callback, args, loop, context)
        else:
            # What Handle.__init__ sets, without its frame and its loop.get_debug()
            # call (a Python frame more in Pyodide): once per reply that wakes a task.
            handle = _new_handle(asyncio.Handle)
            handle._context = _copy_context() if context is None else context
            handle._loop = loop
            handle._callback = callback
            handle._args = args
            handle._cancelled = False
            handle._repr = None
            handle._source_traceback = None
        _pending.append(handle)
        if not _calls:  # else end_call() runs it
            _schedule()
        made: asyncio.Handle = handle
        return made

    # An attribute of this loop object only: asyncio's futures look call_soon
    # up on their loop, so every future of this loop takes this path.
    loop.call_soon = call_soon_or_wake  # type: ignore[method-assign,assignment]
    _installed = (loop, call_soon)
    # Pyodide's own handles claim the running loop first (with JSPI each call
    # from JS may run on a thread state of its own); a task step needs it. The
    # wake-ups repeat that claim (WebLoop._install_running_loop) without its frame.
    _claim = loop if hasattr(loop, "_install_running_loop") else None
    _debug = loop.get_debug()
    if (
        hasattr(loop, "_decrement_in_progress")
        and getattr(loop, "_no_in_progress_handler", 0) is None
    ):
        _uncounted_futures(loop)


def _uncounted_futures(loop: Any) -> None:
    """Make ``loop.create_future()`` (Pyodide's ``WebLoop``) a ``PyodideFuture`` left uncounted.

    Why: ``WebLoop.create_future`` counts each future in progress and adds a
    done callback that counts it out, so every future a reply completes woke
    twice (its task, then that count's callback, a Python call of its own:
    ≈ 15 µs per reply in a page, measured against the same future uncounted).
    The count is read only by a handler set in ``_no_in_progress_handler``
    (Pyodide's own, for runners that exit when nothing is in progress), which
    a page does not set (checked at install). The futures are the same
    ``PyodideFuture`` (with ``then``/``catch``) as before.
    """
    from pyodide.webloop import PyodideFuture

    def create_future() -> asyncio.Future[Any]:
        return PyodideFuture(loop=loop)

    loop.create_future = create_future


def uninstall() -> None:
    """Undo :func:`install`; wake-ups still queued go to the event loop."""
    global _installed, _claim
    if _installed is None:
        return
    loop, call_soon = _installed
    _installed = _claim = None
    del loop.call_soon  # back to the class's method
    vars(loop).pop("create_future", None)  # (only set on Pyodide's loop)
    while _first:
        call_soon(_first.popleft())
    while _pending:
        handle = _pending.popleft()
        if not handle.cancelled():
            call_soon(handle._run)


if sys.platform == "emscripten":
    install()

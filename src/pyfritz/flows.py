"""Async flows with a synchronous push fast path: the reactive core of pyfritz.

A :class:`Flow` is an async iterable with operators (``map``, ``filter``,
``on_each``, ``distinct``, ``take``, ``drop``) and terminals (``collect``,
``first``, ``watch``, ``handled_by``). Every callable may be sync or async.

Why two modes: in the browser an asyncio wake-up costs 46-110 µs while a sync
Python call from a JS event costs about 5 µs (DESIGN.md section 5). So hot
sources (:class:`MutableSharedFlow`, :class:`MutableStateFlow`, WebSocket
messages, DOM events) *push* each value by calling their subscribers
synchronously, operators with sync callables forward synchronously, and
``watch()`` on such a chain subscribes at once and never switches tasks per
value. A callable that returns an awaitable suspends only its own collector:
later values wait in that collector's bounded buffer, in order. ``async for``
reads a per-collector buffer in batches (one wake-up per batch). Cold flows
(:func:`flow`) are pulled, which gives them natural back-pressure.

Error policy: an exception raised by a callable never reaches the emitter (in
the browser that would be an uncaught page error); it ends that collector with
the error, and ``watch()`` passes it to :func:`report`. A shared-flow
collector that falls more than ``capacity`` values behind is ended with
:class:`~pyfritz.errors.BufferOverflowError` rather than losing values.

Internal protocol, for edge modules that add hot sources: ``Flow._subscribe``
takes a :class:`Sink` and returns an unsubscribe callable, or ``None`` when
the flow can only be pulled. Prefer building sources on
:class:`MutableSharedFlow` with ``on_start``/``on_stop`` hooks.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import traceback
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import Any, Generic, Protocol, TypeVar, cast, overload

from .errors import BufferOverflowError, FlowError

__all__ = [
    "DEFAULT_CAPACITY",
    "Flow",
    "MutableSharedFlow",
    "MutableStateFlow",
    "SharedFlow",
    "Sink",
    "StateFlow",
    "errors",
    "flow",
    "flow_of",
    "report",
]

T = TypeVar("T")
U = TypeVar("U")
T_contra = TypeVar("T_contra", contravariant=True)

#: Default bound of a collector's buffer on a shared flow.
DEFAULT_CAPACITY = 1024

Unsubscribe = Callable[[], None]

_NEXT, _ERROR, _COMPLETE = 0, 1, 2
_UNSET: Any = object()


class Sink(Protocol[T_contra]):
    """Receives pushed values; what ``Flow._subscribe`` is given."""

    def on_next(self, value: T_contra) -> None:
        """Take one value. Must not raise."""

    def on_error(self, exc: BaseException) -> None:
        """The flow failed; no more calls follow."""

    def on_complete(self) -> None:
        """The flow ended normally; no more calls follow."""


def _loop() -> asyncio.AbstractEventLoop:
    # Pyodide's WebLoop is the current loop even inside a sync JS callback,
    # where CPython would say no loop is running.
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop()


def _noop() -> None:
    return None


# Results that are never awaitable, checked first: inspect.isawaitable falls
# back to an ABC isinstance check, the dearest step of a sync stage per value.
_PLAIN = frozenset({type(None), str, bytes, int, float, bool, tuple, list, dict})


def _awaitable(value: object) -> bool:
    return type(value) not in _PLAIN and inspect.isawaitable(value)


def _name(fn: object) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


def _ended(sink: Sink[Any], exc: BaseException | None) -> None:
    if exc is None:
        sink.on_complete()
    else:
        sink.on_error(exc)


class Flow(Generic[T]):
    """An async stream of values with operators; iterate it with ``async for``.

    Build flows with :func:`flow_of`, :func:`flow`, :class:`MutableStateFlow`
    or :class:`MutableSharedFlow`, then chain operators. Every operator takes
    a sync or an async callable.

    Example::

        doubled = flow_of(1, 2, 3).map(lambda x: x * 2)
        assert await doubled.collect() == [2, 4, 6]
    """

    # Whether a slow collector may skip to the latest value (state flows).
    _conflated: bool = False
    # Bound of each collector's buffer.
    _capacity: int = DEFAULT_CAPACITY

    def _subscribe(self, sink: Sink[T]) -> Unsubscribe | None:
        """Push values into ``sink``; return how to stop, or ``None`` if pull-only."""
        return None

    def _pull(self) -> AsyncIterator[T]:
        """Iterate a pull-only flow; only called when ``_subscribe`` gives ``None``."""
        raise NotImplementedError

    def __aiter__(self) -> AsyncIterator[T]:
        return _Collector(self)

    @overload
    def map(self, fn: Callable[[T], Awaitable[U]]) -> Flow[U]: ...

    @overload
    def map(self, fn: Callable[[T], U]) -> Flow[U]: ...

    def map(self, fn: Callable[[T], Any]) -> Flow[Any]:
        """Transform each value with ``fn`` (an awaitable result is awaited).

        Example::

            names = people.map(lambda p: p.name)
        """
        return _CallOp(self, fn, _MapStage, "map")

    def filter(self, pred: Callable[[T], object]) -> Flow[T]:
        """Keep the values for which ``pred`` is truthy (awaited if async)."""
        return _CallOp(self, pred, _FilterStage, "filter")

    def on_each(self, fn: Callable[[T], object]) -> Flow[T]:
        """Call ``fn`` for each value as a side effect and pass the value on.

        Example::

            session.messages.body.on_each(print).watch()
        """
        return _CallOp(self, fn, _EachStage, "on_each")

    def distinct(self, key: Callable[[T], object] | None = None) -> Flow[T]:
        """Drop a value equal to the one before (by ``key`` if given).

        This is fritz2's ``distinctUntilChanged``, not a set: ``1, 1, 2, 1``
        gives ``1, 2, 1``.
        """
        return _CallOp(self, key, _DistinctStage, "distinct")

    def take(self, n: int) -> Flow[T]:
        """Pass the first ``n`` values, then complete and unsubscribe.

        Raises:
            ValueError: ``n`` is negative.
        """
        if n < 0:
            raise ValueError(f"take(n) needs n >= 0, got {n}")
        return _TakeOp(self, n)

    def drop(self, n: int) -> Flow[T]:
        """Skip the first ``n`` values.

        Raises:
            ValueError: ``n`` is negative.
        """
        if n < 0:
            raise ValueError(f"drop(n) needs n >= 0, got {n}")
        return _DropOp(self, n)

    async def collect(self) -> list[T]:
        """Wait for the flow to complete and return all its values.

        Example::

            assert await flow_of("a", "b").collect() == ["a", "b"]
        """
        items: list[T] = []
        terminal = _Terminal[T](items.append)
        if terminal.attach(self):
            await terminal.wait()
            return items
        return [item async for item in self]

    async def first(self) -> T:
        """Return the first value and stop collecting.

        Raises:
            FlowError: the flow completed without a value.
        """
        box: list[T] = []

        def take(value: T) -> None:
            box.append(value)
            terminal.on_complete()

        terminal = _Terminal[T](take)
        if terminal.attach(self):
            await terminal.wait()
        else:
            async with aclosing(cast("_Collector[T]", aiter(self))) as it:
                async for value in it:
                    box.append(value)
                    break
        if not box:
            raise FlowError(f"first(): {self!r} completed without a value")
        return box[0]

    def watch(self) -> asyncio.Task[None]:
        """Collect in the background; return the task (cancel it to stop).

        On a chain of sync callables over a hot source this subscribes before
        returning, so no value emitted afterwards can be missed, and values are
        handled inside the emitter's call. A failure is passed to
        :func:`report`, never swallowed; the task itself then ends normally.

        Example::

            task = store.data.map(render_text).watch()
            ...
            task.cancel()   # unsubscribes and runs clean-up
        """
        loop = _loop()
        terminal = _Terminal[T](None)
        if terminal.attach(self):
            task = loop.create_task(_await_terminal(terminal, self))
            # Also covers a task cancelled before its first step, when the
            # coroutine's own except clause never runs.
            task.add_done_callback(lambda _: terminal.cancel())
            return task
        return loop.create_task(_pull_all(self))

    def handled_by(self, handler: Callable[[T], object]) -> asyncio.Task[None]:
        """Call ``handler`` with every value in the background; ``on_each(handler).watch()``.

        A handler that returns an awaitable is awaited before the next value.

        Example::

            button.clicks.handled_by(store.birthday)
        """
        return self.on_each(handler).watch()


async def _await_terminal(terminal: _Terminal[Any], source: Flow[Any]) -> None:
    try:
        await terminal.wait()
    except Exception as exc:
        report(exc, f"while watching {source!r}")


async def _pull_all(source: Flow[Any]) -> None:
    try:
        async with aclosing(cast("_Collector[Any]", aiter(source))) as it:
            async for _ in it:
                pass
    except Exception as exc:
        report(exc, f"while watching {source!r}")


# --------------------------------------------------------------------------
# Terminals: the end of a push chain.


class _Terminal(Generic[T]):
    """Ends a push chain; resolves a future when the chain completes."""

    def __init__(self, on_value: Callable[[T], object] | None) -> None:
        self._on_value = on_value
        self._future: asyncio.Future[None] = asyncio.Future(loop=_loop())
        self._unsub: Unsubscribe | None = None
        self._ended = False

    def attach(self, source: Flow[T]) -> bool:
        unsub = source._subscribe(self)
        if unsub is None:
            return False
        if self._ended:  # ended inside _subscribe (take, a state flow's first value)
            unsub()
        else:
            self._unsub = unsub
        return True

    async def wait(self) -> None:
        try:
            await self._future
        except asyncio.CancelledError:
            self.cancel()
            raise

    def cancel(self) -> None:
        self._ended = True
        unsub, self._unsub = self._unsub, None
        if unsub is not None:
            unsub()

    def on_next(self, value: T) -> None:
        if not self._ended and self._on_value is not None:
            self._on_value(value)

    def on_error(self, exc: BaseException) -> None:
        self._end(exc)

    def on_complete(self) -> None:
        self._end(None)

    def _end(self, exc: BaseException | None) -> None:
        if self._ended:
            return
        future = self._future
        if not future.done():
            if exc is None:
                future.set_result(None)
            else:
                future.set_exception(exc)
        self.cancel()


class _Buffer(Generic[T]):
    """The sink of an ``async for`` collector: a bounded buffer and a waiter.

    Kept apart from the iterator so the source, which holds this sink, does
    not keep an abandoned iterator alive: its ``__del__`` must run.
    """

    def __init__(self, source: Flow[T]) -> None:
        self.conflated = source._conflated
        self.capacity = source._capacity
        self.items: deque[T] = deque()
        self.end: BaseException | None = _UNSET
        self.waiter: asyncio.Future[None] | None = None
        self.unsub: Unsubscribe | None = None

    def on_next(self, value: T) -> None:
        if self.end is not _UNSET:
            return
        items = self.items
        if self.conflated:
            items.clear()  # a slow collector of a state flow skips to the latest
        elif len(items) >= self.capacity:
            self.on_error(BufferOverflowError(self.capacity))
            return
        items.append(value)
        self.wake()

    def on_error(self, exc: BaseException) -> None:
        self.finish(exc)

    def on_complete(self) -> None:
        self.finish(None)

    def finish(self, exc: BaseException | None) -> None:
        if self.end is not _UNSET:
            return
        self.end = exc
        self.wake()
        self.release()

    def wake(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def release(self) -> None:
        unsub, self.unsub = self.unsub, None
        if unsub is not None:
            unsub()


class _Collector(AsyncIterator[T]):
    """``async for`` over a flow: reads a :class:`_Buffer` in batches, or pulls."""

    def __init__(self, source: Flow[T]) -> None:
        self._source = source
        self._buffer: _Buffer[T] | None = None
        self._pulled: AsyncIterator[T] | None = None
        self._closed = False

    def _start(self) -> _Buffer[T] | None:
        buffer = _Buffer(self._source)
        unsub = self._source._subscribe(buffer)
        if unsub is None:
            self._pulled = self._source._pull()
            return None
        self._buffer = buffer
        if buffer.end is not _UNSET:
            unsub()
        else:
            buffer.unsub = unsub
        return buffer

    async def __anext__(self) -> T:
        if self._closed:
            raise StopAsyncIteration
        buffer = self._buffer
        if buffer is None:
            if self._pulled is None:
                buffer = self._start()
            if buffer is None:
                assert self._pulled is not None
                return await self._pulled.__anext__()
        while True:
            # Values that arrived meanwhile are returned without suspending:
            # one wake-up per batch, not per value.
            if buffer.items:
                return buffer.items.popleft()
            if buffer.end is not _UNSET:
                self._closed = True
                if buffer.end is not None:
                    raise buffer.end
                raise StopAsyncIteration
            waiter: asyncio.Future[None] = asyncio.Future(loop=_loop())
            buffer.waiter = waiter
            try:
                await waiter
            except asyncio.CancelledError:
                self._close()
                raise

    def _close(self) -> None:
        self._closed = True
        buffer = self._buffer
        if buffer is not None:
            buffer.items.clear()
            buffer.release()

    async def aclose(self) -> None:
        """Stop collecting: unsubscribe now, or close the pulled iterator."""
        self._close()
        pulled, self._pulled = self._pulled, None
        if pulled is not None and hasattr(pulled, "aclose"):
            await pulled.aclose()

    def __del__(self) -> None:
        # A collector abandoned by ``break`` must not stay subscribed.
        self._close()


# --------------------------------------------------------------------------
# Operators.


class _Stage(Generic[T, U]):
    """One collector's step of an operator chain in push mode.

    Runs the callable synchronously; if it returns an awaitable, this stage
    (and only it) suspends: later events queue here, in order, bounded by the
    source's capacity (state flows keep only the latest value), and one task
    drains the queue until it is empty again.
    """

    def __init__(self, down: Sink[U], fn: Callable[[T], Any] | None, source: Flow[Any]) -> None:
        self._down = down
        self._fn = fn
        self._conflated = source._conflated
        self._capacity = source._capacity
        self._done = False
        self._queue: deque[tuple[int, Any]] | None = None  # set while suspended
        self._task: asyncio.Task[None] | None = None
        # The awaitable handed to a drain task that has not run yet.
        self._unstarted: Awaitable[Any] | None = None

    def _deliver(self, value: T, result: Any) -> None:
        raise NotImplementedError

    def on_next(self, value: T) -> None:
        if self._done:
            return
        if self._queue is not None:
            self._enqueue(_NEXT, value)
            return
        fn = self._fn
        if fn is None:
            self._deliver(value, value)
            return
        try:
            result = fn(value)
        except Exception as exc:
            self._finish(exc)
            return
        if _awaitable(result):
            self._queue = deque()
            self._unstarted = result
            self._task = _loop().create_task(self._drain(value, result))
        else:
            self._deliver(value, result)

    def on_error(self, exc: BaseException) -> None:
        if self._queue is not None:
            self._enqueue(_ERROR, exc)
        else:
            self._finish(exc)

    def on_complete(self) -> None:
        if self._queue is not None:
            self._enqueue(_COMPLETE, None)
        else:
            self._finish(None)

    def dispose(self) -> None:
        self._done = True
        self._queue = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        unstarted, self._unstarted = self._unstarted, None
        if inspect.iscoroutine(unstarted):
            unstarted.close()  # its task never ran, so nobody else will await it

    def _enqueue(self, kind: int, item: Any) -> None:
        queue = self._queue
        if self._done or queue is None:
            return
        if kind == _NEXT:
            if self._conflated and queue and queue[-1][0] == _NEXT:
                queue[-1] = (_NEXT, item)
                return
            if len(queue) >= self._capacity:
                self._finish(BufferOverflowError(self._capacity))
                return
        queue.append((kind, item))

    def _finish(self, exc: BaseException | None) -> None:
        if self._done:
            return
        self.dispose()
        _ended(self._down, exc)

    async def _drain(self, value: T, pending: Awaitable[Any]) -> None:
        queue = self._queue
        assert queue is not None
        self._unstarted = None
        try:
            self._deliver(value, await pending)
            while queue and not self._done:
                kind, item = queue.popleft()
                if kind != _NEXT:
                    self._task = None  # finishing must not cancel this task
                    self._finish(item)
                    return
                result = item if self._fn is None else self._fn(item)
                if _awaitable(result):
                    result = await result
                self._deliver(item, result)
        except Exception as exc:
            self._task = None
            self._finish(exc)
        finally:
            # No await since the queue was last seen empty, so nothing is lost.
            if self._queue is queue:
                self._queue = None
                self._task = None


class _MapStage(_Stage[T, U]):
    def _deliver(self, value: T, result: Any) -> None:
        self._down.on_next(result)


class _FilterStage(_Stage[T, T]):
    def _deliver(self, value: T, result: Any) -> None:
        if result:
            self._down.on_next(value)


class _EachStage(_Stage[T, T]):
    def _deliver(self, value: T, result: Any) -> None:
        self._down.on_next(value)


class _DistinctStage(_Stage[T, T]):
    _last: Any = _UNSET

    def _deliver(self, value: T, result: Any) -> None:
        if self._last is not _UNSET:
            try:
                same = self._last is result or bool(self._last == result)
            except Exception as exc:
                self._finish(exc)
                return
            if same:
                return
        self._last = result
        self._down.on_next(value)


class _Op(Flow[U]):
    """An operator over ``upstream``; push-capable whenever upstream is."""

    def __init__(self, upstream: Flow[Any]) -> None:
        self._upstream = upstream
        self._conflated = upstream._conflated
        self._capacity = upstream._capacity

    def _stage(self, down: Sink[U]) -> Any:
        raise NotImplementedError

    def _subscribe(self, sink: Sink[U]) -> Unsubscribe | None:
        stage = self._stage(sink)
        unsub = self._upstream._subscribe(stage)
        if unsub is None:
            return None

        def unsubscribe() -> None:
            unsub()
            stage.dispose()

        return unsubscribe


class _CallOp(_Op[U]):
    def __init__(
        self,
        upstream: Flow[Any],
        fn: Callable[[Any], Any] | None,
        stage: type[_Stage[Any, Any]],
        label: str,
    ) -> None:
        super().__init__(upstream)
        self._fn = fn
        self._stage_type = stage
        self._label = label

    def __repr__(self) -> str:
        fn = "" if self._fn is None else _name(self._fn)
        return f"{self._upstream!r}.{self._label}({fn})"

    def _stage(self, down: Sink[U]) -> _Stage[Any, U]:
        return self._stage_type(down, self._fn, self)

    async def _pull(self) -> AsyncIterator[U]:
        fn, kind = self._fn, self._stage_type
        last: Any = _UNSET
        async with aclosing(cast("_Collector[Any]", aiter(self._upstream))) as it:
            async for value in it:
                result = value if fn is None else fn(value)
                if _awaitable(result):
                    result = await result
                if kind is _MapStage:
                    yield result
                elif kind is _FilterStage:
                    if result:
                        yield value
                elif kind is _DistinctStage:
                    if last is _UNSET or not (last is result or last == result):
                        last = result
                        yield value
                else:
                    yield value


class _TakeStage(Generic[T]):
    def __init__(self, down: Sink[T], n: int) -> None:
        self._down = down
        self._left = n
        self._done = False

    def on_next(self, value: T) -> None:
        if self._done:
            return
        self._left -= 1
        if self._left <= 0:
            self._done = True
        self._down.on_next(value)
        if self._left <= 0:
            self._down.on_complete()

    def on_error(self, exc: BaseException) -> None:
        if not self._done:
            self._done = True
            self._down.on_error(exc)

    def on_complete(self) -> None:
        if not self._done:
            self._done = True
            self._down.on_complete()

    def dispose(self) -> None:
        self._done = True


class _DropStage(_TakeStage[T]):
    def on_next(self, value: T) -> None:
        if self._done:
            return
        if self._left > 0:
            self._left -= 1
        else:
            self._down.on_next(value)


class _TakeOp(_Op[T]):
    def __init__(self, upstream: Flow[T], n: int) -> None:
        super().__init__(upstream)
        self._n = n

    def __repr__(self) -> str:
        return f"{self._upstream!r}.take({self._n})"

    def _stage(self, down: Sink[T]) -> _TakeStage[T]:
        return _TakeStage(down, self._n)

    def _subscribe(self, sink: Sink[T]) -> Unsubscribe | None:
        if self._n == 0:
            sink.on_complete()
            return _noop
        return super()._subscribe(sink)

    async def _pull(self) -> AsyncIterator[T]:
        if self._n == 0:
            return
        count = 0
        async with aclosing(cast("_Collector[T]", aiter(self._upstream))) as it:
            async for value in it:
                yield value
                count += 1
                if count >= self._n:
                    return


class _DropOp(_TakeOp[T]):
    def __repr__(self) -> str:
        return f"{self._upstream!r}.drop({self._n})"

    def _stage(self, down: Sink[T]) -> _TakeStage[T]:
        return _DropStage(down, self._n)

    def _subscribe(self, sink: Sink[T]) -> Unsubscribe | None:
        return _Op._subscribe(self, sink)

    async def _pull(self) -> AsyncIterator[T]:
        left = self._n
        async with aclosing(cast("_Collector[T]", aiter(self._upstream))) as it:
            async for value in it:
                if left > 0:
                    left -= 1
                else:
                    yield value


# --------------------------------------------------------------------------
# Cold flows.


class _ColdFlow(Flow[T]):
    def __init__(self, gen_fn: Callable[[], AsyncIterator[T]]) -> None:
        self._gen_fn = gen_fn

    def __repr__(self) -> str:
        return f"flow({_name(self._gen_fn)})"

    def _pull(self) -> AsyncIterator[T]:
        return aiter(self._gen_fn())


class _ValuesFlow(Flow[T]):
    def __init__(self, values: tuple[T, ...]) -> None:
        self._values = values
        # A collector may receive all values at once, before it runs.
        self._capacity = max(DEFAULT_CAPACITY, len(values))

    def __repr__(self) -> str:
        return f"flow_of(<{len(self._values)} values>)"

    def _subscribe(self, sink: Sink[T]) -> Unsubscribe | None:
        for value in self._values:
            sink.on_next(value)
        sink.on_complete()
        return _noop


def flow_of(*values: T) -> Flow[T]:
    """A flow that emits ``values`` in order to each collector, then completes.

    Example::

        assert await flow_of(1, 2, 3).filter(lambda x: x > 1).collect() == [2, 3]
    """
    return _ValuesFlow(values)


def flow(gen_fn: Callable[[], AsyncIterator[T]]) -> Flow[T]:
    """A cold flow: each collector runs ``gen_fn()`` (an async generator) anew.

    Cold flows are pulled, so a slow collector slows the generator down
    instead of overflowing a buffer.

    Example::

        async def countdown():
            for i in (3, 2, 1):
                yield i

        assert await flow(countdown).collect() == [3, 2, 1]
    """
    return _ColdFlow(gen_fn)


# --------------------------------------------------------------------------
# Hot flows.


class _HotFlow(Flow[T]):
    """Pushes to the collectors subscribed right now; knows first and last."""

    def __init__(
        self,
        *,
        on_start: Callable[[], object] | None = None,
        on_stop: Callable[[], object] | None = None,
    ) -> None:
        self._sinks: tuple[Sink[T], ...] = ()
        self._on_start = on_start
        self._on_stop = on_stop
        self._started = False
        # Set while delivering: values emitted meanwhile (by a subscriber)
        # wait here so every subscriber sees every value in the same order.
        self._pending: deque[tuple[int, Any]] | None = None
        self._spare: deque[tuple[int, Any]] = deque()
        self._end: BaseException | None = _UNSET

    @property
    def subscriber_count(self) -> int:
        """How many collectors are subscribed right now."""
        return len(self._sinks)

    def _subscribe(self, sink: Sink[T]) -> Unsubscribe | None:
        if self._end is not _UNSET:
            _ended(sink, self._end)
            return _noop
        self._sinks = (*self._sinks, sink)
        if not self._started and self._on_start is not None:
            try:
                self._on_start()
            except Exception as exc:
                sink.on_error(exc)
                return lambda: self._unsubscribe(sink)
        self._started = True
        self._greet(sink)
        return lambda: self._unsubscribe(sink)

    def _greet(self, sink: Sink[T]) -> None:
        """Hook: deliver what a new subscriber gets at once."""

    def _unsubscribe(self, sink: Sink[T]) -> None:
        sinks = self._sinks
        kept = tuple(s for s in sinks if s is not sink)
        if len(kept) == len(sinks):
            return
        self._sinks = kept
        if not kept:
            self._stop()

    def _stop(self) -> None:
        if self._started:
            self._started = False
            if self._on_stop is not None:
                self._on_stop()

    def _send(self, sink: Sink[T], value: T) -> None:
        try:
            sink.on_next(value)
        except Exception as exc:  # a broken sink must not break the emitter
            self._unsubscribe(sink)
            report(exc, f"a subscriber of {self!r} failed")

    def _push(self, kind: int, item: Any) -> None:
        if self._pending is not None:
            self._pending.append((kind, item))
            return
        # The hot path (one value, nobody emits meanwhile) allocates nothing:
        # the queue exists only while delivering and is reused.
        pending = self._pending = self._spare
        try:
            while True:
                if kind == _NEXT:
                    for sink in self._sinks:
                        self._send(sink, item)
                else:
                    sinks, self._sinks = self._sinks, ()
                    for sink in sinks:
                        _ended(sink, item)
                    self._stop()
                if not pending:
                    break
                kind, item = pending.popleft()
        finally:
            pending.clear()
            self._pending = None


class SharedFlow(_HotFlow[T]):
    """A hot flow that multicasts each value to every collector subscribed now.

    Read-only view; emit through :class:`MutableSharedFlow`. A collector that
    falls more than ``capacity`` values behind ends with
    :class:`~pyfritz.errors.BufferOverflowError`; sync collectors never lag.
    """

    def __init__(
        self,
        *,
        capacity: int = DEFAULT_CAPACITY,
        on_start: Callable[[], object] | None = None,
        on_stop: Callable[[], object] | None = None,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        super().__init__(on_start=on_start, on_stop=on_stop)
        self._capacity = capacity

    def __repr__(self) -> str:
        return f"<{type(self).__name__} subscribers={len(self._sinks)}>"


class MutableSharedFlow(SharedFlow[T]):
    """A shared flow you emit into; ``emit_nowait`` works from a JS callback.

    Args:
        capacity: bound of each collector's buffer (pull collectors and
            collectors suspended in an async callable).
        on_start: called when the first collector subscribes (e.g. add a
            DOM listener).
        on_stop: called when the last collector leaves or the flow closes.

    Example::

        clicks = MutableSharedFlow[int]()
        clicks.handled_by(print)
        clicks.emit_nowait(1)   # print(1) runs inside this call
    """

    def emit_nowait(self, value: T) -> None:
        """Deliver ``value`` to every current collector; never blocks.

        Raises:
            FlowError: the flow is closed.
        """
        if self._end is not _UNSET:
            raise FlowError(f"emit on closed {self!r}")
        if self._sinks:
            self._push(_NEXT, value)

    async def emit(self, value: T) -> None:
        """``emit_nowait(value)``, then yield once so async collectors can run."""
        self.emit_nowait(value)
        await asyncio.sleep(0)

    def close(self, exc: BaseException | None = None) -> None:
        """Complete every collector (or fail it with ``exc``); later ones end at once."""
        if self._end is not _UNSET:
            return
        self._end = exc
        self._push(_ERROR if exc is not None else _COMPLETE, exc)


class StateFlow(_HotFlow[T]):
    """A hot flow that always has a value.

    A new collector gets the current value at once; an equal value is not
    re-emitted; a slow (async) collector skips to the latest value.
    """

    _conflated = True

    def __init__(
        self,
        initial: T,
        *,
        on_start: Callable[[], object] | None = None,
        on_stop: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(on_start=on_start, on_stop=on_stop)
        self._value = initial

    def __repr__(self) -> str:
        return f"<{type(self).__name__} value={self._value!r}>"

    @property
    def value(self) -> T:
        """The current value."""
        return self._value

    def _greet(self, sink: Sink[T]) -> None:
        self._send(sink, self._value)


class MutableStateFlow(StateFlow[T]):
    """A state flow you can set; setting works from a JS callback.

    Example::

        count = MutableStateFlow(0)
        count.map(str).handled_by(show)   # show("0") runs at once
        count.value += 1                  # show("1") runs inside this line
    """

    @property
    def value(self) -> T:
        """The current value; setting an equal value does nothing."""
        return self._value

    @value.setter
    def value(self, new: T) -> None:
        old = self._value
        try:
            if old is new or bool(old == new):
                return
        except Exception:  # uncomparable values count as changed
            pass
        self._value = new
        if self._sinks:
            self._push(_NEXT, new)

    def emit_nowait(self, value: T) -> None:
        """Set the value (same as assigning ``value``)."""
        self.value = value

    async def emit(self, value: T) -> None:
        """Set the value, then yield once so async collectors can run."""
        self.value = value
        await asyncio.sleep(0)


# --------------------------------------------------------------------------
# Error reporting.

_errors: MutableSharedFlow[BaseException] = MutableSharedFlow()

#: Every error passed to :func:`report` (failed ``watch()`` collectors, ...).
errors: SharedFlow[BaseException] = _errors


def report(exc: BaseException, context: str = "") -> None:
    """Log ``exc`` with its traceback to stderr (the browser console) and emit it on ``errors``.

    Use it for failures that have no caller to raise to, e.g. in a collector
    running in the background.

    Example::

        errors.handled_by(lambda exc: banner.show(str(exc)))
        report(ValueError("bad input"), "while parsing")
    """
    print(f"pyfritz: {context or 'unhandled error'}", file=sys.stderr)
    traceback.print_exception(exc, file=sys.stderr)
    _errors.emit_nowait(exc)

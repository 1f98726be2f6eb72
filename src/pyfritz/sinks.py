"""The push protocol: :class:`Sink`, and the per-collector stages behind every operator.

A hot source pushes each value by calling ``on_next`` of its subscribers
synchronously (DESIGN.md section 5: a sync call from a JS event costs ~5 µs,
an asyncio wake-up 46-110 µs). Operators put one *stage* per collector into
that chain; a stage runs its callable inside the push and suspends only when
the callable returns an awaitable, queueing later values (bounded, in order)
until it is done. A chain ends in a :class:`_Terminal` (``watch``, ``collect``,
``first``) or a :class:`_Buffer` (``async for``).

Everything here is private to the flow modules except :class:`Sink`,
:data:`Unsubscribe` and :data:`DEFAULT_CAPACITY`, which edge modules that add
hot sources use (``Flow._subscribe`` takes a sink, returns an unsubscribe).
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import Awaitable, Callable
from types import GeneratorType
from typing import TYPE_CHECKING, Any, TypeVar

from ._generic import Generic, Protocol
from .errors import BufferOverflowError

if TYPE_CHECKING:
    from typing_extensions import TypeIs

__all__ = ["DEFAULT_CAPACITY", "Sink", "Source", "Unsubscribe"]

T = TypeVar("T")
U = TypeVar("U")
T_co = TypeVar("T_co", covariant=True)
T_contra = TypeVar("T_contra", contravariant=True)

#: Default bound of a collector's buffer on a shared flow.
DEFAULT_CAPACITY = 1024

#: What subscribing returns: call it to stop receiving.
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


class Source(Protocol[T_co]):
    """What a stage or terminal needs of a flow: how to subscribe, and its buffer policy."""

    # Whether a slow collector may skip to the latest value (state flows).
    _conflated: bool
    # Bound of each collector's buffer.
    _capacity: int

    def _subscribe(self, sink: Sink[T_co]) -> Unsubscribe | None:
        """Push values into ``sink``; return how to stop, or ``None`` if pull-only."""


def _loop() -> asyncio.AbstractEventLoop:
    # Pyodide's WebLoop is the current loop even inside a sync JS callback,
    # where CPython would say no loop is running.
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop()


def _noop() -> None:
    return None


# Types whose values are never awaitable, checked first: inspect.isawaitable
# falls back to an ABC isinstance check (about 6x a set lookup on CPython),
# the dearest step of a sync stage per value. The set starts with the builtins
# and learns each type found not awaitable (a store's dataclass, say), up to
# _PLAIN_MAX types. Awaitability of a non-generator value is its type's:
# ``Awaitable.__subclasshook__`` looks at the class, never the instance. (A
# type registered with ``Awaitable.register`` after its values were seen
# stays plain: registration is for types that are awaitable from the start.)
_PLAIN: set[type] = {type(None), str, bytes, int, float, bool, tuple, list, dict}
_PLAIN_MAX = 1024


def _awaitable_slow(value: object) -> TypeIs[Awaitable[Any]]:
    """``inspect.isawaitable(value)``, remembering the type when it is not."""
    if inspect.isawaitable(value):
        return True
    kind = type(value)
    # A generator is awaitable or not per object (its code's flags).
    if kind is not GeneratorType and len(_PLAIN) < _PLAIN_MAX:
        _PLAIN.add(kind)
    return False


def _awaitable(value: object) -> TypeIs[Awaitable[Any]]:
    return type(value) not in _PLAIN and _awaitable_slow(value)


def _name(fn: object) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


def _ended(sink: Sink[Any], exc: BaseException | None) -> None:
    if exc is None:
        sink.on_complete()
    else:
        sink.on_error(exc)


class _Terminal(Generic[T]):
    """Ends a push chain; resolves a future when the chain completes."""

    def __init__(self, on_value: Callable[[T], object] | None) -> None:
        self._on_value = on_value
        self._future: asyncio.Future[None] = asyncio.Future(loop=_loop())
        self._unsub: Unsubscribe | None = None
        self._ended = False

    def attach(self, source: Source[T]) -> bool:
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

    def __init__(self, source: Source[T]) -> None:
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
        waiter = self.waiter  # wake(), inlined: once per value
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)

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


class _Stage(Generic[T, U]):
    """One collector's step of an operator chain in push mode.

    Runs the callable synchronously; if it returns an awaitable, this stage
    (and only it) suspends: later events queue here, in order, bounded by the
    source's capacity (state flows keep only the latest value), and one task
    drains the queue until it is empty again.
    """

    # What on_next does with a value the callable took synchronously: 0 calls
    # _deliver; 1 passes the result on, 2 the value (map, on_each: the hot
    # path, so without the _deliver frame).
    _passes = 0

    def __init__(self, down: Sink[U], fn: Callable[[T], Any] | None, source: Source[Any]) -> None:
        self._down = down
        # The next sink's on_next; None when it is a terminal that does
        # nothing with values (``watch()``): one call less per value.
        self._next: Callable[[Any], None] | None = (
            None if isinstance(down, _Terminal) and down._on_value is None else down.on_next
        )
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
        if type(result) not in _PLAIN and _awaitable_slow(result):  # _awaitable, inlined
            self._suspend(value, result)
        elif not self._passes:
            self._deliver(value, result)
        elif self._next is not None:
            self._next(result if self._passes == 1 else value)

    def _suspend(self, value: T, pending: Awaitable[Any]) -> None:
        """The callable returned ``pending`` for ``value``: queue later values until it is done."""
        self._queue = deque()
        self._unstarted = pending
        self._task = _loop().create_task(self._drain(value, pending))

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
    _passes = 1

    def _deliver(self, value: T, result: Any) -> None:
        if self._next is not None:
            self._next(result)


class _FilterStage(_Stage[T, T]):
    def _deliver(self, value: T, result: Any) -> None:
        if result:
            self._down.on_next(value)


class _EachStage(_Stage[T, T]):
    _passes = 2

    def _deliver(self, value: T, result: Any) -> None:
        if self._next is not None:
            self._next(value)


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


class _Latest:
    """One collector of ``combine()``: the latest value of each upstream.

    Emits the tuple of latest values whenever one changes, once every upstream
    has a value; nothing while the upstreams are still being subscribed (a
    state flow greets its new subscriber at once), then the first tuple.
    Completes when every upstream has completed, or at once when one
    completes without ever having a value (no tuple can ever be made); fails
    with the first upstream error, unsubscribing from the others.
    """

    def __init__(self, down: Sink[tuple[Any, ...]], count: int) -> None:
        self.down = down
        self.latest: list[Any] = [_UNSET] * count
        self.missing = count
        self.open = count
        self.started = False
        self.ended = False
        self.pending_end: BaseException | None = None
        self.unsubs: list[Unsubscribe] = []

    def input(self, index: int) -> _LatestInput:
        return _LatestInput(self, index)

    def next(self, index: int, value: Any) -> None:
        if self.ended:
            return
        latest = self.latest
        if latest[index] is _UNSET:
            self.missing -= 1
        latest[index] = value
        if self.started and not self.missing:
            self.down.on_next(tuple(latest))

    def complete(self, index: int) -> None:
        self.open -= 1
        if self.latest[index] is _UNSET or not self.open:
            self.end(None)

    def end(self, exc: BaseException | None) -> None:
        if self.ended:
            return
        self.ended = True
        if self.started:
            self.dispose()
            _ended(self.down, exc)
        else:
            self.pending_end = exc

    def start(self) -> None:
        """Every upstream is subscribed: emit the first tuple (or the end)."""
        self.started = True
        if not self.missing and self.pending_end is None:
            # Also when every upstream completed while being subscribed
            # (flow_of): their last values make one tuple before the end.
            self.down.on_next(tuple(self.latest))
        if self.ended:
            self.dispose()
            _ended(self.down, self.pending_end)

    def dispose(self) -> None:
        unsubs, self.unsubs = self.unsubs, []
        for unsub in unsubs:
            unsub()


class _LatestInput:
    """The sink ``combine()`` gives one upstream."""

    __slots__ = ("index", "state")

    def __init__(self, state: _Latest, index: int) -> None:
        self.state = state
        self.index = index

    def on_next(self, value: Any) -> None:
        self.state.next(self.index, value)

    def on_error(self, exc: BaseException) -> None:
        self.state.end(exc)

    def on_complete(self) -> None:
        self.state.complete(self.index)

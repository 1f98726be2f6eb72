"""Hot flows: :class:`SharedFlow` and :class:`StateFlow`, the sources values are pushed from.

A hot flow delivers each value to the collectors subscribed at that moment,
synchronously, inside ``emit_nowait`` (or the ``value`` setter), so a JS event
callback can emit and every sync collector runs in that call. A source starts
with its first subscriber and stops with its last (``on_start``/``on_stop``).
Also here: :data:`errors`, the shared flow of everything passed to
:func:`~pyfritz.reporting.report`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from . import reporting
from .errors import FlowError
from .operators import Flow
from .reporting import report
from .sinks import (
    _COMPLETE,
    _ERROR,
    _NEXT,
    _UNSET,
    DEFAULT_CAPACITY,
    Sink,
    Unsubscribe,
    _ended,
    _noop,
)

__all__ = ["MutableSharedFlow", "MutableStateFlow", "SharedFlow", "StateFlow", "errors"]

T = TypeVar("T")


class _HotFlow(Flow[T]):
    """Pushes to the collectors subscribed right now; knows first and last."""

    _on_start: Callable[[], object] | None = None
    _on_stop: Callable[[], object] | None = None

    def __init__(
        self,
        *,
        on_start: Callable[[], object] | None = None,
        on_stop: Callable[[], object] | None = None,
    ) -> None:
        self._sinks: tuple[Sink[T], ...] = ()
        # A subclass may define _on_start / _on_stop as methods instead: no
        # bound method kept per flow (a keyed list has a flow per row).
        if on_start is not None:
            self._on_start = on_start
        if on_stop is not None:
            self._on_stop = on_stop
        self._started = False
        # Set while delivering: values emitted meanwhile (by a subscriber)
        # wait here so every subscriber sees every value in the same order.
        self._pending: deque[tuple[int, Any]] | None = None
        self._spare: deque[tuple[int, Any]] | None = None  # made by the first push
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
                return _Unsubscribe(self, sink)
        self._started = True
        self._greet(sink)
        return _Unsubscribe(self, sink)

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
        pending = self._spare
        if pending is None:
            pending = self._spare = deque()
        self._pending = pending
        try:
            while True:
                if kind == _NEXT:
                    for sink in self._sinks:  # _send, inlined: once per value and sink
                        try:
                            sink.on_next(item)
                        except Exception as exc:
                            self._unsubscribe(sink)
                            report(exc, f"a subscriber of {self!r} failed")
                else:
                    sinks, self._sinks = self._sinks, ()
                    for sink in sinks:
                        _ended(sink, item)
                    self._stop()
                if not pending:
                    break
                kind, item = pending.popleft()
        finally:
            # Empty unless a sink raised through: no clear() call (a C call, dear
            # in Pyodide) on the hot path.
            if pending:
                pending.clear()
            self._pending = None


class _Unsubscribe:
    """Ends one subscription to a hot flow: one object, where a closure and
    its cells were (issue 13: a keyed list subscribes more than once per row,
    and an add's allocations decide how often the garbage collector runs)."""

    __slots__ = ("_flow", "_sink")

    def __init__(self, flow: _HotFlow[Any], sink: Sink[Any]) -> None:
        self._flow = flow
        self._sink = sink

    def __call__(self) -> None:
        self._flow._unsubscribe(self._sink)


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


_errors: MutableSharedFlow[BaseException] = MutableSharedFlow()
reporting.add_listener(_errors.emit_nowait)

#: Every error passed to :func:`~pyfritz.reporting.report` (failed ``watch()`` collectors, ...).
errors: SharedFlow[BaseException] = _errors

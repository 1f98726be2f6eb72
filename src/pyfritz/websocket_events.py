"""What a browser WebSocket session emits: its state, events and :class:`Messages` flow.

The message flow keeps what arrives before its first collector
(:class:`_MessageSource`) and has projections (``data``, ``body``,
``bytes``, ``array_buffer``, ``blob``) that convert a frame only when asked.
:mod:`pyfritz.websocket` re-exports every public name; import them from there.

Example::

    session.messages.body.on_each(lambda text: print("Server said:", text)).watch()
    async for event in session.messages:
        print(event.is_text, event.bytes)
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from . import (
    _js,
    _wakeup,  # noqa: F401  # async for wakes from a microtask in the browser
)
from ._record import Record, record
from .errors import BufferOverflowError
from .flows import Flow, MutableSharedFlow, SharedFlow, Sink, report
from .operators import _CallOp
from .sinks import _NEXT, _PLAIN, _UNSET, _awaitable_slow, _EachStage, _MapStage

__all__ = ["CloseEvent", "MessageEvent", "Messages", "OpenEvent", "State"]

# Default bound of each message collector's buffer (and of the backlog). Larger
# than DEFAULT_CAPACITY because a browser WebSocket cannot be paused, and
# Chromium hands a buffered burst to onmessage without letting the asyncio loop
# run in between: measured, an ``async for`` collector falls more than 1,024
# messages behind on a 10,000-message burst (bench/pages/bench_websocket.py).
_MESSAGE_CAPACITY = 65_536


class State(enum.Enum):
    """The ``readyState`` of a session."""

    CONNECTING = "connecting"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"

    def __str__(self) -> str:
        return self.value


# Frozen slotted dataclasses, written out (see pyfritz._record: a page defines
# them at start).
@record(frozen=True)
class OpenEvent(Record):
    """The session opened; ``protocol`` is the sub-protocol the server chose ("" if none)."""

    __slots__ = ("protocol",)
    protocol: str

    def __init__(self, protocol: str) -> None:
        object.__setattr__(self, "protocol", protocol)


@record(frozen=True)
class CloseEvent(Record):
    """The session closed: the close ``code``, ``reason`` and whether it was clean."""

    __slots__ = ("code", "reason", "was_clean")
    code: int
    reason: str
    was_clean: bool

    def __init__(self, code: int, reason: str, was_clean: bool) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "reason", reason)
        object.__setattr__(self, "was_clean", was_clean)


@record(frozen=True)
class MessageEvent(Record):
    """One received frame; ``data`` is a ``str`` (text) or a JS ``ArrayBuffer`` (binary).

    The other views convert on demand: ``body`` (``str``, UTF-8 for binary),
    ``bytes`` (UTF-8 for text), ``array_buffer`` and ``blob`` (JS objects).
    """

    __slots__ = ("data",)
    data: Any

    def __init__(self, data: Any) -> None:
        object.__setattr__(self, "data", data)

    @property
    def is_text(self) -> bool:
        """Whether this was a text frame."""
        return isinstance(self.data, str)

    @property
    def body(self) -> str:
        """The frame as text (a binary frame is decoded as UTF-8).

        Raises:
            UnicodeDecodeError: a binary frame is not valid UTF-8.
        """
        data = self.data
        return data if isinstance(data, str) else _js.to_bytes(data).decode("utf-8")

    @property
    def bytes(self) -> bytes:
        """The frame as ``bytes`` (a text frame is encoded as UTF-8)."""
        data = self.data
        return data.encode("utf-8") if isinstance(data, str) else _js.to_bytes(data)

    @property
    def array_buffer(self) -> Any:
        """The frame as a JS ``ArrayBuffer``."""
        data = self.data
        return _js.to_array_buffer(data.encode("utf-8")) if isinstance(data, str) else data

    @property
    def blob(self) -> Any:
        """The frame as a JS ``Blob``."""
        return _js.new_blob(self.data)


class Messages(SharedFlow[MessageEvent]):
    """The flow of a session's :class:`MessageEvent` s, with projections.

    Each collector sees every message received after it subscribed; messages
    received before the first collector (up to the socket's capacity) are
    handed to that first collector. ``async for`` ends quietly when the
    session closes normally and raises
    :class:`~pyfritz.errors.ConnectionClosed` when it closed abnormally.

    Example::

        session.messages.body.on_each(show).watch()
        async for event in session.messages:
            print(event.bytes)
    """

    @property
    def data(self) -> Flow[Any]:
        """The raw ``data`` of each message (``str`` or JS ``ArrayBuffer``)."""
        return _CallOp(self, _data, _DataStage, "map")

    @property
    def body(self) -> Flow[str]:
        """Each message as text."""
        return _CallOp(self, _body, _BodyStage, "map")

    @property
    def bytes(self) -> Flow[bytes]:
        """Each message as ``bytes``."""
        return self.map(_bytes)

    @property
    def array_buffer(self) -> Flow[Any]:
        """Each message as a JS ``ArrayBuffer``."""
        return self.map(_array_buffer)

    @property
    def blob(self) -> Flow[Any]:
        """Each message as a JS ``Blob``."""
        return self.map(_blob)


def _getter(name: str) -> Callable[[MessageEvent], Any]:
    # A property's own getter: no extra Python frame per message and projection.
    getter: Callable[[MessageEvent], Any] = vars(MessageEvent)[name].fget
    return getter


# The projections' callables (the push is the hot path).
_data: Callable[[MessageEvent], Any] = attrgetter("data")
_body = _getter("body")
_bytes = _getter("bytes")
_array_buffer = _getter("array_buffer")
_blob = _getter("blob")


class _DataStage(_MapStage[MessageEvent, Any]):
    """``messages.data``'s stage; the source may hand it a message's data without an event.

    When every collector of a :class:`_MessageSource` is such a stage, the
    source calls :meth:`on_data` with the frame's data and makes no
    :class:`MessageEvent` (two C calls per message, dear in Pyodide). A stage
    whose next step is a sync ``on_each`` runs that step's callable itself
    (one Python frame less per message: the round trip's hot path).
    """

    def __init__(
        self, down: Sink[Any], fn: Callable[[MessageEvent], Any] | None, source: Any
    ) -> None:
        super().__init__(down, fn, source)
        # The on_each stage right after this one, if that is what follows.
        self._each: _EachStage[Any] | None = (
            down if type(down) is _EachStage and down._fn is not None else None
        )

    def on_next(self, value: MessageEvent) -> None:
        self.on_data(value.data)

    # Whether a binary frame's data goes on decoded as UTF-8 text (``body``).
    _text = False

    def on_data(self, data: Any) -> None:
        """Take one message's ``data`` (its :class:`MessageEvent` is not made)."""
        if self._done:
            return
        if self._text and type(data) is not str:
            try:
                data = _js.to_bytes(data).decode("utf-8")
            except Exception as exc:
                self._finish(exc)
                return
        each = self._each
        if each is None or each._queue is not None or each._done:
            if self._next is not None:
                self._next(data)
            return
        # each.on_next(data), inlined (see _Stage.on_next).
        try:
            result = each._fn(data)  # type: ignore[misc]  # not None: checked in __init__
        except Exception as exc:
            each._finish(exc)
            return
        if type(result) not in _PLAIN and _awaitable_slow(result):
            each._suspend(data, result)
        elif each._next is not None:
            each._next(data)


class _BodyStage(_DataStage):
    """``messages.body``'s stage: a text frame's data goes on as it is, a binary one decoded."""

    _text = True


# A MessageEvent made without its __init__ (one Python frame per message
# less): the slot's own setter, which a frozen record's __setattr__ does not
# guard.
_new_event = object.__new__
_set_data = vars(MessageEvent)["data"].__set__


class _MessageSource(Messages, MutableSharedFlow[MessageEvent]):
    """Adds the backlog kept until the first collector arrives."""

    def __init__(self, *, capacity: int) -> None:
        super().__init__(capacity=capacity)
        self._backlog: deque[MessageEvent] | None = deque()
        self._backlog_overflowed = False
        # The sinks tuple when every sink is a projection's stage (they take
        # a message's data, no MessageEvent is made), else None; compared by
        # identity on the hot path, so a changed tuple never passes.
        self._data_sinks: tuple[Sink[MessageEvent], ...] | None = None

    def _subscribe(self, sink: Sink[MessageEvent]) -> Callable[[], None] | None:
        backlog, self._backlog = self._backlog, None
        if backlog:
            for event in backlog:
                self._send(sink, event)
        unsubscribe = super()._subscribe(sink)
        self._note_sinks()
        return unsubscribe

    def _unsubscribe(self, sink: Sink[MessageEvent]) -> None:
        super()._unsubscribe(sink)
        self._note_sinks()

    def _note_sinks(self) -> None:
        sinks = self._sinks
        data_only = sinks and all(isinstance(sink, _DataStage) for sink in sinks)
        self._data_sinks = sinks if data_only else None

    def _push_data(self, data: Any) -> None:
        """``_push`` of one message to sinks that all take its data (``_data_sinks``).

        Only when nothing is being delivered (``_pending is None``); what is
        emitted meanwhile (a nested message, the close) is delivered after it, in order.
        """
        pending = self._spare
        if pending is None:
            pending = self._spare = deque()
        self._pending = pending
        try:
            for sink in self._sinks:
                try:
                    sink.on_data(data)  # type: ignore[attr-defined]  # a _DataStage
                except Exception as exc:  # a broken sink must not break the emitter
                    self._unsubscribe(sink)
                    report(exc, f"a subscriber of {self!r} failed")
        except BaseException:
            pending.clear()
            self._pending = None
            raise
        self._pending = None
        if pending:
            kind, item = pending.popleft()
            self._push(kind, item)  # delivers the rest of the queue (the same deque) too

    def _receive(self, data: Any) -> None:
        """Emit one message's ``data`` as a :class:`MessageEvent` (the session's hot path)."""
        if self._backlog is None and self._end is _UNSET:
            if self._sinks is self._data_sinks and self._pending is None:
                self._push_data(data)
            elif self._sinks:  # emit_nowait, inlined: once per message
                event = _new_event(MessageEvent)
                _set_data(event, data)
                self._push(_NEXT, event)
        else:
            self.emit_nowait(MessageEvent(data))

    def _receive_all(self, items: list[Any]) -> None:
        """:meth:`_receive` each of a burst's ``data``, in order."""
        push, push_data = self._push, self._push_data
        for data in items:
            if self._backlog is None and self._end is _UNSET and self._sinks:
                # _receive, inlined: once per message
                if self._sinks is self._data_sinks and self._pending is None:
                    push_data(data)
                else:
                    event = _new_event(MessageEvent)
                    _set_data(event, data)
                    push(_NEXT, event)
            else:
                self._receive(data)

    def emit_nowait(self, value: MessageEvent) -> None:
        backlog = self._backlog
        if backlog is None:
            super().emit_nowait(value)
        elif len(backlog) < self._capacity:
            backlog.append(value)
        elif not self._backlog_overflowed:
            self._backlog_overflowed = True
            report(
                BufferOverflowError(self._capacity),
                "session.messages: too many messages before the first collector; "
                "later ones are dropped until one subscribes",
            )

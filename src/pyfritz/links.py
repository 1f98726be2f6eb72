"""What a reconnecting session builds on: the protocols of one connection and a
clock, the session's :class:`ReconnectState`, and the link that holds one connection.

:class:`SessionLike` is what :class:`pyfritz.reconnect.ReconnectingSession`
needs of :class:`pyfritz.websocket.Session`; :class:`Clock` is what it needs of
asyncio's event loop (the default). Unit tests fake both. The private helpers
(checks of a close code and of sendable data, a sink of plain functions, the
link) are shared by the session only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar

from ._generic import Generic, Protocol
from ._record import Record, record
from .operators import Flow

__all__ = ["Clock", "CloseLike", "ReconnectState", "SessionLike", "Timer"]

_MAX_REASON_BYTES = 123

M = TypeVar("M")  # a message
E = TypeVar("E")  # an open event
T = TypeVar("T")

_Kind = Literal["connecting", "open", "reconnecting", "closing", "closed"]


class Timer(Protocol):
    """A scheduled call that can be cancelled (``asyncio.TimerHandle`` is one)."""

    def cancel(self) -> object:
        """Do not make the call."""


class Clock(Protocol):
    """Time and timers; an asyncio event loop is one (Pyodide's uses ``setTimeout``)."""

    def time(self) -> float:
        """Monotonic seconds."""

    def call_later(self, delay: float, callback: Callable[[], object], /) -> Timer:
        """Call ``callback()`` after ``delay`` seconds."""


class CloseLike(Protocol):
    """A close event: :class:`pyfritz.websocket.CloseEvent` is one."""

    @property
    def code(self) -> int:
        """The close code."""

    @property
    def reason(self) -> str:
        """The close reason."""

    @property
    def was_clean(self) -> bool:
        """Whether the closing handshake completed."""


# A close event. The bound is the class, not its name: typing compiles a
# string bound when the TypeVar is made, at each page load (issue 13).
C = TypeVar("C", bound=CloseLike)


class SessionLike(Protocol[M, E, C]):
    """What :class:`ReconnectingSession` needs of one connection; ``websocket.Session`` is one.

    ``messages``, ``opens`` and ``closes`` must be push flows (shared flows):
    they are subscribed with a sink, and ``closes`` emits one event, then completes.
    """

    @property
    def url(self) -> str:
        """Where it connects."""

    @property
    def messages(self) -> Flow[M]:
        """Received messages."""

    @property
    def opens(self) -> Flow[E]:
        """Emits once when the connection opens."""

    @property
    def closes(self) -> Flow[C]:
        """Emits the close event once, then completes."""

    def send_nowait(self, data: object) -> None:
        """Send ``data`` on an open connection."""

    def close(self, code: int = 1000, reason: str = "") -> Awaitable[None]:
        """Close the connection (also while connecting)."""


# A frozen slotted dataclass, written out (see pyfritz._record: a page
# defines it at start).
@record(frozen=True)
class ReconnectState(Record):
    """The state of a :class:`ReconnectingSession`; ``str()`` gives ``kind``.

    ``kind`` is ``"connecting"`` (the first connection), ``"open"``,
    ``"reconnecting"`` (from the moment a connection is lost until the next one
    opens), ``"closing"`` (after :meth:`ReconnectingSession.close`) or
    ``"closed"`` (for good). While reconnecting, ``attempt`` counts the retries
    since the last stable connection (1 for the first) and ``delay`` is the wait
    before this one in seconds (0.0 after ``retry_now()``).

    Example::

        session.state.map(lambda s: f"retry {s.attempt} in {s.delay:.1f}s"
                          if s.kind == "reconnecting" else str(s)).handled_by(show)
    """

    __slots__ = ("attempt", "delay", "kind")
    kind: _Kind
    attempt: int
    delay: float

    def __init__(self, kind: _Kind, attempt: int = 0, delay: float = 0.0) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "attempt", attempt)
        object.__setattr__(self, "delay", delay)

    def __str__(self) -> str:
        return self.kind


def _loop() -> asyncio.AbstractEventLoop:
    # Pyodide's WebLoop is the current loop even inside a sync JS callback.
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop()


def _check_close(code: int, reason: str) -> None:
    # The browser's close() accepts only these (WHATWG WebSockets, close()).
    if isinstance(code, bool) or not isinstance(code, int):
        raise TypeError(f"close code must be an int, got {type(code).__name__}")
    if code != 1000 and not 3000 <= code <= 4999:
        raise ValueError(f"close code must be 1000 or in 3000-4999, got {code}")
    if not isinstance(reason, str):
        raise TypeError(f"close reason must be a str, got {type(reason).__name__}")
    size = len(reason.encode("utf-8"))
    if size > _MAX_REASON_BYTES:
        raise ValueError(f"close reason must be at most 123 UTF-8 bytes, got {size}")


_NOT_SENDABLE = (int, float, complex, dict, list, tuple, set, frozenset, type(None))


def _queueable(data: object) -> object:
    # JS binary objects can only be recognised by the edge; the obvious
    # mistakes are refused here, at the call, rather than at the flush.
    if isinstance(data, bytearray | memoryview):
        return bytes(data)  # the caller may reuse its buffer before the flush
    if isinstance(data, _NOT_SENDABLE):
        raise TypeError(
            f"cannot send {type(data).__name__}: expected str, bytes-like, "
            "or a JS Blob, ArrayBuffer or typed array"
        )
    return data


class _Sink(Generic[T]):
    """A push sink that calls plain functions (see ``pyfritz.flows.Sink``)."""

    __slots__ = ("_on_end", "on_next")

    def __init__(self, on_next: Callable[[T], None], on_end: Callable[[], None] | None) -> None:
        self.on_next = on_next
        self._on_end = on_end

    def on_error(self, exc: BaseException) -> None:
        self.on_complete()

    def on_complete(self) -> None:
        if self._on_end is not None:
            self._on_end()


def _subscribe(source: Flow[T], sink: _Sink[T]) -> Callable[[], None]:
    unsubscribe = source._subscribe(sink)
    if unsubscribe is None:
        raise TypeError(f"{source!r} is pull-only; a session's flows must be shared flows")
    return unsubscribe


class _Link(Generic[M, E, C]):
    """One underlying connection and what the session hangs on it."""

    __slots__ = ("closed", "heard", "opened_at", "session", "timer", "unsubscribes")

    def __init__(self, session: SessionLike[M, E, C]) -> None:
        self.session = session
        self.opened_at: float | None = None
        self.heard = False  # a message arrived since the last ping
        self.closed = False
        self.timer: Timer | None = None  # the connect timeout, then the heartbeat's
        self.unsubscribes: list[Callable[[], None]] = []

    def cancel_timer(self) -> None:
        timer, self.timer = self.timer, None
        if timer is not None:
            timer.cancel()

    def detach(self, keep: int = 0) -> None:
        """Cancel the timer and unsubscribe all but the first ``keep`` subscriptions."""
        self.cancel_timer()
        while len(self.unsubscribes) > keep:
            self.unsubscribes.pop()()

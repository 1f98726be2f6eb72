"""Sessions that survive the network: a :class:`Reconnect` policy, its :class:`Backoff`
schedule, and a :class:`ReconnectingSession` that keeps one identity across connections.

Example::

    session = ReconnectingSession(lambda: Session(socket), Reconnect(max_retries=20))
    session.state.map(str).handled_by(show_status)  # connecting, open, reconnecting, ...
    session.messages.handled_by(handle)             # one flow across every reconnect
    session.send_nowait("hello")                    # queued while disconnected

This is pure core (no ``js``): it drives the browser edge through two small
protocols, :class:`SessionLike` (what it needs of :class:`pyfritz.websocket.Session`)
and :class:`Clock` (``call_later`` and ``time``; asyncio's event loop is one,
and is the default). Unit tests drive it with a fake clock and fake sessions.
The edge feeds it the browser's ``online`` and "tab became visible" events as
``wakeups`` flows, each of which calls :meth:`ReconnectingSession.retry_now`.

Why these rules (the usual ones of robust WebSocket clients):

* Exponential backoff with *full* jitter (``uniform(0, min(cap, initial *
  factor**attempt))``) spreads the reconnects of many clients after a server
  restart instead of having them stampede in lock-step.
* The retry counter resets only after a connection stayed up ``stable_after``
  seconds, so a server that accepts and then drops at once still backs off.
* A connection still connecting after ``connect_timeout`` is given up on,
  and an app-level heartbeat finds half-open connections, which TCP alone may
  not notice for minutes.

Errors: :class:`ReconnectFailed` (a :class:`~pyfritz.errors.ConnectionException`:
gave up after ``max_retries``), :class:`~pyfritz.errors.ConnectionClosed` (the
server closed with a do-not-retry code), :class:`~pyfritz.errors.SendException`
(a send after ``close()``, or with the send queue full). Bad options raise
``ValueError``/``TypeError``.
"""

from __future__ import annotations

import asyncio
import json
import math
import random as _random
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Literal, Protocol, Self, TypeVar

from .errors import ConnectionClosed, ConnectionException, SendException, WebSocketError
from .flows import Flow, MutableSharedFlow, MutableStateFlow, SharedFlow, StateFlow, report

__all__ = [
    "DEFAULT_NO_RETRY_CODES",
    "Backoff",
    "Clock",
    "CloseLike",
    "Reconnect",
    "ReconnectFailed",
    "ReconnectState",
    "ReconnectingSession",
    "SessionLike",
    "Timer",
]

#: Close codes after which retrying cannot help (RFC 6455 section 7.4.1): 1002
#: protocol error and 1003 unsupported data (this client speaks something the
#: server will refuse again), 1008 policy violation (authentication, a refused
#: ``Origin`` or a ban). A browser sees a handshake refused before ``accept``
#: (HTTP 403) as 1006, which is retried: the page cannot tell it from an outage.
DEFAULT_NO_RETRY_CODES: frozenset[int] = frozenset({1002, 1003, 1008})

_MAX_REASON_BYTES = 123

M = TypeVar("M")  # a message
E = TypeVar("E")  # an open event
C = TypeVar("C", bound="CloseLike")  # a close event
T = TypeVar("T")

_Kind = Literal["connecting", "open", "reconnecting", "closing", "closed"]


# --------------------------------------------------------------------------
# The policy and its schedule.


def _number(name: str, value: object, minimum: float, *, strict: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"Reconnect.{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or value < minimum or (strict and value == minimum):
        raise ValueError(
            f"Reconnect.{name} must be {'>' if strict else '>='} {minimum}, got {value}"
        )


def _count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Reconnect.{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"Reconnect.{name} must be >= 0, got {value}")


@dataclass(frozen=True)
class Reconnect:
    """How a :class:`ReconnectingSession` reconnects; immutable, validated on creation.

    Args:
        initial: the first retry waits up to this many seconds.
        factor: each further retry may wait this many times longer.
        cap: no retry waits longer than this.
        max_retries: give up after this many retries in a row; ``None`` never gives up.
        connect_timeout: a connection still connecting after this is given up on
            and counts as a failed attempt.
        stable_after: the retry counter resets only after a connection stayed
            open this long.
        no_retry_codes: close codes that end the session instead of a retry
            (a ``set`` or ``tuple`` is accepted too); see :data:`DEFAULT_NO_RETRY_CODES`.
        jitter: ``"full"`` waits a uniform random time up to the schedule's
            ceiling; ``"none"`` waits the ceiling itself (predictable, for tests
            and single clients).
        max_queued: how many frames sent while disconnected may wait for the
            connection; one more raises ``SendException``. ``0`` queues none.
        heartbeat: ``(interval, timeout)`` in seconds, or ``None`` for no
            heartbeat: every ``interval`` send ``{"op":"ping","t":...}`` and
            give the connection up (and reconnect) when nothing at all arrives
            within ``timeout``. Needs ``0 < timeout <= interval`` and a server
            that answers pings (the bundled sync server does, with ``pong``).

    Raises:
        ValueError: a value is out of range.
        TypeError: a value has the wrong type.

    Example::

        policy = Reconnect(max_retries=10, heartbeat=(20.0, 5.0))
    """

    initial: float = 0.25
    factor: float = 2.0
    cap: float = 10.0
    max_retries: int | None = None
    connect_timeout: float = 10.0
    stable_after: float = 5.0
    no_retry_codes: frozenset[int] = DEFAULT_NO_RETRY_CODES
    jitter: Literal["full", "none"] = "full"
    max_queued: int = 1000
    heartbeat: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        _number("initial", self.initial, 0, strict=True)
        _number("factor", self.factor, 1)
        _number("cap", self.cap, self.initial)
        if self.max_retries is not None:
            _count("max_retries", self.max_retries)
        _number("connect_timeout", self.connect_timeout, 0, strict=True)
        _number("stable_after", self.stable_after, 0)
        codes: object = self.no_retry_codes
        if isinstance(codes, set | tuple | list):
            codes = frozenset(codes)
            object.__setattr__(self, "no_retry_codes", codes)
        if not isinstance(codes, frozenset):
            raise TypeError(f"Reconnect.no_retry_codes must be a frozenset, got {codes!r}")
        for code in codes:
            if isinstance(code, bool) or not isinstance(code, int) or not 1000 <= code <= 4999:
                raise ValueError(f"Reconnect.no_retry_codes: {code!r} is not a close code")
        if self.jitter not in ("full", "none"):
            raise ValueError(f"Reconnect.jitter must be 'full' or 'none', got {self.jitter!r}")
        _count("max_queued", self.max_queued)
        if self.heartbeat is not None:
            if not isinstance(self.heartbeat, tuple) or len(self.heartbeat) != 2:
                raise TypeError("Reconnect.heartbeat must be an (interval, timeout) tuple or None")
            interval, timeout = self.heartbeat
            _number("heartbeat interval", interval, 0, strict=True)
            _number("heartbeat timeout", timeout, 0, strict=True)
            if timeout > interval:
                raise ValueError(
                    f"Reconnect.heartbeat timeout ({timeout}) must not exceed its "
                    f"interval ({interval})"
                )


class Backoff:
    """The retry schedule of a :class:`Reconnect` policy, with its retry counter.

    Pure arithmetic; the randomness comes in as a ``random`` callable returning
    a float in ``[0, 1)`` (``random.random`` by default), so tests pin it.

    Example::

        backoff = Backoff(Reconnect(initial=1.0, cap=8.0))
        assert [backoff.ceiling(n) for n in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
        delay = backoff.retry()    # 0 <= delay < 1.0, and backoff.attempt == 1
    """

    def __init__(self, policy: Reconnect | None = None) -> None:
        self._policy = policy if policy is not None else Reconnect()
        self._attempt = 0

    def __repr__(self) -> str:
        return f"<Backoff attempt={self._attempt}>"

    @property
    def policy(self) -> Reconnect:
        """The policy this schedule follows."""
        return self._policy

    @property
    def attempt(self) -> int:
        """How many retries were counted since the last :meth:`reset`."""
        return self._attempt

    def ceiling(self, attempt: int) -> float:
        """The longest wait before retry number ``attempt`` (0-based).

        That is ``min(cap, initial * factor**attempt)``.

        Raises:
            ValueError: ``attempt`` is negative.
        """
        if attempt < 0:
            raise ValueError(f"attempt must be >= 0, got {attempt}")
        policy = self._policy
        try:
            return min(policy.cap, policy.initial * policy.factor**attempt)
        except OverflowError:  # factor**attempt beyond float range: long past the cap
            return policy.cap

    def next_delay(self, attempt: int, random: Callable[[], float] = _random.random) -> float:
        """The wait before retry number ``attempt`` (0-based), jittered by the policy.

        With full jitter this is ``ceiling(attempt) * random()``, which is
        ``uniform(0, ceiling(attempt))``. Does not count anything.
        """
        ceiling = self.ceiling(attempt)
        return ceiling * random() if self._policy.jitter == "full" else ceiling

    def should_retry(self, close_code: int | None = None) -> bool:
        """Whether to retry after a close with ``close_code``: not a no-retry code, retries left."""
        policy = self._policy
        if close_code is not None and close_code in policy.no_retry_codes:
            return False
        return policy.max_retries is None or self._attempt < policy.max_retries

    def retry(self, random: Callable[[], float] = _random.random) -> float:
        """Count one more retry and return how long to wait before it."""
        delay = self.next_delay(self._attempt, random)
        self._attempt += 1
        return delay

    def reset(self) -> None:
        """Start the schedule over (the connection proved stable)."""
        self._attempt = 0


# --------------------------------------------------------------------------
# What the session needs from its surroundings.


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


# --------------------------------------------------------------------------
# The session.


@dataclass(frozen=True, slots=True)
class ReconnectState:
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

    kind: _Kind
    attempt: int = 0
    delay: float = 0.0

    def __str__(self) -> str:
        return self.kind


class ReconnectFailed(ConnectionException):
    """The session gave up: ``max_retries`` retries in a row failed.

    ``retries`` is how many were made; ``last_code`` the close code of the last
    connection (``None`` if it was given up on by a timeout).
    """

    def __init__(self, url: str, retries: int, last_close: CloseLike | None) -> None:
        detail = f"gave up after {retries} {'retry' if retries == 1 else 'retries'}"
        if last_close is not None:
            detail += f" (last close code {last_close.code})"
        super().__init__(url, detail)
        self.retries = retries
        self.last_code = None if last_close is None else last_close.code


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
    if len(reason.encode("utf-8")) > _MAX_REASON_BYTES:
        raise ValueError("close reason must be at most 123 UTF-8 bytes")


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


class ReconnectingSession(Generic[M, E, C]):
    """A session that reconnects by itself and keeps one identity across connections.

    Connects at once by calling ``connect()``. ``messages`` continues across
    reconnects; ``state`` is a :class:`ReconnectState`; ``opens`` and
    ``closes`` report each underlying connection (the close of a connection
    given up on by a timeout or the heartbeat is reported when the browser
    reports it, which may be after the next one opened: watch ``state`` for
    connectivity). Sends while disconnected wait in a bounded queue and go out,
    in order, when the next connection opens, before any new send. Only
    :meth:`close`, a do-not-retry close code or ``max_retries`` end it; then
    every flow completes (``messages`` with the error, if any).

    Args:
        connect: makes a new underlying connection (e.g. ``lambda: Session(socket)``).
            An exception on the first call propagates; on a retry it ends the session.
        policy: the :class:`Reconnect` policy (defaults if ``None``).
        clock: timers and time; the current asyncio loop if ``None``.
        wakeups: flows whose every value calls :meth:`retry_now` (the browser's
            ``online`` event, the tab becoming visible); unsubscribed at the end.
        messages: the flow to forward messages into; a plain ``MutableSharedFlow``
            if ``None`` (the websocket edge passes one that keeps a backlog
            until the first collector).
        random: the jitter's source of floats in ``[0, 1)``.

    Per-attempt failures are not errors here: they show as ``closes`` events
    and the ``reconnecting`` state. ``errors`` carries only why the session
    ended (:class:`ReconnectFailed`, ``ConnectionClosed``, or the exception
    raised by ``connect`` on a retry).

    Example::

        session = ReconnectingSession(lambda: Session(socket), Reconnect(max_retries=20))
        session.messages.handled_by(show)
        session.send_nowait("hello")   # sent now, or after the reconnect
        await session.close()          # no reconnect after this
    """

    def __init__(
        self,
        connect: Callable[[], SessionLike[M, E, C]],
        policy: Reconnect | None = None,
        *,
        clock: Clock | None = None,
        wakeups: Iterable[Flow[Any]] = (),
        messages: MutableSharedFlow[M] | None = None,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self._connect = connect
        self._policy = policy = policy if policy is not None else Reconnect()
        self._backoff = Backoff(policy)
        self._clock: Clock = clock if clock is not None else _loop()
        self._random = random
        self._state = MutableStateFlow(ReconnectState("connecting"))
        self._messages: MutableSharedFlow[M] = (
            messages if messages is not None else MutableSharedFlow()
        )
        self._opens: MutableSharedFlow[E] = MutableSharedFlow()
        self._closes: MutableSharedFlow[C] = MutableSharedFlow()
        self._errors: MutableSharedFlow[WebSocketError] = MutableSharedFlow()
        self._is_open = self._state.map(lambda s: s.kind == "open").distinct()
        self._is_closed = self._state.map(lambda s: s.kind == "closed").distinct()
        self._is_connecting = self._state.map(
            lambda s: s.kind in ("connecting", "reconnecting")
        ).distinct()
        self._queue: deque[object] = deque()
        self._link: _Link[M, E, C] | None = None
        # Connections given up on whose close event is still to be reported.
        self._abandoned: set[_Link[M, E, C]] = set()
        self._retry_timer: Timer | None = None
        self._deliberate = False
        self._finished = False
        self._error: WebSocketError | None = None
        self._last_close: C | None = None
        self._open_waiters: list[asyncio.Future[bool]] = []
        self._close_waiters: list[asyncio.Future[C | None]] = []
        self._tasks: set[asyncio.Future[None]] = set()  # strong refs: asyncio keeps weak ones
        self._wakeups: list[Callable[[], None]] = []
        first = connect()
        self._url = first.url
        self._attach(first)

        def wake(_: object) -> None:
            self.retry_now()

        if not self._finished:
            self._wakeups = [_subscribe(flow, _Sink(wake, None)) for flow in wakeups]

    def __repr__(self) -> str:
        return f"<ReconnectingSession {self._url!r} {self._state.value}>"

    # -- what users read --------------------------------------------------
    @property
    def url(self) -> str:
        """The URL of the first connection."""
        return self._url

    @property
    def policy(self) -> Reconnect:
        """The reconnect policy."""
        return self._policy

    @property
    def messages(self) -> SharedFlow[M]:
        """Messages of every connection, in order; completes when the session ends."""
        return self._messages

    @property
    def state(self) -> StateFlow[ReconnectState]:
        """The :class:`ReconnectState`; ``state.value`` is the current one."""
        return self._state

    @property
    def is_open(self) -> Flow[bool]:
        """Whether a connection is open."""
        return self._is_open

    @property
    def is_connecting(self) -> Flow[bool]:
        """Whether the session is connecting or reconnecting."""
        return self._is_connecting

    @property
    def is_closed(self) -> Flow[bool]:
        """Whether the session ended for good."""
        return self._is_closed

    @property
    def opens(self) -> SharedFlow[E]:
        """The open event of each connection."""
        return self._opens

    @property
    def closes(self) -> SharedFlow[C]:
        """The close event of each connection (including failed attempts)."""
        return self._closes

    @property
    def errors(self) -> SharedFlow[WebSocketError]:
        """Why the session ended, if it was not :meth:`close`; emitted once."""
        return self._errors

    @property
    def queued(self) -> int:
        """How many frames wait for the next connection."""
        return len(self._queue)

    # -- sending, closing, retrying -------------------------------------------
    def send_nowait(self, data: object) -> None:
        """Send ``data`` now, or queue it for the next connection if there is none open.

        Queued frames go out in order as soon as a connection opens, before
        any new send. Usable from a sync collector or a JS callback.

        Raises:
            TypeError: ``data`` cannot be sent.
            SendException: the session is closing or closed, or the queue
                already holds ``policy.max_queued`` frames.

        Example::

            session.send_nowait('{"op":"hello"}')
        """
        kind = self._state.value.kind
        link = self._link
        if kind == "open" and link is not None:
            link.session.send_nowait(data)
        elif kind in ("closing", "closed"):
            raise SendException(kind)
        else:
            data = _queueable(data)
            limit = self._policy.max_queued
            if len(self._queue) >= limit:
                raise SendException(
                    kind, f"the send queue is full: {limit} frames wait for the connection"
                )
            self._queue.append(data)

    async def send(self, data: object) -> None:
        """Send ``data``, or queue it while disconnected; same as :meth:`send_nowait`.

        Returns once the frame was handed to a connection or queued: it never
        waits for a reconnect (a store handler awaiting it would stall offline).

        Example::

            await session.send("Hello")
        """
        self.send_nowait(data)

    def retry_now(self) -> bool:
        """Retry at once instead of waiting out the current backoff delay.

        For the browser's ``online`` event and a hidden tab becoming visible
        (pass those as ``wakeups``). Does nothing unless a retry is pending;
        the retry itself starts on the next turn of the event loop, outside
        the caller (a JS event listener). Returns whether a retry was pending.

        Example::

            window_online.handled_by(lambda _: session.retry_now())
        """
        timer = self._retry_timer
        if timer is None or self._finished or self._deliberate:
            return False
        timer.cancel()
        self._state.value = ReconnectState("reconnecting", self._backoff.attempt, 0.0)
        self._retry_timer = self._later(0.0, self._retry)
        return True

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close for good: no reconnect after this; waits until the session ended.

        An open connection is closed with ``code`` and ``reason`` and waited
        for (at most ``connect_timeout``); one still connecting is closed in
        the background and not waited for. Frames still queued are discarded.
        Closing an ended session does nothing.

        Raises:
            ValueError: ``code`` is not 1000 or in 3000-4999, or ``reason`` is
                longer than 123 UTF-8 bytes (as the browser's ``close()``).

        Example::

            await session.close(reason="finished")
        """
        _check_close(code, reason)
        if not self._finished and not self._deliberate:
            self._deliberate = True
            self._state.value = ReconnectState("closing")
            if self._retry_timer is not None:
                self._retry_timer.cancel()
                self._retry_timer = None
            link = self._link
            if link is None:
                self._finish(None, None)
            elif link.opened_at is None:
                # Still connecting: close it in the background instead of
                # waiting up to connect_timeout for it to open or fail.
                self._abandon(link, reason, code)
            else:
                link.cancel_timer()  # the heartbeat
                self._spawn(link.session.close(code, reason))
                # A half-open connection may never confirm the close: bound the wait.
                link.timer = self._later(
                    self._policy.connect_timeout, lambda: self._unconfirmed(link)
                )
        await self.wait_closed()

    async def wait_closed(self) -> C | None:
        """Wait until the session ended; return the last connection's close event."""
        if self._finished:
            return self._last_close
        waiter: asyncio.Future[C | None] = _loop().create_future()
        self._close_waiters.append(waiter)
        return await waiter

    async def __aenter__(self) -> Self:
        """Wait until a connection is open; raise why not if the session ends first."""
        if self._state.value.kind != "open" and not self._finished:
            waiter: asyncio.Future[bool] = _loop().create_future()
            self._open_waiters.append(waiter)
            await waiter
        if self._state.value.kind != "open":
            if self._error is not None:
                raise self._error
            raise ConnectionException(self._url, f"the session is {self._state.value}")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- one connection's life ---------------------------------------------------
    def _attach(self, session: SessionLike[M, E, C]) -> None:
        link: _Link[M, E, C] = _Link(session)
        self._link = link
        emit = self._messages.emit_nowait

        # The hot path: called inside the browser's message event; no task.
        def forward(message: M) -> None:
            link.heard = True
            emit(message)

        # The closes subscription comes first: abandoning a link keeps it.
        link.unsubscribes = [
            _subscribe(
                session.closes,
                _Sink(lambda e: self._on_close(link, e), lambda: self._on_close(link, None)),
            ),
            _subscribe(session.messages, _Sink(forward, None)),
            _subscribe(session.opens, _Sink(lambda e: self._on_open(link, e), None)),
        ]
        if not link.closed:
            link.timer = self._later(self._policy.connect_timeout, lambda: self._timed_out(link))

    def _on_open(self, link: _Link[M, E, C], event: E) -> None:
        if link is not self._link:
            return
        link.cancel_timer()
        link.opened_at = self._clock.time()
        if self._deliberate:
            return  # close() is closing it
        # Flush before the state says open, so that a collector of ``state``
        # that sends cannot overtake what was queued (websocket.Session does the same).
        queue = self._queue
        while queue:
            data = queue.popleft()
            try:
                link.session.send_nowait(data)
            except SendException:
                queue.appendleft(data)  # closed under us; the close event follows
                return
            except TypeError as exc:  # a JS object the edge could not send
                report(exc, f"{self!r}: a queued frame could not be sent")
        self._state.value = ReconnectState("open")
        heartbeat = self._policy.heartbeat
        if heartbeat is not None:
            link.timer = self._later(heartbeat[0], lambda: self._ping(link))
        self._resolve(self._open_waiters, True)
        self._opens.emit_nowait(event)

    def _on_close(self, link: _Link[M, E, C], event: C | None) -> None:
        if link.closed:
            return
        link.closed = True
        link.detach()
        if link is not self._link:  # given up on earlier; report its close now
            self._abandoned.discard(link)
            if event is not None and not self._finished:
                self._closes.emit_nowait(event)
            return
        self._link = None
        if event is not None:
            self._last_close = event
        self._lost(link, event)

    def _timed_out(self, link: _Link[M, E, C]) -> None:
        if link is self._link and link.opened_at is None:
            self._abandon(link, "connect timeout")

    def _ping(self, link: _Link[M, E, C]) -> None:
        heartbeat = self._policy.heartbeat
        if link is not self._link or heartbeat is None:
            return
        link.heard = False
        frame = json.dumps({"op": "ping", "t": round(self._clock.time(), 3)}, separators=(",", ":"))
        try:
            link.session.send_nowait(frame)
        except SendException:
            return  # closing already; its close event follows
        link.timer = self._later(heartbeat[1], lambda: self._check_pong(link))

    def _check_pong(self, link: _Link[M, E, C]) -> None:
        heartbeat = self._policy.heartbeat
        if link is not self._link or heartbeat is None:
            return
        if link.heard:  # a pong, or any other message: the connection lives
            link.timer = self._later(heartbeat[0] - heartbeat[1], lambda: self._ping(link))
        else:
            self._abandon(link, "no heartbeat")

    def _unconfirmed(self, link: _Link[M, E, C]) -> None:
        if link is self._link:
            self._abandon(link, "", close=False)  # close() asked already

    def _abandon(
        self, link: _Link[M, E, C], reason: str, code: int = 1000, *, close: bool = True
    ) -> None:
        """Give up on the current connection without waiting for the browser to agree."""
        self._link = None
        link.detach(keep=1)  # no more messages or opens from it; its close is still reported
        self._abandoned.add(link)
        if close:
            self._spawn(link.session.close(code, reason))
        self._lost(link, None)

    def _lost(self, link: _Link[M, E, C], event: C | None) -> None:
        """The current connection ended: retry, or end the session."""
        policy = self._policy
        backoff = self._backoff
        if link.opened_at is not None and (
            self._clock.time() - link.opened_at >= policy.stable_after
        ):
            backoff.reset()
        if self._deliberate:
            self._finish(None, event)
        elif event is not None and event.code in policy.no_retry_codes:
            closed = ConnectionClosed(event.code, event.reason, was_clean=event.was_clean)
            self._finish(closed, event)
        elif not backoff.should_retry():
            self._finish(ReconnectFailed(self._url, backoff.attempt, self._last_close), event)
        else:
            delay = backoff.retry(self._random)
            self._state.value = ReconnectState("reconnecting", backoff.attempt, delay)
            self._retry_timer = self._later(delay, self._retry)
            if event is not None:
                self._closes.emit_nowait(event)

    def _retry(self) -> None:
        self._retry_timer = None
        if self._finished or self._deliberate:
            return
        try:
            session = self._connect()
        except Exception as exc:
            if isinstance(exc, WebSocketError):
                self._finish(exc, None)
            else:
                error = ConnectionException(self._url, str(exc))
                error.__cause__ = exc
                self._finish(error, None)
            return
        self._attach(session)

    def _finish(self, error: WebSocketError | None, event: C | None) -> None:
        if self._finished:
            return
        self._finished = True
        self._error = error
        if self._retry_timer is not None:
            self._retry_timer.cancel()
            self._retry_timer = None
        wakeups, self._wakeups = self._wakeups, []
        for unsubscribe in wakeups:
            unsubscribe()
        abandoned, self._abandoned = self._abandoned, set()
        for link in abandoned:
            link.detach()
        self._queue.clear()
        self._state.value = ReconnectState("closed")
        if event is not None:
            self._closes.emit_nowait(event)
        if error is not None:
            self._errors.emit_nowait(error)
        for side in (self._opens, self._closes, self._errors):
            side.close()
        self._messages.close(error)
        self._resolve(self._open_waiters, False)
        self._resolve(self._close_waiters, self._last_close)

    # -- plumbing -------------------------------------------------------------------
    def _later(self, delay: float, fn: Callable[[], None]) -> Timer:
        def call() -> None:
            try:
                fn()
            except Exception as exc:  # a timer must not raise into the loop (or the page)
                report(exc, f"{self!r} timer")

        return self._clock.call_later(delay, call)

    def _spawn(self, closing: Awaitable[None]) -> None:
        task = asyncio.ensure_future(closing, loop=_loop())
        self._tasks.add(task)
        task.add_done_callback(self._spawned_done)

    def _spawned_done(self, task: asyncio.Future[None]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            report(exc, f"{self!r} closing a connection")

    @staticmethod
    def _resolve(waiters: list[asyncio.Future[Any]], result: Any) -> None:
        pending = list(waiters)
        waiters.clear()
        for waiter in pending:
            if not waiter.done():
                waiter.set_result(result)

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

The policy and its backoff schedule live in :mod:`pyfritz.retry` (why full
jitter, why a stable period, why timeouts), the protocols and the link in
:mod:`pyfritz.links`; both are re-exported here.

Errors: :class:`ReconnectFailed` (a :class:`~pyfritz.errors.ConnectionException`:
gave up after ``max_retries``), :class:`~pyfritz.errors.ConnectionClosed` (the
server closed with a do-not-retry code), :class:`~pyfritz.errors.SendException`
(a send after ``close()``, or with the send queue full). Bad options raise
``ValueError``/``TypeError``.
"""

from __future__ import annotations

import asyncio
import json
import random as _random
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import Any, Self, TypeVar

from ._generic import Generic
from .errors import ConnectionClosed, ConnectionException, SendException, WebSocketError
from .hot import MutableSharedFlow, MutableStateFlow, SharedFlow, StateFlow
from .links import (
    Clock,
    CloseLike,
    ReconnectState,
    SessionLike,
    Timer,
    _check_close,
    _Link,
    _loop,
    _queueable,
    _Sink,
    _subscribe,
)
from .operators import Flow
from .reporting import report
from .retry import DEFAULT_NO_RETRY_CODES, Backoff, Reconnect, ReconnectFailed
from .sinks import _NEXT, _UNSET

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

M = TypeVar("M")  # a message
E = TypeVar("E")  # an open event
C = TypeVar("C", bound=CloseLike)  # a close event


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
            until the first collector). While it has collectors and is open,
            messages are pushed to them directly; its ``emit_nowait`` is
            called only otherwise.
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
        # is_open / is_closed / is_connecting: made on first use (most pages
        # never read them; six operators less to make at start, issue 13).
        self._is_open: Flow[bool] | None = None
        self._is_closed: Flow[bool] | None = None
        self._is_connecting: Flow[bool] | None = None
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
        flow = self._is_open
        if flow is None:
            flow = self._is_open = self._state.map(lambda s: s.kind == "open").distinct()
        return flow

    @property
    def is_connecting(self) -> Flow[bool]:
        """Whether the session is connecting or reconnecting."""
        flow = self._is_connecting
        if flow is None:
            flow = self._is_connecting = self._state.map(
                lambda s: s.kind in ("connecting", "reconnecting")
            ).distinct()
        return flow

    @property
    def is_closed(self) -> Flow[bool]:
        """Whether the session ended for good."""
        flow = self._is_closed
        if flow is None:
            flow = self._is_closed = self._state.map(lambda s: s.kind == "closed").distinct()
        return flow

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
        kind = self._state._value.kind  # (not the property: one frame less per send)
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
        messages = self._messages
        emit, push = messages.emit_nowait, messages._push

        # The hot path: called inside the browser's message event; no task.
        def forward(message: M) -> None:
            link.heard = True
            if messages._sinks and messages._end is _UNSET:
                push(_NEXT, message)  # emit_nowait, inlined: once per message
            else:
                emit(message)  # no collector yet (a backlog may keep it), or closed

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

"""The browser's WebSocket as flows: ``websocket(url).connect()`` gives a :class:`Session`.

Example::

    socket = websocket("/ws", "proto-a")
    session = socket.connect()
    session.messages.body.on_each(lambda text: print("Server said:", text)).watch()
    await session.send("Hello")
    await session.close(reason="finished")

``socket.connect(reconnect=True)`` (or a :class:`~pyfritz.reconnect.Reconnect`
policy) gives a :class:`ReconnectingWebSocket` instead: one session that
survives the network (:mod:`pyfritz.reconnect`), retried at once when the
browser comes back online or the tab becomes visible again.

Design notes (DESIGN.md section 5):

* One ``create_proxy`` per handler per session (``onopen``, ``onmessage``,
  ``onclose``, ``onerror``), never per message; all are detached and
  destroyed when the session closes. :func:`live_proxies` counts the ones
  alive.
* ``onmessage`` is a small JS function (:func:`pyfritz._js.hold_messages`)
  that passes ``event.data`` only (no event object crosses): the first
  message of a turn at once, the messages that arrive before the next task
  as one batch, so a burst enters Python once per batch, not per message.
  Each is pushed synchronously into :attr:`Session.messages`, in order, so
  sync collectors run inside that call.
* ``binaryType`` is ``"arraybuffer"``: a binary frame arrives as a JS
  ``ArrayBuffer`` and is converted only when a projection asks for it.

Errors: :class:`~pyfritz.errors.ConnectionException` (bad URL, failed open),
:class:`~pyfritz.errors.SendException` (send when closing or closed),
:class:`~pyfritz.errors.ConnectionClosed` (``async for`` over the messages of a
session that closed abnormally). Misuse raises ``TypeError``/``ValueError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, overload
from urllib.parse import quote

from . import (
    _js,
    _wakeup,  # noqa: F401  # async for wakes from a microtask in the browser
)
from . import sync as _sync  # noqa: F401  # a socket is for syncing: installs RootStore.sync_with
from .errors import (
    BufferOverflowError,
    ConnectionClosed,
    ConnectionException,
    SendException,
    WebSocketError,
)
from .events import DomEvents, Listeners
from .flows import (
    Flow,
    MutableSharedFlow,
    MutableStateFlow,
    SharedFlow,
    Sink,
    StateFlow,
    report,
)
from .links import _check_close
from .reconnect import Clock, Reconnect, ReconnectingSession
from .urls import websocket_url

__all__ = [
    "CloseEvent",
    "MessageEvent",
    "Messages",
    "OpenEvent",
    "ReconnectingWebSocket",
    "Session",
    "Socket",
    "State",
    "live_proxies",
    "websocket",
]

# Close codes that end ``async for`` quietly although the server chose them
# (RFC 6455 7.4.1: normal closure, going away, no status received).
_NORMAL_CODES = frozenset({1000, 1001, 1005})
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


@dataclass(frozen=True, slots=True)
class OpenEvent:
    """The session opened; ``protocol`` is the sub-protocol the server chose ("" if none)."""

    protocol: str


@dataclass(frozen=True, slots=True)
class CloseEvent:
    """The session closed: the close ``code``, ``reason`` and whether it was clean."""

    code: int
    reason: str
    was_clean: bool


@dataclass(frozen=True, slots=True)
class MessageEvent:
    """One received frame; ``data`` is a ``str`` (text) or a JS ``ArrayBuffer`` (binary).

    The other views convert on demand: ``body`` (``str``, UTF-8 for binary),
    ``bytes`` (UTF-8 for text), ``array_buffer`` and ``blob`` (JS objects).
    """

    data: Any

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
        return self.map(_data)

    @property
    def body(self) -> Flow[str]:
        """Each message as text."""
        return self.map(_body)

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


def _data(event: MessageEvent) -> Any:
    return event.data


def _body(event: MessageEvent) -> str:
    return event.body


def _bytes(event: MessageEvent) -> bytes:
    return event.bytes


def _array_buffer(event: MessageEvent) -> Any:
    return event.array_buffer


def _blob(event: MessageEvent) -> Any:
    return event.blob


class _MessageSource(Messages, MutableSharedFlow[MessageEvent]):
    """Adds the backlog kept until the first collector arrives."""

    def __init__(self, *, capacity: int) -> None:
        super().__init__(capacity=capacity)
        self._backlog: deque[MessageEvent] | None = deque()
        self._backlog_overflowed = False

    def _subscribe(self, sink: Sink[MessageEvent]) -> Callable[[], None] | None:
        backlog, self._backlog = self._backlog, None
        if backlog:
            for event in backlog:
                self._send(sink, event)
        return super()._subscribe(sink)

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


def _encode(data: object) -> Any:
    if isinstance(data, str):
        return data
    if isinstance(data, bytes | bytearray | memoryview):
        return _js.to_uint8array(data)
    if _js.binary_kind(data) is not None:
        return data
    raise TypeError(
        f"cannot send {type(data).__name__}: expected str, bytes, bytearray, memoryview, "
        "or a JS Blob, ArrayBuffer or typed array"
    )


def _absolute(url: str) -> str:
    # "/sync" or an http(s) URL: resolved against the page (pyfritz.urls).
    return url if url.startswith(("ws://", "wss://")) else websocket_url(url, _js.page_url())


def _destroy_all(proxies: tuple[Any, ...]) -> None:
    for proxy in proxies:
        _js.destroy_proxy(proxy)


def live_proxies() -> int:
    """How many JS proxies pyfritz's browser edge holds right now (for leak checks).

    Example::

        await session.close()
        assert live_proxies() == 0
    """
    return _js.live_proxies()


class Session:
    """One browser WebSocket connection; made by :meth:`Socket.connect`.

    Example::

        async with websocket("/ws").connect() as session:
            await session.send("ping")
            print(await session.messages.body.first())
    """

    def __init__(self, socket: Socket) -> None:
        self._url = socket.url
        self._state = MutableStateFlow(State.CONNECTING)
        self._messages = _MessageSource(capacity=socket.capacity)
        self._opens: MutableSharedFlow[OpenEvent] = MutableSharedFlow()
        self._closes: MutableSharedFlow[CloseEvent] = MutableSharedFlow()
        self._errors: MutableSharedFlow[WebSocketError] = MutableSharedFlow()
        self._is_connecting = self._state.map(lambda s: s is State.CONNECTING).distinct()
        self._is_open = self._state.map(lambda s: s is State.OPEN).distinct()
        self._is_closed = self._state.map(lambda s: s is State.CLOSED).distinct()
        self._protocol = ""
        self._close_event: CloseEvent | None = None
        self._closed_by_client = False
        # Sends made while connecting, sent in order by the open event.
        self._outbox: deque[tuple[Any, asyncio.Future[None] | None]] = deque()
        self._open_waiters: list[asyncio.Future[bool]] = []
        self._close_waiters: list[asyncio.Future[CloseEvent]] = []
        # Whether something was sent and no message has arrived since; close() lingers then.
        self._unanswered = False
        self._reply_waiter: asyncio.Future[None] | None = None
        try:
            ws = _js.new_websocket(_absolute(socket.connect_url()), socket.protocols)
        except Exception as exc:
            raise ConnectionException(socket.url, str(exc)) from exc
        ws.binaryType = "arraybuffer"
        self._ws = ws
        self._proxies: tuple[Any, ...] = (
            _js.create_proxy(self._on_open),
            _js.create_proxy(self._on_message),
            _js.create_proxy(self._on_close),
            _js.create_proxy(self._on_error),
        )
        on_open, on_message, on_close, on_error = self._proxies
        ws.onopen = on_open
        self._unhold = _js.hold_messages(ws, on_message, on_close, on_error)

    def __repr__(self) -> str:
        return f"<Session {self._url!r} {self._state.value}>"

    # -- what users read --------------------------------------------------
    @property
    def url(self) -> str:
        """The URL this session connected to."""
        return self._url

    @property
    def protocol(self) -> str:
        """The sub-protocol the server chose; ``""`` before open or if none."""
        return self._protocol

    @property
    def messages(self) -> Messages:
        """Received messages; see :class:`Messages`."""
        return self._messages

    @property
    def state(self) -> StateFlow[State]:
        """The session's :class:`State`; ``state.value`` is the current one."""
        return self._state

    @property
    def is_connecting(self) -> Flow[bool]:
        """Whether the session is still connecting."""
        return self._is_connecting

    @property
    def is_open(self) -> Flow[bool]:
        """Whether the session is open."""
        return self._is_open

    @property
    def is_closed(self) -> Flow[bool]:
        """Whether the session is closed."""
        return self._is_closed

    @property
    def opens(self) -> SharedFlow[OpenEvent]:
        """Emits once when the session opens; completes when it closes."""
        return self._opens

    @property
    def closes(self) -> SharedFlow[CloseEvent]:
        """Emits the :class:`CloseEvent` once, then completes."""
        return self._closes

    @property
    def errors(self) -> SharedFlow[WebSocketError]:
        """Errors the browser reported (a failed open is a ``ConnectionException``)."""
        return self._errors

    @property
    def close_event(self) -> CloseEvent | None:
        """How the session closed, or ``None`` while it has not."""
        return self._close_event

    # -- sending and closing ----------------------------------------------
    def send_nowait(self, data: object) -> None:
        """Send ``data`` now; while connecting, queue it to go out on open (in order).

        Usable from a sync collector or a JS callback.

        Raises:
            TypeError: ``data`` is not str, bytes-like, or a JS Blob/ArrayBuffer/typed array.
            SendException: the session is closing or closed.
        """
        payload = _encode(data)
        state = self._state.value
        if state is State.OPEN:
            self._ws.send(payload)
            self._unanswered = True
        elif state is State.CONNECTING:
            self._outbox.append((payload, None))
        else:
            raise SendException(state.value)

    async def send(self, data: object) -> None:
        """Send ``data`` (``str``, bytes-like, or a JS ``Blob``/``ArrayBuffer``/typed array).

        While connecting, wait for the open event (no polling).

        Raises:
            TypeError: ``data`` is not one of the types above.
            SendException: the session is closing or closed, or failed to open.

        Example::

            await session.send("Hello")
            await session.send(b"\\x00\\x01")
        """
        payload = _encode(data)
        state = self._state.value
        if state is State.OPEN:
            self._ws.send(payload)
            self._unanswered = True
        elif state is State.CONNECTING:
            sent: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._outbox.append((payload, sent))
            await sent
        else:
            raise SendException(state.value)

    async def close(self, code: int = 1000, reason: str = "", *, linger: float = 0.1) -> None:
        """Close the session and wait until the close completes.

        While connecting, waits for the open first (closing a connecting
        WebSocket is an error in the browser's console). Closing a closed
        session does nothing.

        The browser drops every message that arrives once ``close()`` has
        begun (WHATWG WebSockets: a message is delivered only while the
        socket is OPEN), so ``send("Hello")`` right before ``close()`` would
        never show the reply. Hence, when something was sent and no message
        has arrived since, ``close()`` first waits up to ``linger`` seconds
        for the next message. ``linger=0`` closes at once.

        Args:
            code: 1000 or 3000-4999.
            reason: at most 123 UTF-8 bytes.
            linger: how long to wait for a reply to the last send (seconds).

        Raises:
            ValueError: ``code`` is not 1000 or in 3000-4999, or ``reason``
                is longer than 123 UTF-8 bytes (as the browser's ``close()``).

        Example::

            await session.send("Hello")
            await session.close(reason="finished")   # the reply is still shown
        """
        _check_close(code, reason)
        if self._state.value is State.CONNECTING:
            await self._wait_open()
        if self._state.value is State.OPEN and self._unanswered and linger > 0:
            await self._wait_reply(linger)
        if self._state.value is State.OPEN:
            self._closed_by_client = True
            self._state.value = State.CLOSING
            self._ws.close(code, reason)
        await self.wait_closed()

    async def wait_closed(self) -> CloseEvent:
        """Wait until the session is closed and return how it closed."""
        if self._close_event is not None:
            return self._close_event
        waiter: asyncio.Future[CloseEvent] = asyncio.get_running_loop().create_future()
        self._close_waiters.append(waiter)
        return await waiter

    async def _wait_reply(self, linger: float) -> None:
        """Wait until a message arrives or the session closes, at most ``linger`` s."""
        waiter = self._reply_waiter
        if waiter is None or waiter.done():
            waiter = self._reply_waiter = asyncio.get_running_loop().create_future()
        # shield: a timeout must not cancel the future other closers share.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(waiter), linger)

    async def _wait_open(self) -> bool:
        state = self._state.value
        if state is not State.CONNECTING:
            return state is State.OPEN
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._open_waiters.append(waiter)
        return await waiter

    async def __aenter__(self) -> Session:
        """Wait for the open; raise ``ConnectionException`` if it fails."""
        if not await self._wait_open():
            event = self._close_event
            detail = f"closed with code {event.code}" if event else f"session is {self._state}"
            raise ConnectionException(self._url, detail)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- JS event handlers: must never raise into the browser --------------
    def _on_message(self, data: Any, batch: bool) -> None:
        # ``event.data`` only (see _js.hold_messages): the first message of a
        # turn alone (a round trip takes this path), or the messages that
        # arrived after it, in order, as one JS array (a burst: one crossing,
        # then the push path once per message).
        try:
            self._unanswered = False
            if self._reply_waiter is not None:
                self._wake_reply_waiter()
            emit = self._messages.emit_nowait
            if not batch:
                emit(MessageEvent(data))
                return
            for item in _js.items(data):
                emit(MessageEvent(item))
        except Exception as exc:
            report(exc, f"{self!r} onmessage")

    def _on_open(self, _event: Any) -> None:
        try:
            self._protocol = str(self._ws.protocol or "")
            # Flush before the state says OPEN: a collector of ``state`` that
            # sends must not overtake the sends queued while connecting.
            outbox = self._outbox
            while outbox:
                payload, sent = outbox.popleft()
                if sent is not None and sent.done():  # the sender was cancelled
                    continue
                self._ws.send(payload)
                self._unanswered = True
                if sent is not None:
                    sent.set_result(None)
            self._state.value = State.OPEN
            self._resolve(self._open_waiters, True)
            self._opens.emit_nowait(OpenEvent(self._protocol))
        except Exception as exc:
            report(exc, f"{self!r} onopen")

    def _on_error(self, _event: Any) -> None:
        # The browser tells nothing more; the close event that follows has the code.
        try:
            error: WebSocketError
            if self._state.value is State.CONNECTING:
                error = ConnectionException(self._url, "the connection could not be opened")
            else:
                error = WebSocketError(f"the WebSocket to {self._url!r} reported an error")
            self._errors.emit_nowait(error)
        except Exception as exc:
            report(exc, f"{self!r} onerror")

    def _on_close(self, event: Any) -> None:
        try:
            self._closed(CloseEvent(int(event.code), str(event.reason), bool(event.wasClean)))
        except Exception as exc:
            report(exc, f"{self!r} onclose")

    def _closed(self, close: CloseEvent) -> None:
        opened = self._state.value is not State.CONNECTING
        self._close_event = close
        self._detach()
        self._state.value = State.CLOSED
        self._closes.emit_nowait(close)
        for side in (self._opens, self._closes, self._errors):
            side.close()
        normal = close.was_clean and (close.code in _NORMAL_CODES or self._closed_by_client)
        self._messages.close(
            None
            if normal
            else ConnectionClosed(close.code, close.reason, was_clean=close.was_clean)
        )
        detail = f"code {close.code}" + (f": {close.reason}" if close.reason else "")
        if not opened:
            detail = f"the connection could not be opened ({detail})"
        outbox, self._outbox = self._outbox, deque()
        for _, sent in outbox:
            if sent is not None and not sent.done():
                sent.set_exception(SendException(State.CLOSED.value, detail))
        self._resolve(self._open_waiters, False)
        self._resolve(self._close_waiters, close)
        self._wake_reply_waiter()

    def _wake_reply_waiter(self) -> None:
        waiter, self._reply_waiter = self._reply_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _detach(self) -> None:
        self._ws.onopen = None
        self._unhold()
        proxies, self._proxies = self._proxies, ()
        # We are inside the onclose proxy's call: destroying a Pyodide proxy
        # while JS is still calling it is unsafe, so destroy them right after.
        asyncio.get_event_loop().call_soon(_destroy_all, proxies)

    @staticmethod
    def _resolve(waiters: list[asyncio.Future[Any]], result: Any) -> None:
        pending = list(waiters)
        waiters.clear()
        for waiter in pending:
            if not waiter.done():
                waiter.set_result(result)


@dataclass(frozen=True)
class Socket:
    """Where and how to connect; immutable, no connection until :meth:`connect`.

    Make one with :func:`websocket`.
    """

    url: str
    protocols: tuple[str, ...] = ()
    capacity: int = _MESSAGE_CAPACITY
    #: Asked at every connect (each reconnect too) for the token to send, if any.
    token: Callable[[], str | None] | None = None

    def connect_url(self) -> str:
        """The URL a new connection opens: :attr:`url` plus the current ``token``, if any.

        The token goes as the ``token`` query parameter (a browser cannot set
        headers on a WebSocket handshake); the server's ``authenticate`` hook
        reads it from ``connection.query_params``.
        """
        token = None if self.token is None else self.token()
        if not token:
            return self.url
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}token={quote(token, safe='')}"

    @overload
    def connect(self, *, reconnect: Literal[False] | None = None) -> Session: ...

    @overload
    def connect(self, *, reconnect: Reconnect | Literal[True]) -> ReconnectingWebSocket: ...

    @overload
    def connect(
        self, *, reconnect: Reconnect | bool | None = None
    ) -> Session | ReconnectingWebSocket: ...

    def connect(
        self, *, reconnect: Reconnect | bool | None = None
    ) -> Session | ReconnectingWebSocket:
        """Open a new browser WebSocket and return its :class:`Session`.

        Args:
            reconnect: ``None``/``False`` (the default): a plain :class:`Session`
                that stays closed once closed. ``True`` or a
                :class:`~pyfritz.reconnect.Reconnect` policy: a
                :class:`ReconnectingWebSocket` that reconnects by itself
                (``True`` means ``Reconnect()``, no heartbeat).

        Raises:
            ConnectionException: the browser refused the URL (not ws/wss/http(s),
                has a fragment, bad sub-protocols, ...).
            TypeError: ``reconnect`` is neither a bool, ``None`` nor a ``Reconnect``.

        Example::

            session = websocket("/ws").connect()
            lasting = websocket("/sync").connect(reconnect=True)
        """
        if reconnect is None or reconnect is False:
            return Session(self)
        if reconnect is True:
            return ReconnectingWebSocket(self, Reconnect())
        if isinstance(reconnect, Reconnect):
            return ReconnectingWebSocket(self, reconnect)
        raise TypeError(
            f"reconnect must be a bool, None or a Reconnect, got {type(reconnect).__name__}"
        )


def _wakeups() -> tuple[Flow[Any], ...]:
    """The browser's hints that a retry may now succeed: back online, tab visible again."""
    document = _js.document()
    # A hidden tab's timers are throttled (to once a minute in Chromium), so a
    # backoff delay may run long; on return, retry at once (Page Visibility API).
    visible = DomEvents(Listeners(document), "visibilitychange").filter(
        lambda _: str(document.visibilityState) == "visible"
    )
    return (DomEvents(Listeners(_js.window()), "online"), visible)


class ReconnectingWebSocket(ReconnectingSession[MessageEvent, OpenEvent, CloseEvent]):
    """A browser WebSocket session that reconnects by itself; made by ``connect(reconnect=...)``.

    A :class:`~pyfritz.reconnect.ReconnectingSession` over :class:`Session` s:
    ``messages`` (a :class:`Messages`, with its projections) continues across
    reconnects and keeps what arrives before the first collector, ``state`` is
    a :class:`~pyfritz.reconnect.ReconnectState`, sends while disconnected are
    queued. The browser's ``online`` event and the tab becoming visible retry
    at once; their listeners go when the session ends.

    Example::

        session = websocket("/ws").connect(reconnect=Reconnect(max_retries=5))
        session.state.map(str).on_each(print).watch()   # connecting, open, reconnecting, ...
        session.messages.body.on_each(show).watch()
        session.send_nowait("hello")                    # sent now or after the reconnect
        await session.close()                           # no reconnect after this
    """

    def __init__(self, socket: Socket, policy: Reconnect, *, clock: Clock | None = None) -> None:
        """Connect to ``socket`` now, reconnecting by ``policy``; ``clock`` is for tests."""
        # Keeps the backlog-before-first-collector rule of a plain Session.
        self._source = _MessageSource(capacity=socket.capacity)
        super().__init__(
            lambda: Session(socket),
            policy,
            clock=clock,
            messages=self._source,
            wakeups=_wakeups(),
        )

    @property
    def messages(self) -> Messages:
        """Messages of every connection, in order; see :class:`Messages`."""
        return self._source


def websocket(
    url: str,
    *protocols: str,
    capacity: int = _MESSAGE_CAPACITY,
    token: Callable[[], str | None] | None = None,
) -> Socket:
    """Describe a WebSocket endpoint with optional sub-protocols; connect later.

    Args:
        url: a ``ws://`` or ``wss://`` URL, or one relative to the page
            (``"/sync"``): it is resolved against the page's URL on connect,
            ``http`` → ``ws``, ``https`` → ``wss`` (see :func:`pyfritz.sync_url`).
        protocols: sub-protocols to offer; the chosen one is ``Session.protocol``.
        capacity: how many messages (65,536 by default) each collector (and
            the backlog before the first collector) may hold before it is
            ended with an overflow error.
        token: a token source: called at every connect, reconnects included,
            its answer (unless ``None`` or empty) is sent as the ``token``
            query parameter, so a renewed token is used from the next
            connection on (docs/security.md).

    Raises:
        TypeError: ``url`` or a protocol is not a ``str``.

    Example::

        socket = websocket("/ws", "proto-a")
        session = socket.connect()
    """
    if not isinstance(url, str):
        raise TypeError(f"url must be a str, got {type(url).__name__}")
    for protocol in protocols:
        if not isinstance(protocol, str):
            raise TypeError(f"protocols must be str, got {type(protocol).__name__}")
    if capacity < 1:
        raise ValueError(f"capacity must be >= 1, got {capacity}")
    if token is not None and not callable(token):
        raise TypeError(f"token must be a function returning the token, got {token!r}")
    return Socket(url, tuple(protocols), capacity, token)
